import PsrecCLI

#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (malloc.h, which the Glibc module leaves out).
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_MMAP_THRESHOLD` in malloc.h.
private let mmapThreshold: Int32 = -3

// Buffers of a megabyte or more (decoded chunks, up to 32 MiB) are mapped and unmapped each
// time. By default glibc raises its mmap threshold to the size of the largest block freed,
// after which such buffers come from the heap and their pages stay resident: `import` of a
// file of 16 MiB chunks peaked at 72 MiB instead of 47 (ImportBoundsTests). A fixed threshold
// keeps peak memory following the chunk in hand.
_ = mallopt(mmapThreshold, 1 << 20)
#endif

PsrecMain.run()
