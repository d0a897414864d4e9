public import PsrecFormat

/// The kinds of indicator the catalog keeps in its `indicators` table (the format's
/// indicator events, `Spec/format.md#events`).
public enum IndicatorKind: String, Sendable, CaseIterable, SQLValueConvertible {
    /// A marker a recorder or an operator placed.
    case marker
    /// A command line typed at a prompt.
    case command
    /// A mouse click on a desktop.
    case click

    /// The kind of an indicator event, or nil for an event type that is not one.
    public init?(_ type: EventType) {
        switch type {
        case .marker: self = .marker
        case .command: self = .command
        case .click: self = .click
        default: return nil
        }
    }
}

// Values the catalog stores in typed columns: read and written as themselves, never as
// strings compared ad hoc. The `status` and `right` columns have CHECK constraints that
// hold exactly these raw values, so decoding a row cannot meet another.

extension Verdict.Status: SQLValueConvertible {}

extension IngestPolicy: SQLValueConvertible {}

extension RecordingMetadata.SessionProtocol: SQLValueConvertible {}

extension Right: SQLValueConvertible {}
