import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.trailer`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.trailer(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
