public import ArgumentParser
public import PsrecCatalog
public import PsrecFormat

// The libraries' value types, parsed once by ArgumentParser: a command receives a right, a
// protocol, a status or an indicator kind (and through `CodecName` a codec), never a string
// to check in run(). A value not in the list is a usage error (exit 64) that lists the
// accepted ones.

extension Right: ExpressibleByArgument {}

extension IndicatorKind: ExpressibleByArgument {}
extension SealState: ExpressibleByArgument {}

extension RecordingMetadata.SessionProtocol: ExpressibleByArgument {
    /// Only the protocols the catalog defines: a recording can carry another (a newer
    /// writer's), but no command takes one.
    public init?(argument: String) {
        guard let known = Application.knownProtocols.first(where: { $0.rawValue == argument }) else { return nil }
        self = known
    }
    public static var allValueStrings: [String] { Application.knownProtocols.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

extension RecordingState: ExpressibleByArgument {
    /// The statuses a catalog shows: corrupt files are not imported.
    public init?(argument: String) {
        guard let state = RecordingState(rawValue: argument), state != .corrupt else { return nil }
        self = state
    }
    public static var allValueStrings: [String] { allCases.filter { $0 != .corrupt }.map(\.rawValue) }
}

extension IngestPolicy: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
