import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat
import SystemPackage

/// `psrec key generate|show|trust|trusted|distrust`: the Ed25519 keys that seal recordings
/// (format 1.2), and those a catalog trusts.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make and show the keys that seal recordings against tampering.",
        discussion: """
        A capture host seals what it records with its private key (psrec record --sign-key); \
        an auditor checks the seals with the public key alone (psrec verify --trust). A \
        catalog checks every recording's seals as it stores it; those made with a key it \
        trusts (psrec key trust) are sealed, others untrusted (psrec search --seal).
        """,
        subcommands: [Generate.self, Show.self, Trust.self, Trusted.self, Distrust.self])

    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust public keys for the seals of a catalog's recordings.",
            discussion: """
            Each KEY is a public key file (FILE.pub of psrec key generate) or a directory of \
            them. Recordings whose seals hold with a trusted key are sealed from then on, \
            those stored before included; each key trusted is in the audit log. Exit status: \
            0 trusted, 3 not a key file or the catalog cannot be written, 64 usage error.
            """)
        @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
        var db: String
        @Argument(help: ArgumentHelp("Public key files, or directories of *.pub files.", valueName: "key")) var keys: [String]

        func validate() throws {
            if keys.isEmpty { throw ValidationError("Give at least one public key file or directory.") }
        }

        func run() throws {
            try reporting {
                let store = try SealKeyFiles.trustStore(keys)
                let catalog = try Catalog(path: db)
                for key in store.sorted(by: { ($0.id, $0.fingerprint) < ($1.id, $1.fingerprint) }) {
                    let added = try catalog.trustKey(key, by: CatalogPrincipal.administrator)
                    Console.error("\(added ? "Trusted" : "Already trusted:") \(TerminalSafe.escape(key.id)) (key \(key.shortFingerprint)).")
                }
                return ExitStatus.ok
            }
        }
    }

    struct Trusted: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys a catalog trusts for seals.",
            discussion: "One line per key: its name, its fingerprint, when and by whom it was trusted. Exit status: 0, 3 the catalog cannot be read.")
        @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
        var db: String

        func run() throws {
            try reporting {
                let out = OutputBuffer()
                for key in try Catalog(path: db).trustedKeys() {
                    out.append("\(TerminalSafe.escape(key.keyID)) sha256:\(TerminalSafe.escape(key.fingerprint)) trusted \(CatalogTime.iso(key.addedMicros)) by \(TerminalSafe.escape(key.addedBy))\n")
                }
                out.flush()
                return ExitStatus.ok
            }
        }
    }

    struct Distrust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop trusting a key for a catalog's seals.",
            discussion: """
            FINGERPRINT is the key's (sha256: and at least its first 16 hex digits, as psrec key \
            show and psrec key trusted print it). Its recordings are untrusted from then on. \
            Recorded in the audit log. Exit status: 0, 3 no such trusted key or the catalog \
            cannot be written, 64 usage error.
            """)
        @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
        var db: String
        @Argument(help: "The key's fingerprint.") var fingerprint: String

        func run() throws {
            try reporting {
                try Catalog(path: db).distrustKey(fingerprint: fingerprint, by: CatalogPrincipal.administrator)
                Console.error("No longer trusted: \(TerminalSafe.escape(fingerprint)).")
                return ExitStatus.ok
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new sealing key: FILE (private, mode 0600) and FILE.pub (public).",
            discussion: """
            Neither file may exist: a key is never overwritten, and a symbolic link is refused. \
            Keep FILE on the capture host, readable by the recorder alone; give FILE.pub to \
            whoever verifies. Exit status: 0 created, 3 a file exists or cannot be written, \
            64 usage error.
            """)
        @Option(help: ArgumentHelp("The key's name, written into each sealed recording (default: this host's name).", valueName: "name"))
        var id: String?
        @Argument(help: "The private key file to create.") var file: String

        func run() throws {
            try reporting {
                let name = id ?? ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "psrec"
                guard let key = try? SealingKey.generate(id: name) else {
                    throw CommandFailure("--id \(TerminalSafe.escape(name)) is not a key name: give 1 to 64 letters, digits and . _ - @ :", status: ExitStatus.usage)
                }
                try SealKeyFiles.create(file, text: key.fileText, mode: [.ownerReadWrite])
                do {
                    try SealKeyFiles.create(file + ".pub", text: key.publicKey.fileText, mode: [.ownerReadWrite, .groupRead, .otherRead])
                } catch {
                    unlink(file)
                    throw error
                }
                Console.error("Created \(TerminalSafe.escape(file)) (private, mode 0600) and \(TerminalSafe.escape(file)).pub: key \(key.publicKey).")
                return ExitStatus.ok
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a key file's name and fingerprint, or with --public its public key file.",
            discussion: "FILE is a private or a public key file. Exit status: 0 shown, 3 not a key file, 64 usage error.")
        @Flag(help: "Print the public key file's line, to make FILE.pub again from a private key.")
        var `public` = false
        @Argument(help: "The key file.") var file: String

        func run() throws {
            try reporting {
                let key = try SealKeyFiles.publicKey(file)
                let out = OutputBuffer()
                out.append(`public` ? key.fileText : "\(key.id) sha256:\(key.fingerprint)\n")
                out.flush()
                return ExitStatus.ok
            }
        }
    }
}
