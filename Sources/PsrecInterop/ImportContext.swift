internal import PsrecFormat

/// Where in the input something happened, for messages.
enum InputLocation: CustomStringConvertible {
    case line(Int)
    case offset(Int64)

    var description: String {
        switch self {
        case .line(let n): "line \(n)"
        case .offset(let o): "byte \(o)"
        }
    }
}

/// What every importer shares: the input's name, the options, how to make the writer.
struct ImportContext {
    var inputName: String
    var outputName: String
    var options: ConversionOptions
    /// Start time to use when neither the options nor the input give one (the input
    /// file's modification time), in microseconds since 1970.
    var fallbackStartMicros: Int64?
    var factory: WriterFactory
}

/// Creates the `RecordingWriter` once the importer knows the metadata, and keeps it so that
/// `Converter` can abandon it when the conversion fails.
final class WriterFactory {
    private let make: (RecordingMetadata) throws(FormatError) -> RecordingWriter
    private(set) var writer: RecordingWriter?

    init(_ make: @escaping (RecordingMetadata) throws(FormatError) -> RecordingWriter) { self.make = make }

    func makeWriter(_ metadata: RecordingMetadata) throws(FormatError) -> RecordingWriter {
        let writer = try make(metadata)
        self.writer = writer
        return writer
    }
}
