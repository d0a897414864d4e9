import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.index`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.index(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
