import PsrecFuzzExercises

/// libFuzzer entry point: see `FuzzExercise.convert`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzExercise.convert(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
