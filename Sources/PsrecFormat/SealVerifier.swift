/// Checks the hash chain and the SEAL chunks of a file (`Spec/format.md#seals`), in one pass
/// over its chunks in file order, and says what holds in a `SealReport`.
///
/// It walks the chunks by their headers from offset 32 and stops at the trailer, at the end
/// of the file, or at a chunk header that fails its checks (damage breaks the chain there;
/// `Validator` reports the damage itself). Memory: one chunk and the marks since the last seal.
public enum SealVerifier {
    /// Verifies the seals of `source`.
    /// - Parameter trusted: the keys to trust; nil checks the seals against the key the file
    ///   names and reports them unverified.
    /// - Returns: the report; an unreadable file gives an `unsealed` report with nothing found
    ///   (the verdict says why it cannot be read).
    public static func verify(_ source: any ByteSource, trusted: Set<SealPublicKey>? = nil) -> SealReport {
        var walk = Walk(trusted: trusted)
        walk.run(source)
        return walk.report()
    }

    /// Verifies the seals of the file at `path`.
    public static func verify(path: String, trusted: Set<SealPublicKey>? = nil) -> SealReport {
        guard let source = try? FileSource(path: path) else { return Walk(trusted: trusted).report() }
        return verify(source, trusted: trusted)
    }

    private struct Walk {
        let trusted: Set<SealPublicKey>?
        var metadata: RecordingMetadata?
        var seals = 0, validSeals = 0
        var sealedMicros: Int64?
        var sealedSequence: UInt32?
        var previousSealSequence: UInt32?
        var eventsEnd: Int64 = 0
        var eventChunksSinceSeal = 0
        var problem: (SealReport.Status, Verdict.Problem)?
        var trustedKey: SealPublicKey?
        var damagedAt: Int64?

        init(trusted: Set<SealPublicKey>?) { self.trusted = trusted }

        mutating func run(_ source: any ByteSource) {
            guard source.size >= Int64(FileHeader.size), let headerBytes = try? source.read(at: 0, count: FileHeader.size),
                  let fileHeader = try? headerBytes.withBytes({ (raw) throws(FormatError) in try FileHeader.decode(raw) }) else { return }
            var chain = SealChain(fileHeader: headerBytes)
            let compressor = Compressor()
            var offset = Int64(FileHeader.size)
            while source.size - offset >= Int64(ChunkHeader.size) {
                guard let head = try? source.read(at: offset, count: ChunkHeader.size) else { break }
                if head.starts(with: Array("PSREC-END idx=".utf8)) { break }
                guard let header = try? head.withBytes({ (raw) throws(FormatError) in try ChunkHeader.decode(raw, salt: fileHeader.salt, offset: offset) }) else {
                    damagedAt = offset
                    break
                }
                let end = header.end(at: offset)
                guard end <= source.size, let bytes = try? source.read(at: offset, count: ChunkHeader.size + header.storedLength) else { break }
                switch header.type {
                case .metadata where offset == Int64(FileHeader.size):
                    metadata = try? ChunkCheck.checkContent(bytes, offset: offset, minorVersion: fileHeader.minor, salt: fileHeader.salt, compressor: compressor).metadata
                case .events:
                    eventsEnd = max(eventsEnd, header.endMicros)
                    eventChunksSinceSeal += 1
                case .seal:
                    checkSeal(header, bytes, at: offset, salt: fileHeader.salt, chain: chain)
                default:
                    break
                }
                bytes.withUnsafeBytes { chain.add(chunk: $0, isSeal: header.type == .seal) }
                offset = end
            }
        }

        mutating func fail(_ status: SealReport.Status, _ message: String, at offset: Int64?, _ sequence: UInt32) {
            guard problem == nil else { return }
            problem = (status, Verdict.Problem(kind: status.rawValue, message: message, offset: offset, sequence: sequence))
        }

        mutating func checkSeal(_ header: ChunkHeader, _ bytes: [UInt8], at offset: Int64, salt: UInt64, chain: SealChain) {
            seals += 1
            let previous = previousSealSequence
            previousSealSequence = header.sequence
            guard problem == nil else { return }
            let place = "the seal at \(SealReport.clock(header.startMicros)) (chunk \(header.sequence))"
            let stored = Array(bytes[ChunkHeader.size...])
            let crc = stored.withUnsafeBytes { Checksum.salted($0, salt: salt) }
            guard crc == header.payloadCRC, header.codec == .none else {
                return fail(.malformed, "\(place) cannot be read: its payload fails its checksum or is compressed", at: offset, header.sequence)
            }
            let seal: SealPayload
            do {
                seal = try SealPayload.decode(stored, offset: offset)
            } catch {
                return fail(.malformed, "\(place) cannot be read: \(error.message)", at: offset, header.sequence)
            }
            guard let metadata else {
                return fail(.malformed, "\(place) cannot be checked: the recording's metadata cannot be read", at: offset, header.sequence)
            }
            let fingerprint = SealPublicKey.fingerprint(of: seal.publicKey)
            guard fingerprint == metadata.sealKeyFingerprint else {
                let named = metadata.sealKeyFingerprint.map { "the recording's key \(SealPublicKey.short($0))" } ?? "no key in the recording's metadata"
                return fail(.foreignKey, "\(place) was made with key \(SealPublicKey.short(fingerprint)), not \(named)", at: offset, header.sequence)
            }
            let key = SealPublicKey(id: metadata.sealKeyID ?? "?", raw: seal.publicKey)
            let message = SealPayload.message(recordingID: metadata.recordingID, sequence: header.sequence, timeMicros: header.startMicros, chain: seal.chain)
            // A genuine seal renumbered because chunks before it were removed or added holds
            // for the sequence its marks imply: that is an alteration, found by the marks.
            let first = previous.map { $0 &+ 1 } ?? 0
            let (implied, overflow) = first.addingReportingOverflow(UInt32(clamping: seal.markCount))
            let renumbered = implied != header.sequence && !overflow && key.isValidSignature(seal.signature, for:
                SealPayload.message(recordingID: metadata.recordingID, sequence: implied, timeMicros: header.startMicros, chain: seal.chain))
            guard renumbered || key.isValidSignature(seal.signature, for: message) else {
                return fail(.misplaced, "\(place) does not belong here: its signature does not hold for this recording at this position (copied from another recording or position, or forged)", at: offset, header.sequence)
            }
            guard seal.chain == chain.value, !renumbered else {
                let computed = chain.marks
                let found = computed.count / 4
                if let i = (0..<min(found, seal.markCount)).first(where: { seal.mark($0) != computed[($0 * 4)..<($0 * 4 + 4)] }) {
                    // The problem names the chunk that changed, not the seal.
                    return fail(.altered, "altered: chunk \(first &+ UInt32(i)) changed after \(place)", at: nil, first &+ UInt32(i))
                }
                return fail(.altered, "altered: chunks were added or removed before \(place): it covers \(seal.markCount) chunks since the previous seal, the file holds \(found)", at: offset, header.sequence)
            }
            if let trusted {
                guard let match = trusted.first(where: { $0 == key }) else {
                    return fail(.untrusted, "sealed by an untrusted key: \(key.id) (key \(key.shortFingerprint)) is not among the trusted keys", at: offset, header.sequence)
                }
                trustedKey = match
            }
            validSeals += 1
            sealedMicros = header.startMicros
            sealedSequence = header.sequence
            eventChunksSinceSeal = 0
        }

        func report() -> SealReport {
            var status: SealReport.Status
            var problem = self.problem
            if let (failure, _) = problem {
                status = failure
            } else if seals == 0 {
                status = metadata?.sealKeyFingerprint == nil ? .unsealed : .notSealed
                if status == .notSealed {
                    problem = (.notSealed, Verdict.Problem(kind: "notSealed", message: "not sealed: the metadata names the key \(metadata?.sealKeyID ?? "?") but the file holds no seal", offset: nil, sequence: nil))
                }
            } else {
                status = trusted == nil ? .unverified : .sealed
            }
            if let damagedAt, seals > 0 || metadata?.sealKeyFingerprint != nil, problem == nil {
                problem = (status, Verdict.Problem(kind: "chainBroken", message: "the chain is broken by damage at byte \(damagedAt): nothing after it can be shown to be sealed", offset: damagedAt, sequence: nil))
            }
            return SealReport(status: status, keyID: metadata?.sealKeyID, keyFingerprint: metadata?.sealKeyFingerprint,
                              trustedKey: trustedKey, seals: seals, validSeals: validSeals, sealedMicros: sealedMicros,
                              sealedSequence: sealedSequence, eventsEndMicros: eventsEnd, unsealedEventChunks: eventChunksSinceSeal,
                              problem: problem?.1)
        }
    }
}
