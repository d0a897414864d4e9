/// How much the catalog derives from one recording, whatever the recording declares.
///
/// A few kilobytes of zstd can decode to millions of markers or hundreds of megabytes of
/// output; stored as rows, that made a 4 KB file grow the catalog by 250 MB. The content
/// itself (the file, in `chunks`) is always stored whole; only what is derived from it for
/// search is bounded: past these limits a recording is still imported, played and exported
/// in full, but its later indicators are not rows in `indicators` and its later text is not
/// searchable. The import's audit row says when a limit was reached.
public enum CatalogLimits {
    /// Indicator rows (`indicators`) kept per recording: the first 100,000 in time order.
    public static let maxIndicatorsPerRecording = 100_000
    /// Bytes of terminal text stored and indexed per recording (`terminal_text`): the first
    /// 64 MiB of the text a person saw, escape sequences removed.
    public static let maxTextBytesPerRecording = 64 << 20
    /// Largest `terminal_text` row: a chunk's text is cut into rows of at most this many
    /// bytes, so that one chunk of many megabytes never becomes one row held whole in memory
    /// (and in the full-text index's buffers).
    static let maxTextRowBytes = 1 << 20
    /// Output bodies are fed to the text extractor in slices of this many bytes, so that a
    /// row can be cut inside one large event.
    static let textSliceBytes = 64 << 10
}
