public import PsrecFormat

/// What `Converter` puts in the recording besides what the input holds.
public struct ConversionOptions: Sendable {
    /// Account the session ran as (metadata `user`).
    public var user: String?
    /// Application the session belongs to (metadata `application`).
    public var application: String?
    /// Host the session ran on (metadata `host`).
    public var host: String?
    /// Skip malformed lines (and a torn last line or frame) instead of failing; the report
    /// counts what was skipped.
    public var lenient: Bool
    /// How the recording is written.
    public var writer: WriterOptions
    /// The input format; nil detects it from the content.
    public var format: InputFormat?
    /// Start of the session in microseconds since 1970, overriding what the input says.
    public var startUnixMicros: Int64?

    /// Creates options.
    public init(user: String? = nil, application: String? = nil, host: String? = nil,
                lenient: Bool = false, writer: WriterOptions = WriterOptions(),
                format: InputFormat? = nil, startUnixMicros: Int64? = nil) {
        self.user = user
        self.application = application
        self.host = host
        self.lenient = lenient
        self.writer = writer
        self.format = format
        self.startUnixMicros = startUnixMicros
    }
}
