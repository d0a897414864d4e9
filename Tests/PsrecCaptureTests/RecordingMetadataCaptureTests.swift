import Foundation
import Testing
import PsrecCapture
import PsrecFormat

@Suite struct RecordingMetadataCaptureTests {
    @Test func anSSHSessionTakesItsAddressesAndCommandFromTheEnvironment() {
        let environment = ["SSH_CONNECTION": "203.0.113.7 50122 198.51.100.2 22", "SSH_ORIGINAL_COMMAND": "uptime",
                           "TERM": "xterm-256color", "USER": "alice"]
        let meta = RecordingMetadata.terminalSession(user: nil, application: "db-prod", host: "gw1", command: ["/bin/sh", "-c", "uptime"],
                                                     environment: environment, size: (132, 43), captureTool: "psrec record",
                                                     captureToolVersion: "9.9")
        #expect(meta.sessionProtocol == .ssh)
        #expect(meta.user == "alice")
        #expect(meta.owner == "alice")
        #expect(meta.application == "db-prod")
        #expect(meta.host == "gw1")
        #expect(meta.remoteAddress == "203.0.113.7")
        #expect(meta.command == "uptime")
        #expect(meta.terminal == RecordingMetadata.Terminal(cols: 132, rows: 43, type: "xterm-256color"))
        #expect(meta.extra == ["ssh_client_port": "50122", "ssh_server_address": "198.51.100.2", "ssh_server_port": "22"])
        #expect(meta.captureTool == "psrec record")
        #expect(meta.captureToolVersion == "9.9")
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        #expect(abs(meta.startUnixMicros - now) < 60_000_000)
    }

    @Test func aLocalSessionRecordsTheCommandRun() {
        let meta = RecordingMetadata.terminalSession(user: "bob", application: nil, host: nil, command: ["/bin/bash", "-l"],
                                                     environment: [:], size: (80, 24), captureTool: "psrec record", captureToolVersion: "1")
        #expect(meta.user == "bob")
        #expect(meta.command == "/bin/bash -l")
        #expect(meta.remoteAddress == nil)
        #expect(meta.extra.isEmpty)
        #expect(meta.host?.isEmpty == false)
    }

    @Test func theDefaultFileNameIsSortedByTimeAndNeverAPath() {
        var meta = RecordingMetadata(recordingID: UUID(uuidString: "1A2B3C4D-0000-4000-8000-000000000000")!, sessionProtocol: .ssh,
                                     startUnixMicros: 1_764_407_700_000_000, user: "alice")
        #expect(meta.defaultFileName == "psrec-20251129T091500Z-alice-1a2b3c4d.psrec")
        meta.user = "../../etc/passwd"
        #expect(meta.defaultFileName == "psrec-20251129T091500Z-etcpasswd-1a2b3c4d.psrec")
        meta.user = "/"
        #expect(meta.defaultFileName == "psrec-20251129T091500Z-user-1a2b3c4d.psrec")
    }
}
