import ArgumentParser
import Foundation
import PsrecFormat
import SystemPackage

/// `psrec key generate|show`: the Ed25519 keys that seal recordings (format 1.2).
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Make and show the keys that seal recordings against tampering.",
        discussion: """
        A capture host seals what it records with its private key (psrec record --sign-key); \
        an auditor checks the seals with the public key alone (psrec verify --trust).
        """,
        subcommands: [Generate.self, Show.self])

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
