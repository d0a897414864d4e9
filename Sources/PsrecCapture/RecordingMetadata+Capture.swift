import Foundation
public import PsrecFormat
#if canImport(Glibc)
import Glibc
#endif

/// The metadata a capture tool writes at the start of a recording, and the file name it
/// gives the recording by default. Used by `psrec record` (terminal sessions) and
/// `psrec record-screen` (which changes the protocol, screen and tool afterwards).
extension RecordingMetadata {
    /// The metadata of a terminal session about to be recorded now, on this host.
    ///
    /// What the SSH server says about the session comes from `environment`:
    /// `SSH_CONNECTION` gives the remote address (and the ports and server address, kept in
    /// `extra`), `SSH_ORIGINAL_COMMAND` the command the client asked for; `TERM` the
    /// terminal type.
    ///
    /// - Parameters:
    ///   - user: the user recorded; nil takes `USER`, then `LOGNAME`, then the account of
    ///     this process's uid, then `unknown`. The user is also the recording's owner.
    ///   - application: the application the session belongs to.
    ///   - host: the host the session runs on; nil takes this host's name.
    ///   - command: the program run, with its arguments (the requested SSH command wins).
    ///   - environment: the session's environment.
    ///   - size: the terminal's columns and rows.
    ///   - captureTool: the recorder's name, e.g. `psrec record`.
    ///   - captureToolVersion: the recorder's version.
    /// - Returns: metadata with a new random recording id and the current time as start.
    public static func terminalSession(user: String?, application: String?, host: String?, command: [String],
                                       environment: [String: String], size: (cols: Int, rows: Int),
                                       captureTool: String, captureToolVersion: String) -> RecordingMetadata {
        let now = Date().timeIntervalSince1970
        let connection = environment["SSH_CONNECTION"]?.split(separator: " ").map(String.init) ?? []
        let who = user ?? environment["USER"] ?? environment["LOGNAME"] ?? (getpwuid(getuid()).flatMap { String(cString: $0.pointee.pw_name) }) ?? "unknown"
        var hostName = [CChar](repeating: 0, count: 256)
        gethostname(&hostName, hostName.count)
        var extra: [String: String] = [:]
        if connection.count == 4 { extra["ssh_client_port"] = connection[1]; extra["ssh_server_address"] = connection[2]; extra["ssh_server_port"] = connection[3] }
        return RecordingMetadata(
            recordingID: UUID(), sessionProtocol: .ssh, startUnixMicros: Int64(now * 1_000_000),
            user: who, application: application, host: host ?? String(decoding: hostName.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            remoteAddress: connection.first, command: environment["SSH_ORIGINAL_COMMAND"] ?? command.joined(separator: " "),
            terminal: .init(cols: size.cols, rows: size.rows, type: environment["TERM"]),
            captureTool: captureTool, captureToolVersion: captureToolVersion, owner: who, extra: extra)
    }

    /// The file name a recording gets when none is given:
    /// `psrec-20261129T091500Z-alice-1a2b3c4d.psrec`, unique per session and sorted by start
    /// time. The user name is cut to 32 letters, digits, `-` and `_`, so it never makes a
    /// path of its own.
    public var defaultFileName: String {
        let stamp = CivilDate.iso(unixMicros: startUnixMicros).prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let safeUser = String((user ?? "unknown").unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }.prefix(32))
        return "psrec-\(stamp)Z-\(safeUser.isEmpty ? "user" : safeUser)-\(recordingID.uuidString.prefix(8).lowercased()).psrec"
    }
}
