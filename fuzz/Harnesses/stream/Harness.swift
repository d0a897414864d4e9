import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.stream`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.stream(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
