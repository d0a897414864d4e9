import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.events`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.events(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
