import Crypto
import Foundation

/// The private key a capture host seals its recordings with: an Ed25519 key (RFC 8032) and
/// a name for people (`Spec/format.md#seals`).
///
/// Its file is one line of text, `psrec-ed25519-private-key ID BASE64\n`, where BASE64 is the
/// 32-byte seed; `psrec key generate` creates it readable by its owner alone.
public struct SealingKey: Sendable {
    /// The key's name, written into sealed recordings as `seal_key_id`.
    public let id: String
    /// The 32-byte Ed25519 seed.
    let seed: [UInt8]
    /// The public half, with the same id.
    public let publicKey: SealPublicKey

    /// The first word of a private key file.
    public static let fileTag = "psrec-ed25519-private-key"

    /// A key from its 32-byte seed.
    /// - Throws: `.misuse` for a seed that is not 32 bytes or an id that is not a key name.
    public init(seed: [UInt8], id: String) throws(FormatError) {
        try SealPublicKey.checkID(id)
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw FormatError(.misuse, "An Ed25519 private key is 32 bytes, not \(seed.count)")
        }
        self.id = id
        self.seed = seed
        publicKey = SealPublicKey(id: id, raw: [UInt8](key.publicKey.rawRepresentation))
    }

    /// A new random key.
    /// - Throws: `.misuse` for an id that is not a key name.
    public static func generate(id: String) throws(FormatError) -> SealingKey {
        try SealingKey(seed: [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation), id: id)
    }

    /// The private key file's text.
    public var fileText: String { "\(Self.fileTag) \(id) \(Data(seed).base64EncodedString())\n" }

    /// Reads a private key file's text.
    /// - Throws: `.malformedPayload` saying what is wrong with it.
    public static func parse(fileText text: String) throws(FormatError) -> SealingKey {
        let (id, bytes) = try SealPublicKey.fields(of: text, tag: fileTag, what: "private key")
        do {
            return try SealingKey(seed: bytes, id: id)
        } catch {
            throw FormatError(.malformedPayload, "The private key file does not hold a valid key: \(error.message)")
        }
    }

    /// The Ed25519 signature of `message`.
    func sign(_ message: [UInt8]) throws(FormatError) -> [UInt8] {
        do {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            return [UInt8](try key.signature(for: message))
        } catch {
            throw FormatError(.misuse, "Signing a seal failed: \(error)")
        }
    }
}

/// An Ed25519 public key that seals can be checked against, and its name
/// (`Spec/format.md#seals`). Two keys are equal when their key bytes are, whatever their names.
///
/// Its file is one line of text, `psrec-ed25519-public-key ID BASE64\n`.
public struct SealPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key's name.
    public let id: String
    /// The 32 key bytes.
    public let raw: [UInt8]

    /// The first word of a public key file.
    public static let fileTag = "psrec-ed25519-public-key"

    /// A key from its 32 bytes.
    public init(id: String, raw: [UInt8]) {
        self.id = id
        self.raw = raw
    }

    public static func == (a: SealPublicKey, b: SealPublicKey) -> Bool { a.raw == b.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// SHA-256 of the key bytes as 64 lower-case hex digits: the metadata's `seal_key_fingerprint`.
    public var fingerprint: String { Self.fingerprint(of: raw) }

    /// The fingerprint of any 32 bytes.
    public static func fingerprint(of raw: [UInt8]) -> String {
        SHA256.hash(data: raw).map { hexByte($0).lowercased() }.joined()
    }

    /// `sha256:` and the first 16 hex digits of the fingerprint, for messages.
    public var shortFingerprint: String { Self.short(fingerprint) }

    /// `sha256:` and the first 16 hex digits of a fingerprint.
    public static func short(_ fingerprint: String) -> String { "sha256:" + fingerprint.prefix(16) }

    public var description: String { "\(id) (key \(shortFingerprint))" }

    /// The public key file's text.
    public var fileText: String { "\(Self.fileTag) \(id) \(Data(raw).base64EncodedString())\n" }

    /// Reads a public key file's text.
    /// - Throws: `.malformedPayload` saying what is wrong with it.
    public static func parse(fileText text: String) throws(FormatError) -> SealPublicKey {
        let (id, bytes) = try fields(of: text, tag: fileTag, what: "public key")
        guard bytes.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
            throw FormatError(.malformedPayload, "The public key file does not hold a 32-byte Ed25519 key")
        }
        return SealPublicKey(id: id, raw: bytes)
    }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// A key name: 1 to 64 letters, digits and `. _ - @ :`, so that it prints safely and
    /// splits as one word of a key file.
    static func checkID(_ id: String) throws(FormatError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@:")
        guard (1...64).contains(id.count), id.allSatisfy(allowed.contains) else {
            throw FormatError(.misuse, "A key name is 1 to 64 letters, digits and . _ - @ :")
        }
    }

    /// The id and the key bytes of a key file's one line: `TAG ID BASE64`.
    static func fields(of text: String, tag: String, what: String) throws(FormatError) -> (String, [UInt8]) {
        var line = Substring(text)
        if line.hasSuffix("\n") { line = line.dropLast() }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 3, words[0] == tag else {
            throw FormatError(.malformedPayload, "This is not a psrec \(what) file (one line: \(tag) NAME BASE64)")
        }
        guard (try? checkID(String(words[1]))) != nil else {
            throw FormatError(.malformedPayload, "The \(what) file's key name is not valid (1 to 64 letters, digits and . _ - @ :)")
        }
        guard let data = Data(base64Encoded: String(words[2])) else {
            throw FormatError(.malformedPayload, "The \(what) file's key is not valid base64")
        }
        return (String(words[1]), [UInt8](data))
    }
}
