import Crypto

/// The running SHA-256 hash chain over a file's chunks (`Spec/format.md#seals`):
/// `chain_start = SHA-256("psrec chain 1" 00 || file header)`, then
/// `chain_k = SHA-256(chain_(k−1) || chunk k as stored)`, with the 4-byte marks of the chunks
/// since the last seal. Costs one SHA-256 pass over the bytes written.
struct SealChain {
    /// The chain value after the last chunk added.
    private(set) var value: [UInt8]
    /// Marks of the chunks added since the last SEAL chunk.
    private(set) var marks: [UInt8] = []

    /// Starts the chain from the 32 bytes of the file header.
    init(fileHeader: some Collection<UInt8>) {
        var hasher = SHA256()
        hasher.update(data: Array("psrec chain 1".utf8) + [0])
        hasher.update(data: Array(fileHeader))
        value = Array(hasher.finalize())
    }

    /// Adds one chunk, header and stored payload; a SEAL chunk starts a new run of marks.
    mutating func add(chunk: UnsafeRawBufferPointer, isSeal: Bool) {
        var hasher = SHA256()
        hasher.update(data: value)
        hasher.update(bufferPointer: chunk)
        value = Array(hasher.finalize())
        if isSeal {
            marks.removeAll(keepingCapacity: true)
        } else {
            marks.append(contentsOf: value[0..<4])
        }
    }

    /// Chunks added since the last SEAL chunk.
    var unsealedChunks: Int { marks.count / 4 }
}
