import Foundation
import HummingbirdBcrypt
import PsrecCatalog
import Testing

@Suite("Password hashes")
struct PasswordHashTests {
    @Test("the catalog's bcrypt cost is at least 12 and one hash takes a noticeable time (printed)")
    func cost() {
        #expect(Catalog.passwordHashCost >= 12)
        let start = Date()
        let hash = Bcrypt.hash("a long enough password", cost: Catalog.passwordHashCost)
        let seconds = Date().timeIntervalSince(start)
        print("bcrypt cost \(Catalog.passwordHashCost): \(Int(seconds * 1000)) ms for one hash")
        #expect(hash.hasPrefix("$2b$\(Catalog.passwordHashCost)$") && hash.count == 60 && !hash.contains("a long enough password"))
        #expect(Bcrypt.verify("a long enough password", hash: hash) && !Bcrypt.verify("a long enough passworD", hash: hash))
        #expect(seconds > 0.02, "a cost that makes hashing this fast protects nothing")
    }
}
