import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// `psrec app add|enable|disable|set-retention|status|list`.
struct AppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Manage applications: whether their sessions are recorded and for how long recordings are kept.",
        subcommands: [Add.self, Enable.self, Disable.self, SetRetention.self, SetPolicy.self, Status.self, List.self])

    /// `--db` alone: application administration is for administrators.
    struct Database: ParsableArguments {
        @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
        var db: String
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an application (recording enabled unless --disabled).")
        @OptionGroup var options: Database
        @Argument(help: "The application's name, as capture tools write it in the metadata.") var name: String
        @Option(name: .customLong("protocol"), help: "The session protocol.") var sessionProtocol: RecordingMetadata.SessionProtocol = .ssh
        @Option(help: ArgumentHelp("Keep recordings this long: 90d, 12w, or none, the default (a bare number is refused).", valueName: "period"),
                transform: RetentionPeriod.parse) var retention: RetentionPeriod = .forever
        @Flag(help: "Do not record its sessions yet.") var disabled = false

        func run() throws {
            try reporting {
                try Catalog(path: options.db, create: true).addApplication(name, sessionProtocol: sessionProtocol, recordingEnabled: !disabled,
                                                                           retentionDays: retention.retentionDays, by: CatalogPrincipal.administrator)
                return ExitStatus.ok
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the application's sessions from the next connection on.")
        @OptionGroup var options: Database
        @Argument(help: "The application.") var name: String
        func run() throws {
            try reporting {
                try Catalog(path: options.db).setRecording(true, application: name, by: CatalogPrincipal.administrator)
                return ExitStatus.ok
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop recording the application's sessions (recordings already made are kept).")
        @OptionGroup var options: Database
        @Argument(help: "The application.") var name: String
        func run() throws {
            try reporting {
                try Catalog(path: options.db).setRecording(false, application: name, by: CatalogPrincipal.administrator)
                return ExitStatus.ok
            }
        }
    }

    struct SetRetention: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-retention", abstract: "Set how long the application's recordings are kept (prune deletes older ones).")
        @OptionGroup var options: Database
        @Argument(help: "The application.") var name: String
        @Argument(help: ArgumentHelp("90d, 12w, or none (a bare number is refused).", valueName: "period"), transform: RetentionPeriod.parse) var period: RetentionPeriod
        func run() throws {
            try reporting {
                try Catalog(path: options.db).setRetention(days: period.retentionDays, application: name, by: CatalogPrincipal.administrator)
                return ExitStatus.ok
            }
        }
    }

    struct SetPolicy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-policy",
            abstract: "Set what record --server does when the server cannot be reached: strict refuses the session, best-effort records it locally for upload.")
        @OptionGroup var options: Database
        @Argument(help: "The application.") var name: String
        @Argument(help: "strict or best-effort.") var policy: IngestPolicy
        func run() throws {
            try reporting {
                try Catalog(path: options.db).setIngestPolicy(policy, application: name, by: CatalogPrincipal.administrator)
                return ExitStatus.ok
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell whether the application's sessions are to be recorded.",
            discussion: """
            What a capture tool asks before a session. Prints `enabled` or `disabled` (or one \
            JSON object with --json). Exit status: 0 enabled, 1 disabled, 3 the application \
            or the catalog is unknown, 64 usage error.
            """)
        @OptionGroup var options: Database
        @Argument(help: "The application.") var name: String
        @Flag(help: "Print one JSON object.") var json = false
        func run() throws {
            try reporting {
                guard let app = try Catalog(path: options.db).application(name) else {
                    throw CommandFailure("The application \(TerminalSafe.escape(name)) is not in the catalog \(TerminalSafe.escape(options.db)).")
                }
                let out = OutputBuffer()
                out.append(json ? AppCommand.json(app) + "\n" : (app.recordingEnabled ? "enabled\n" : "disabled\n"))
                out.flush()
                return app.recordingEnabled ? ExitStatus.ok : 1
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applications with their recording switch, retention and rights.")
        @OptionGroup var options: Database
        @Flag(help: "Print one JSON object per application.") var json = false
        func run() throws {
            try reporting {
                let apps = try Catalog(path: options.db).applications()
                let out = OutputBuffer()
                if json {
                    for app in apps { out.append(AppCommand.json(app) + "\n") }
                } else if !apps.isEmpty {
                    var rows = [["APPLICATION", "PROTO", "RECORDING", "POLICY", "RETENTION", "MANAGERS", "AUDITORS"]]
                    for a in apps {
                        rows.append([TerminalSafe.escape(a.name), TerminalSafe.escape(a.sessionProtocol.rawValue), a.recordingEnabled ? "enabled" : "disabled", a.ingestPolicy.rawValue,
                                     a.retentionDays.map { "\($0) days" } ?? "forever",
                                     a.managers.isEmpty ? "-" : a.managers.map(TerminalSafe.escape).joined(separator: ","),
                                     a.auditors.isEmpty ? "-" : a.auditors.map(TerminalSafe.escape).joined(separator: ",")])
                    }
                    out.append(RecordingListing.aligned(rows))
                }
                out.flush()
                return ExitStatus.ok
            }
        }
    }

    static func json(_ a: Application) -> String {
        "{\"name\":\(JSONText.string(a.name)),\"protocol\":\(JSONText.string(a.sessionProtocol.rawValue)),\"recording_enabled\":\(a.recordingEnabled),"
            + "\"ingest_policy\":\"\(a.ingestPolicy.rawValue)\",\"retention_days\":\(a.retentionDays.map(String.init) ?? "null"),"
            + "\"managers\":[\(a.managers.map(JSONText.string).joined(separator: ","))],\"auditors\":[\(a.auditors.map(JSONText.string).joined(separator: ","))]}"
    }
}
