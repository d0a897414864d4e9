
/// What the catalog shows as a recording's status: the verdict at import, or while a
/// capture host streams it, whether it is still arriving.
public enum RecordingState: String, Sendable, CaseIterable, SQLValueConvertible {
    /// The trailer is stored and every chunk verified.
    case complete
    /// Imported without a trailer (the writer stopped): playable up to its last chunk.
    case truncated
    /// Found corrupt; the catalog never imports such a file, but its schema allows the word.
    case corrupt
    /// Being streamed: a chunk arrived since the server last looked.
    case live
    /// Was being streamed, and nothing arrived for a while (`Catalog.markInterrupted`).
    case interrupted

    /// The SQL for this state of the recordings aliased `r`: `ingest_state` when set, else
    /// `status`.
    static let column = "coalesce(r.ingest_state, r.status)"
}
