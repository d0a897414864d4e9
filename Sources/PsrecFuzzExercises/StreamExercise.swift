import PsrecFormat
import PsrecStream

extension FuzzExercise {
    /// What the ingest server does with bytes from the network: the input cut into messages
    /// as its decoder cuts them (each prefix checked before its body is taken), every
    /// message decoded and re-encoded to the same bytes; each chunk message's bytes, and the
    /// input itself, checked by `ChunkCheck` where the sample recording's first chunk after
    /// its metadata goes (the server's per-chunk checks).
    public static func stream(_ input: [UInt8]) {
        var at = 0
        while input.count - at >= StreamLimits.prefixBytes {
            guard let (type, bodyLength) = try? StreamCodec.prefix(input[at..<(at + StreamLimits.prefixBytes)]) else { break }
            precondition(bodyLength < type.maxLength, "a prefix passed with a length over its type's bound")
            let end = at + StreamLimits.prefixBytes + bodyLength
            guard end <= input.count else { break }
            let body = Array(input[(at + StreamLimits.prefixBytes)..<end])
            if let message = try? StreamCodec.decodeBody(type: type, body) {
                precondition(StreamCodec.encode(message) == Array(input[at..<end]), "a decoded message does not encode to its bytes")
                if case .chunk(_, let bytes) = message { checkChunk(bytes) }
            }
            at = end
        }
        checkChunk(input)
    }

    /// `ChunkCheck` at the sample's second chunk, with the sample's salt.
    static func checkChunk(_ bytes: [UInt8]) {
        guard FuzzSample.chunkOffsets.count > 1 else { return }
        let position = ChunkCheck.Position(offset: FuzzSample.chunkOffsets[1], sequence: 1, notBeforeMicros: 0, minorVersion: 1)
        var fixed = bytes
        _ = try? ChunkCheck.check(bytes, at: position, salt: FuzzSample.salt, compressor: Compressor())
        // With its CRCs made right, so that mutations reach the payload checks.
        if fixed.count >= ChunkHeader.size {
            let payloadCRC = fixed[ChunkHeader.size...].withUnsafeBytes { Checksum.salted($0, salt: FuzzSample.salt) }
            for i in 0..<4 { fixed[40 + i] = UInt8(truncatingIfNeeded: payloadCRC >> (8 * i)) }
            let headerCRC = fixed[0..<44].withUnsafeBytes { Checksum.salted($0, salt: FuzzSample.salt) }
            for i in 0..<4 { fixed[44 + i] = UInt8(truncatingIfNeeded: headerCRC >> (8 * i)) }
            _ = try? ChunkCheck.check(fixed, at: position, salt: FuzzSample.salt, compressor: Compressor())
        }
    }
}
