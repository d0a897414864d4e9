public import Foundation

/// The payload of a SEAL chunk (`Spec/format.md#seals`):
///
/// ```
/// version u8 = 1 | chain (32) | public_key (32) | signature (64) | mark_count uvarint | mark (4) × mark_count
/// ```
///
/// The signature covers the seal message: `"psrec seal 1" 00 | recording_id (16) |
/// sequence u32 | time i64 | chain (32)`.
public struct SealPayload: Sendable, Equatable {
    /// The only payload version.
    public static let version: UInt8 = 1
    /// The chain value of the chunk just before the SEAL chunk.
    public var chain: [UInt8]
    /// The Ed25519 public key that made the signature.
    public var publicKey: [UInt8]
    /// The Ed25519 signature of the seal message.
    public var signature: [UInt8]
    /// The first 4 bytes of the chain value of each chunk since the previous seal, joined.
    public var marks: [UInt8]

    /// How many chunks the marks cover.
    public var markCount: Int { marks.count / 4 }

    /// The 4-byte mark of chunk `i` (0-based) since the previous seal.
    func mark(_ i: Int) -> ArraySlice<UInt8> { marks[(i * 4)..<(i * 4 + 4)] }

    /// The payload bytes.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 140 + marks.count)
        w.writeUInt8(Self.version)
        w.writeBytes(chain)
        w.writeBytes(publicKey)
        w.writeBytes(signature)
        w.writeUVarint(markCount)
        w.writeBytes(marks)
        return w.bytes
    }

    /// Decodes a SEAL chunk's payload, found at `offset`.
    /// - Throws: `.malformedPayload` when it is not exactly the layout above, `.unsupportedChunk`
    ///   for another version.
    public static func decode(_ bytes: [UInt8], offset: Int64) throws(FormatError) -> SealPayload {
        try bytes.withBytes { (raw) throws(FormatError) -> SealPayload in
            var r = ByteReader(raw, baseOffset: offset, context: "seal")
            let version = try r.readUInt8()
            guard version == Self.version else {
                throw FormatError(.unsupportedChunk, "The seal has version \(version); this verifier knows version 1", offset: offset)
            }
            guard r.remaining >= 128 else { throw FormatError(.malformedPayload, "The seal is \(bytes.count) bytes, too short", offset: offset) }
            let chain = Array(bytes[1..<33]), key = Array(bytes[33..<65]), signature = Array(bytes[65..<129])
            for _ in 0..<128 { _ = try r.readUInt8() }
            let count = try r.readUVarint()
            guard count <= UInt64(Limits.maxItemCount), Int(count) * 4 == r.remaining else {
                throw FormatError(.malformedPayload, "The seal's mark count \(count) does not match its \(r.remaining) bytes of marks", offset: offset)
            }
            return SealPayload(chain: chain, publicKey: key, signature: signature, marks: Array(bytes[r.position...]))
        }
    }

    /// The 93 signed bytes for a seal of recording `recordingID` in the SEAL chunk with
    /// `sequence` and time `timeMicros`, over `chain`.
    public static func message(recordingID: UUID, sequence: UInt32, timeMicros: Int64, chain: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 93)
        w.writeBytes(Array("psrec seal 1".utf8))
        w.writeUInt8(0)
        let id = recordingID.uuid
        w.writeBytes([id.0, id.1, id.2, id.3, id.4, id.5, id.6, id.7, id.8, id.9, id.10, id.11, id.12, id.13, id.14, id.15])
        w.writeUInt32(sequence)
        w.writeInt64(timeMicros)
        w.writeBytes(chain)
        return w.bytes
    }
}
