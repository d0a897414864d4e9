import Foundation
import Testing
import PsrecTestSupport
@testable import PsrecCLI

/// `record --server` starts a sender for the spool folder's other recordings only when the
/// folder holds some (`StreamingOptions.holdsOtherRecordings`).
@Suite("record --server's spool sender")
struct StreamingOptionsTests {
    @Test("a folder with only the new recording (and other files) needs no sender; another .psrec, or an unreadable folder, does")
    func otherRecordings() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let own = dir.appendingPathComponent("new.psrec").path
        try Data().write(to: URL(fileURLWithPath: own))
        try Data().write(to: dir.appendingPathComponent(".psrec-policy"))
        try Data().write(to: dir.appendingPathComponent("notes.txt"))
        #expect(!StreamingOptions.holdsOtherRecordings(dir.path, besides: own))
        try Data().write(to: dir.appendingPathComponent("killed.psrec"))
        #expect(StreamingOptions.holdsOtherRecordings(dir.path, besides: own))
        #expect(StreamingOptions.holdsOtherRecordings(dir.appendingPathComponent("missing").path, besides: own))
    }
}
