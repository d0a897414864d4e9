import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.chunk`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.chunk(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
