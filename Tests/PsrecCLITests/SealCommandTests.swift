import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

/// `psrec key generate|show`, sealing with `convert --sign-key`, and `psrec verify --trust`
/// (`Spec/format.md#seals`).
@Suite struct SealCommandTests {
    /// An asciicast v2 recording of 12 s, output every 100 ms.
    static func asciicast(in dir: URL) throws -> String {
        var lines = ["{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1700000000}"]
        for tenth in 0..<120 { lines.append("[\(Double(tenth) / 10), \"o\", \"line \(tenth)\\r\\n\"]") }
        let path = dir.appendingPathComponent("session.cast").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `file` with one byte of its fourth EVENTS chunk changed and that chunk's CRC
    /// recomputed, written to `out`: a reader finds nothing wrong (for a chunk stored
    /// uncompressed), the seals do. Returns the changed chunk's sequence number.
    static func alter(_ file: String, to out: String) throws -> UInt32 {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let salt = try Array(bytes[0..<32]).withUnsafeBytes { (raw) throws(FormatError) in try FileHeader.decode(raw) }.salt
        var offset = 32
        var headers: [(Int, ChunkHeader)] = []
        while bytes.count - offset > 80 {
            let header = try Array(bytes[offset..<(offset + 48)]).withUnsafeBytes { (raw) throws(FormatError) in try ChunkHeader.decode(raw, salt: salt, offset: Int64(offset)) }
            headers.append((offset, header))
            offset += 48 + header.storedLength
        }
        let (at, header) = try #require(headers.filter { $0.1.type == .events }.dropFirst(3).first)
        if header.codec == .none {
            bytes[at + 48 + header.storedLength - 3] ^= 1
        } else {
            bytes[at + 48 + header.storedLength / 2] ^= 1
        }
        var changed = header
        changed.payloadCRC = bytes[(at + 48)..<(at + 48 + header.storedLength)].withUnsafeBytes { Checksum.salted($0, salt: salt) }
        var w = ByteWriter()
        changed.encode(into: &w, salt: salt)
        bytes.replaceSubrange(at..<(at + 48), with: w.bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: out))
        return header.sequence
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func generateMakesAPrivateAndAPublicKeyAndNeverOverwrites() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("gw-1.key").path
        let made = try CLI.run(["key", "generate", "--id", "gw-1", key])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try Self.mode(key) == 0o600)
        #expect(try Self.mode(key + ".pub") == 0o644)
        #expect(made.stderr.contains("key gw-1 (key sha256:"))
        let again = try CLI.run(["key", "generate", "--id", "gw-1", key])
        #expect(again.status == 3 && again.stderr.contains("exists already"))
        let link = dir.appendingPathComponent("link.key").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir.appendingPathComponent("elsewhere").path)
        #expect(try CLI.run(["key", "generate", link]).status == 3)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("elsewhere").path))
        #expect(try CLI.run(["key", "generate", "--id", "bad name", dir.appendingPathComponent("x.key").path]).status == 64)

        let shown = try CLI.run(["key", "show", key])
        let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let fingerprint = try SealPublicKey.parse(fileText: pub).fingerprint
        #expect(shown.text == "gw-1 sha256:\(fingerprint)\n")
        #expect(try CLI.run(["key", "show", key + ".pub"]).text == shown.text)
        #expect(try CLI.run(["key", "show", "--public", key]).text == pub)
        #expect(try CLI.run(["key", "show", dir.appendingPathComponent("session.cast").path]).status == 3)
    }

    @Test func convertSealsAndVerifySaysWhatHolds() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("gw-1.key").path, other = dir.appendingPathComponent("other.key").path
        #expect(try CLI.run(["key", "generate", "--id", "gw-1", key]).status == 0)
        #expect(try CLI.run(["key", "generate", "--id", "other", other]).status == 0)
        let input = try Self.asciicast(in: dir)
        let sealed = dir.appendingPathComponent("sealed.psrec").path
        let convert = try CLI.run(["convert", input, "-o", sealed, "--sign-key", key, "--seal-interval", "2", "--chunk-interval", "1s"])
        #expect(convert.status == 0, "\(convert.stderr)")

        #expect(try CLI.run(["info", sealed]).text.contains("Sealed by:     gw-1 (key sha256:"))
        let open = try CLI.run(["verify", sealed])
        #expect(open.status == 0, "\(open.text)\(open.stderr)")
        #expect(open.text.contains("seal: sealed from 0:00:00 to 0:00:11 by gw-1 (key sha256:"), "\(open.text)")
        #expect(open.text.contains("unverified"))

        let trusted = try CLI.run(["verify", "--trust", key + ".pub", sealed])
        #expect(trusted.status == 0, "\(trusted.text)")
        #expect(trusted.text.contains("seal: sealed from 0:00:00 to 0:00:11 by gw-1 (key sha256:") && trusted.text.contains("trusted"))
        // A directory of public keys.
        let keys = dir.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: key + ".pub", toPath: keys.appendingPathComponent("gw-1.pub").path)
        #expect(try CLI.run(["verify", "--trust", keys.path, sealed]).status == 0)

        let untrusted = try CLI.run(["verify", "--trust", other + ".pub", sealed])
        #expect(untrusted.status == 2)
        #expect(untrusted.text.contains("seal: sealed by an untrusted key: gw-1"))

        let json = try CLI.run(["verify", "--json", sealed])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
        let seal = try #require(object["seal"] as? [String: Any])
        #expect(seal["status"] as? String == "unverified" && seal["key_id"] as? String == "gw-1")
        #expect((seal["sealed_to_us"] as? NSNumber)?.int64Value == 11_900_000)

        // One byte changed in the fourth chunk, its CRC recomputed: complete, but altered.
        let altered = dir.appendingPathComponent("altered.psrec").path
        let changedChunk = try Self.alter(sealed, to: altered)
        let caught = try CLI.run(["verify", "--trust", key + ".pub", altered])
        #expect(caught.status == 2)
        #expect(caught.text.contains("seal: altered: chunk \(changedChunk) changed after the seal at 0:00:0"), "\(caught.text)")
    }

    @Test func sealingOptionsAreCheckedAndTheKeyMustBePrivate() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("k").path
        #expect(try CLI.run(["key", "generate", key]).status == 0)
        let input = try Self.asciicast(in: dir)
        let out = dir.appendingPathComponent("o.psrec").path
        let old = try CLI.run(["convert", input, "-o", out, "--sign-key", key, "--format-version", "1.1"])
        #expect(old.status == 64 && old.stderr.contains("1.2"))
        #expect(try CLI.run(["convert", input, "-o", out, "--format-version", "1.2"]).status == 64)
        #expect(try CLI.run(["convert", input, "-o", out, "--seal-interval", "5"]).status == 64)
        #expect(try CLI.run(["convert", input, "-o", out, "--format-version", "1.0"]).status == 0)
        #expect(try FileSource(path: out).read(at: 9, count: 1) == [0])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let open = try CLI.run(["convert", input, "-o", dir.appendingPathComponent("p.psrec").path, "--sign-key", key])
        #expect(open.status == 3 && open.stderr.contains("chmod 600"), "\(open.stderr)")
    }

    @Test func trustRequiresASealedFile() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("k").path
        #expect(try CLI.run(["key", "generate", key]).status == 0)
        let unsealed = try CLI.run(["verify", "--trust", key + ".pub", CLI.vector("terminal-zstd.psrec")])
        #expect(unsealed.status == 2)
        #expect(unsealed.text.contains("seal: none (not sealed)"))
        #expect(try CLI.run(["verify", CLI.vector("terminal-zstd.psrec")]).status == 0)
        // The sealed vector, cut short: truncated, sealed to its last seal.
        let cut = try CLI.run(["verify", CLI.vector("sealed-truncated.psrec")])
        #expect(cut.status == 1)
        #expect(cut.text.contains("seal: sealed from 0:00:00 to "), "\(cut.text)")
    }
}
