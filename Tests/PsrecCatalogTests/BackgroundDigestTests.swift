@testable import PsrecCatalog
import Testing

@Suite("Background digest")
struct BackgroundDigestTests {
    @Test("the digest of blocks is the SHA-256 of their concatenation, in order")
    func blocks() {
        let abc = BackgroundDigest()
        for block in ["a", "b", "c"] { abc.update(Array(block.utf8)) }
        #expect(abc.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(BackgroundDigest().finalize() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let blocks = (0..<200).map { i in (0..<(i * 37 % 1000)).map { UInt8(truncatingIfNeeded: $0 &* i) } }
        let piecewise = BackgroundDigest(maxBlocksInFlight: 1)
        for block in blocks { piecewise.update(block) }
        let whole = BackgroundDigest()
        whole.update(blocks.flatMap { $0 })
        #expect(piecewise.finalize() == whole.finalize())
    }
}
