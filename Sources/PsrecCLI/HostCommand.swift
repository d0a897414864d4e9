import ArgumentParser
import PsrecCatalog

/// `psrec host add|list|revoke`: the capture hosts allowed to stream recordings to
/// `psrec serve`, each with its own token or TLS client certificate.
struct HostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Manage the capture hosts allowed to stream recordings into a catalog.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a capture host and print its token.",
            discussion: """
            Prints the token on stdout, once: the catalog keeps only its SHA-256, so it cannot \
            be shown again. A lost token is revoked and the host added under another name. With \
            --certificate the host has no token: it proves who it is with a TLS client \
            certificate whose subject common name is NAME, signed by the CA given to psrec \
            serve --client-ca, and nothing is printed on stdout. Exit status: 0 added, 3 the \
            catalog cannot be opened, 64 a name that is taken or not a host name (ASCII \
            letters, digits, '.', '-', '_').
            """)
        @OptionGroup var options: AppCommand.Database
        @Flag(help: "The host authenticates with a TLS client certificate naming it (psrec serve --client-ca), not a token.")
        var certificate = false
        @Argument(help: "The host's name.") var name: String
        func run() throws {
            try reporting {
                let catalog = try Catalog(path: options.db, create: true)
                if certificate {
                    try catalog.addCertificateHost(named: name, actor: CatalogPrincipal.administrator.auditName)
                    Console.error("Capture host \(TerminalSafe.escape(name)) is admitted by a client certificate whose subject common name is \(TerminalSafe.escape(name)), signed by the CA given to psrec serve --client-ca.")
                    return ExitStatus.ok
                }
                let token = try catalog.addHost(named: name, actor: CatalogPrincipal.administrator.auditName)
                let out = OutputBuffer()
                out.append(token + "\n")
                out.flush()
                Console.error("The token of capture host \(TerminalSafe.escape(name)) is shown only this once; keep it on that host.")
                return ExitStatus.ok
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the capture hosts, revoked ones included.",
            discussion: "AUTH says how each host proves who it is: token, or certificate (a TLS client certificate only).")
        @OptionGroup var options: AppCommand.Database
        func run() throws {
            try reporting {
                let hosts = try Catalog(path: options.db).hosts()
                let out = OutputBuffer()
                if !hosts.isEmpty {
                    var rows = [["HOST", "AUTH", "ADDED (UTC)", "REVOKED (UTC)"]]
                    for h in hosts {
                        rows.append([TerminalSafe.escape(h.name), h.authentication.rawValue, CatalogTime.iso(h.createdMicros), h.revokedMicros.map { CatalogTime.iso($0) } ?? "-"])
                    }
                    out.append(RecordingListing.aligned(rows))
                }
                out.flush()
                return ExitStatus.ok
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a capture host: its token or client certificate admits it no more.",
            discussion: """
            The host can no longer stream; what it streamed stays. Exit status: 0 revoked (or \
            already revoked), 3 no such host or the catalog cannot be opened, 64 usage error.
            """)
        @OptionGroup var options: AppCommand.Database
        @Argument(help: "The host's name.") var name: String
        func run() throws {
            try reporting {
                try Catalog(path: options.db).revokeHost(named: name, actor: CatalogPrincipal.administrator.auditName)
                return ExitStatus.ok
            }
        }
    }
}
