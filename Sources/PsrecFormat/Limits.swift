/// Hard limits of psrec 1.0 (`Spec/format.md#limits`).
///
/// A reader rejects anything beyond them before allocating memory for it, so a torn or
/// hostile length can never cause a huge allocation.
public enum Limits {
    /// Largest stored (on-disk) payload of one chunk: 32 MiB.
    public static let maxStoredLength = 32 << 20
    /// Largest decoded payload of one chunk: 32 MiB.
    public static let maxDecodedLength = 32 << 20
    /// Largest decoded metadata payload: 1 MiB.
    public static let maxMetadataLength = 1 << 20
    /// Largest number of items (events or index entries) declared by one chunk.
    public static let maxItemCount = 1 << 24
    /// Largest screen width or height in pixels.
    public static let maxScreenDimension = 16_384
    /// Largest number of rectangles in one screen delta.
    public static let maxRectangles = 65_536
    /// Largest terminal width or height in cells.
    public static let maxTerminalDimension = 65_535
    /// Largest indicator detail the index keeps, in UTF-8 bytes; longer labels are cut at a
    /// character boundary in the index (the event itself keeps the whole text).
    public static let maxIndicatorDetailBytes = 1024
    /// Most indicator events (markers, commands, clicks) one EVENTS chunk may hold, and so most
    /// indicators an index may list for one chunk. The reference writer closes a chunk after
    /// every indicator (one per chunk); the bound keeps the indicator list a reader holds
    /// proportional to the chunks really in the file.
    public static let maxIndicatorsPerChunk = 16
    /// Largest byte count of a uvarint.
    public static let maxVarintBytes = 10
    /// Largest session time in microseconds: 16 decimal digits (about 317 years), so any
    /// duration fits the trailer's `dur` field and sums of two times stay in Int64.
    public static let maxMicros: Int64 = 9_999_999_999_999_999
}
