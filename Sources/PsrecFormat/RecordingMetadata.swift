public import Foundation

/// What a recording is about (`Spec/format.md#metadata`), stored as a JSON object in the
/// first chunk.
public struct RecordingMetadata: Sendable, Equatable, Codable {
    /// Kind of session.
    ///
    /// Readers keep values they do not know (a newer writer's protocol) instead of failing.
    public struct SessionProtocol: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
        /// A terminal session.
        public static let ssh = SessionProtocol(rawValue: "ssh")
        /// A desktop session.
        public static let rdp = SessionProtocol(rawValue: "rdp")
    }

    /// Terminal geometry at the start.
    public struct Terminal: Sendable, Equatable, Codable {
        public var cols: Int
        public var rows: Int
        /// TERM value, such as `xterm-256color`.
        public var type: String?
        public init(cols: Int, rows: Int, type: String? = nil) {
            self.cols = cols
            self.rows = rows
            self.type = type
        }
    }

    /// Screen geometry at the start.
    public struct Screen: Sendable, Equatable, Codable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    /// The recording's UUID; the same for every copy and repair of one session.
    public var recordingID: UUID
    /// `ssh` (terminal) or `rdp` (desktop).
    public var sessionProtocol: SessionProtocol
    /// Start time as microseconds since 1970-01-01T00:00:00Z.
    public var startUnixMicros: Int64
    /// Account the session ran as.
    public var user: String?
    /// Application (target system) the session belongs to.
    public var application: String?
    /// Host the session ran on.
    public var host: String?
    /// Address the user connected from.
    public var remoteAddress: String?
    /// Command run, when not an interactive shell.
    public var command: String?
    /// Human title.
    public var title: String?
    /// Terminal geometry (ssh).
    public var terminal: Terminal?
    /// Screen geometry (rdp).
    public var screen: Screen?
    /// Program that captured the session.
    public var captureTool: String?
    /// Its version.
    public var captureToolVersion: String?
    /// User who owns the recording.
    public var owner: String?
    /// Users assigned to audit it.
    public var auditors: [String]
    /// Free key-value pairs.
    public var extra: [String: String]
    /// Name of the key that seals the recording (format 1.2).
    public var sealKeyID: String?
    /// SHA-256 of the sealing key's public key, 64 lower-case hex digits (format 1.2).
    public var sealKeyFingerprint: String?

    enum CodingKeys: String, CodingKey {
        case recordingID = "recording_id"
        case sessionProtocol = "protocol"
        case startUnixMicros = "start_unix_us"
        case user, application, host
        case remoteAddress = "remote_address"
        case command, title, terminal, screen
        case captureTool = "capture_tool"
        case captureToolVersion = "capture_tool_version"
        case owner, auditors, extra
        case sealKeyID = "seal_key_id"
        case sealKeyFingerprint = "seal_key_fingerprint"
    }

    /// Creates metadata.
    public init(recordingID: UUID = UUID(), sessionProtocol: SessionProtocol = .ssh,
                startUnixMicros: Int64, user: String? = nil, application: String? = nil,
                host: String? = nil, remoteAddress: String? = nil, command: String? = nil,
                title: String? = nil, terminal: Terminal? = nil, screen: Screen? = nil,
                captureTool: String? = nil, captureToolVersion: String? = nil, owner: String? = nil,
                auditors: [String] = [], extra: [String: String] = [:]) {
        self.recordingID = recordingID
        self.sessionProtocol = sessionProtocol
        self.startUnixMicros = startUnixMicros
        self.user = user
        self.application = application
        self.host = host
        self.remoteAddress = remoteAddress
        self.command = command
        self.title = title
        self.terminal = terminal
        self.screen = screen
        self.captureTool = captureTool
        self.captureToolVersion = captureToolVersion
        self.owner = owner
        self.auditors = auditors
        self.extra = extra
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recordingID = try c.decode(UUID.self, forKey: .recordingID)
        sessionProtocol = try c.decode(SessionProtocol.self, forKey: .sessionProtocol)
        startUnixMicros = try c.decode(Int64.self, forKey: .startUnixMicros)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        application = try c.decodeIfPresent(String.self, forKey: .application)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        remoteAddress = try c.decodeIfPresent(String.self, forKey: .remoteAddress)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        terminal = try c.decodeIfPresent(Terminal.self, forKey: .terminal)
        screen = try c.decodeIfPresent(Screen.self, forKey: .screen)
        captureTool = try c.decodeIfPresent(String.self, forKey: .captureTool)
        captureToolVersion = try c.decodeIfPresent(String.self, forKey: .captureToolVersion)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        auditors = try c.decodeIfPresent([String].self, forKey: .auditors) ?? []
        extra = try c.decodeIfPresent([String: String].self, forKey: .extra) ?? [:]
        sealKeyID = try c.decodeIfPresent(String.self, forKey: .sealKeyID)
        sealKeyFingerprint = try c.decodeIfPresent(String.self, forKey: .sealKeyFingerprint)
    }

    /// Start time as a `Date`.
    public var startDate: Date { Date(timeIntervalSince1970: Double(startUnixMicros) / 1_000_000) }

    /// The JSON bytes stored in the metadata chunk (sorted keys, so output is reproducible).
    public func encodedJSON() throws(FormatError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(self)
            guard data.count <= Limits.maxMetadataLength else {
                throw FormatError(.limitExceeded, "Metadata is \(data.count) bytes, over the limit of \(Limits.maxMetadataLength)")
            }
            return [UInt8](data)
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.misuse, "Metadata cannot be encoded: \(error)")
        }
    }

    /// Decodes the metadata chunk's JSON.
    /// - Throws: `.malformedPayload` when it is not the expected JSON object.
    public static func decode(json: [UInt8], offset: Int64) throws(FormatError) -> RecordingMetadata {
        if let problem = strictJSONProblem(json) {
            throw FormatError(.malformedPayload, "The metadata chunk is not valid psrec metadata JSON: \(problem)", offset: offset)
        }
        do {
            let value = try JSONDecoder().decode(RecordingMetadata.self, from: Data(json))
            guard value.startUnixMicros >= -Limits.maxMicros, value.startUnixMicros <= Limits.maxMicros else {
                throw FormatError(.malformedPayload, "Metadata start time is out of range", offset: offset)
            }
            if let t = value.terminal, !(0...Limits.maxTerminalDimension).contains(t.cols) || !(0...Limits.maxTerminalDimension).contains(t.rows) {
                throw FormatError(.malformedPayload, "Metadata terminal size \(t.cols)x\(t.rows) is out of range", offset: offset)
            }
            if let s = value.screen, !(0...Limits.maxScreenDimension).contains(s.width) || !(0...Limits.maxScreenDimension).contains(s.height) {
                throw FormatError(.malformedPayload, "Metadata screen size \(s.width)x\(s.height) is out of range", offset: offset)
            }
            return value
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.malformedPayload, "The metadata chunk is not valid psrec metadata JSON", offset: offset)
        }
    }
}
