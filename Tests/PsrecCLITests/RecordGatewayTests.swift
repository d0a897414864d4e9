import Foundation
import Testing
import PsrecTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The README's SSH gateway setup with a real unprivileged user (issue 11, first point): sshd's
/// `ForceCommand` starts `psrec record --run-as-sudo-user` through sudo, so psrec runs as root,
/// creates the recording in a root-only spool folder and runs the session as the user with the
/// user's own groups. The session then attacks its recording every way it can (read, list,
/// rename a forgery over it, delete, truncate, append, through the recorder's /proc fds and
/// through inherited descriptors), and each attack must fail while the same operations on a
/// file of its own succeed; the recording verified and imported is the real one.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RecordGatewayTests {
    static let user = "psrec-session"
    static let group = "psrec-sessgrp"
    static let canRun = LocalSSHServer.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo")
        && ExternalTool.has("useradd", "groupadd", "usermod", "pgrep", "visudo")

    /// Creates the test account (and a supplementary group for it) unless it exists.
    static func ensureAccount() throws {
        if getgrnam(group) == nil {
            let made = try ExternalTool.run("groupadd", [group])
            try #require(made.status == 0, "groupadd: \(made.stderr)")
        }
        if getpwnam(user) == nil {
            let made = try ExternalTool.run("useradd", ["-m", "-s", "/bin/bash", "-G", group, user])
            try #require(made.status == 0, "useradd: \(made.stderr)")
            // useradd leaves the password field "!", a locked account sshd refuses even for a
            // key login when PAM is off; "*" is "no password" without the lock. Only here: the
            // sudo test gives the account a password for a while, which must not be undone.
            let unlocked = try ExternalTool.run("usermod", ["-p", "*", user])
            try #require(unlocked.status == 0, "usermod: \(unlocked.stderr)")
        } else {
            try ExternalTool.run("usermod", ["-a", "-G", group, user])
        }
    }

    /// The session's script: prints who it is, waits for the test to tell it its recording's
    /// path (learnt by root; the session itself cannot list the spool), then attacks.
    static func attackScript(work: String, marker: String) -> String {
        """
        #!/bin/bash
        work=\(work)
        echo "\(marker)"
        echo "ID uid=$(id -u) gids=$(id -G)"
        echo "ENV PSREC_RECORDING=${PSREC_RECORDING-unset} PSREC_RECORDING_ID=${PSREC_RECORDING_ID-unset}"
        echo "FDS $(ls /proc/self/fd | sort -n | tr '\\n' ' ')"
        echo "TTY $(stat -c %U:%a "$(tty)")"
        for i in $(seq 1 600); do [ -s "$work/target" ] && break; sleep 0.1; done
        target=$(cat "$work/target")
        spool=$(dirname "$target")
        try() { local name=$1; shift; if "$@" >/dev/null 2>&1; then echo "ATTACK $name succeeded"; else echo "ATTACK $name refused"; fi; }
        own=$(mktemp -d)
        printf 'PSREC forged recording\\n' > "$own/forged.psrec"
        try list ls "$spool"
        try read cat "$target"
        try rename mv -f "$own/forged.psrec" "$target"
        try link ln -f "$target" "$own/hardlink"
        try delete rm "$target"
        try truncate truncate -s 0 "$target"
        try append sh -c "echo appended >> '$target'"
        try chmod chmod 0666 "$target"
        try spool-write sh -c "echo x > '$spool/planted.psrec'"
        procfd() { sh -c 'for f in /proc/'$1'/fd/*; do case $(readlink "$f") in *.psrec) cat "$f" >/dev/null && exit 0;; esac; done; exit 1'; }
        for pid in $(pgrep -x psrec); do
            try "recorder-fd-$pid" procfd "$pid"
            try "recorder-signal-$pid" kill -0 "$pid"
        done
        for pid in $(pgrep -x sudo); do try "sudo-fd-$pid" procfd "$pid"; done
        cp "$own/forged.psrec" "$own/control.psrec"
        try control-read cat "$own/control.psrec"
        try control-truncate truncate -s 0 "$own/control.psrec"
        try control-rename mv -f "$own/forged.psrec" "$own/control.psrec"
        try control-delete rm "$own/control.psrec"
        rm -rf "$own"
        echo "END"

        """
    }

    /// A person logs in through the gateway at a real terminal (tmux, `ssh -tt`): sudo's own
    /// pty, psrec's raw mode and the login shell as the user work together, and the typed
    /// commands are recorded with the user's name.
    @Test(.enabled(if: canRun && TmuxSession.isAvailable, "needs root, /usr/sbin/sshd, ssh, ssh-keygen, sudo, useradd, pgrep and tmux"))
    func anInteractiveGatewayLoginIsRecordedAsTheUser() throws {
        try Self.ensureAccount()
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spool = root.appendingPathComponent("spool").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let recordCommand = "\(CLI.binary.path) record --run-as-sudo-user --dir \(spool) --input"
        let sudoers = try Self.installSudoers(recordCommand)
        defer { unlink(sudoers) }
        let server = try LocalSSHServer(forceCommand: "/usr/bin/sudo -n \(recordCommand)")
        defer { server.stop() }
        chmod(server.dir.path, 0o755)

        let tmux = try TmuxSession(["ssh"] + server.sshArguments(["-tt"], user: Self.user))
        defer { tmux.close() }
        let prompt = try tmux.waitForScreen("the user's shell prompt") { $0.last?.hasSuffix("$") == true }
        try #require(prompt != nil, "sshd log:\n\(server.log)")
        try tmux.type("echo I am $(id -un)")
        try tmux.press("Enter")
        try tmux.waitFor("I am \(Self.user)")
        try tmux.type("exit")
        try tmux.press("Enter")
        #expect(tmux.waitForExit())

        let files = ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".psrec") }
        try #require(files.count == 1, "recordings: \(files)")
        let rec = spool + "/" + files[0]
        #expect(ExternalTool.waitUntil(timeout: .seconds(20)) { (try? CLI.run(["verify", "--quiet", rec]).status) == 0 })
        #expect(try RecordSSHTests.metadata(rec)["user"] as? String == Self.user)
        let commands = try RecordSSHTests.events(rec).filter { $0["type"] as? String == "command" }.compactMap { $0["text"] as? String }
        #expect(commands == ["echo I am $(id -un)", "exit"])
        #expect(try CLI.run(["cat", rec]).text.contains("I am \(Self.user)"))
    }

    /// Lets the test user run exactly `command` as root without a password, keeping the SSH
    /// variables, as the README's sudoers file does; returns the file to remove.
    static func installSudoers(_ command: String) throws -> String {
        let sudoers = "/etc/sudoers.d/psrec-test-\(UUID().uuidString.prefix(8))"
        let binary = String(command.prefix { $0 != " " })
        try """
            Defaults!\(binary) env_keep += "SSH_ORIGINAL_COMMAND SSH_CONNECTION SSH_CLIENT"
            \(user) ALL=(root) NOPASSWD: \(command)

            """.write(toFile: sudoers, atomically: false, encoding: .utf8)
        chmod(sudoers, 0o440)
        let checked = try ExternalTool.run("visudo", ["-c", "-f", sudoers])
        if checked.status != 0 {
            unlink(sudoers)
            throw ExternalTool.ToolError(message: "visudo rejects \(sudoers): \(checked.text)\(checked.stderr)")
        }
        return sudoers
    }

    @Test(.enabled(if: canRun, "needs root, /usr/sbin/sshd, ssh, ssh-keygen, sudo, useradd and pgrep"))
    func theRecordedUserCannotReachTheirRecording() throws {
        try Self.ensureAccount()
        let account = try #require(getpwnam(Self.user)).pointee
        let supplementary = try #require(getgrnam(Self.group)).pointee.gr_gid

        // Root's side: spool and catalog folders only root can enter, as the README says.
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spool = root.appendingPathComponent("spool").path, state = root.appendingPathComponent("lib").path
        for dir in [spool, state] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700]) }
        let db = state + "/catalog.db"
        let added = try CLI.run(["app", "add", "--db", db, "ssh-gw"])
        try #require(added.status == 0, "app add: \(added.text)\(added.stderr)")
        // The session's side: a folder it can read, where the test leaves the script and the path.
        let work = "/tmp/psrec-gw-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: work) }
        let marker = "genuine-session-\(UUID().uuidString.prefix(8))"
        try Self.attackScript(work: work, marker: marker).write(toFile: work + "/attack.sh", atomically: true, encoding: .utf8)
        chmod(work + "/attack.sh", 0o755)

        let recordCommand = "\(CLI.binary.path) record --run-as-sudo-user --dir \(spool) --db \(db) --app ssh-gw --input"
        let sudoers = try Self.installSudoers(recordCommand)
        defer { unlink(sudoers) }
        let server = try LocalSSHServer(forceCommand: "/usr/bin/sudo -n \(recordCommand)")
        defer { server.stop() }
        // sshd reads authorized_keys as the user.
        chmod(server.dir.path, 0o755)

        let outPath = work + "/ssh.out"
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600), null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let ssh = try ChildProcess("ssh", server.sshArguments(user: Self.user) + ["\(work)/attack.sh"], stdin: null, stdout: out, stderr: out)
        close(out)
        close(null)
        // Root finds the recording and tells the session where it is, as if it had guessed.
        var files: [String] = []
        let appeared = ExternalTool.waitUntil(timeout: .seconds(60)) {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".psrec") }
            return !files.isEmpty || !ssh.isRunning
        }
        let log = { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        try #require(appeared && files.count == 1, "no recording in the spool; ssh said:\n\(log())\nsshd log:\n\(server.log)")
        let rec = spool + "/" + files[0]
        try rec.write(toFile: work + "/target.tmp", atomically: false, encoding: .utf8)
        rename(work + "/target.tmp", work + "/target")
        chmod(work + "/target", 0o644)
        let status = ssh.wait(timeout: .seconds(120))
        // The session's output came through its pty: lines end in CR LF.
        let said = log().replacingOccurrences(of: "\r\n", with: "\n")
        #expect(status == 0, "ssh: \(said)\nsshd log:\n\(server.log)")
        #expect(said.contains("END"), "the attack script did not finish:\n\(said)")

        // Who the session is: the user with the user's groups, never root's.
        let idLine = said.split(separator: "\n").first { $0.hasPrefix("ID ") }.map(String.init) ?? ""
        #expect(idLine.hasPrefix("ID uid=\(account.pw_uid) "), "\(idLine)")
        let gids = Set(idLine.split(separator: "=").last?.split(separator: " ").compactMap { UInt32($0) } ?? [])
        #expect(gids == [account.pw_gid, supplementary], "\(idLine)")
        // Nothing that leads to the file, and no descriptor beyond 0, 1, 2 (and ls's own 3).
        #expect(said.contains("ENV PSREC_RECORDING=unset PSREC_RECORDING_ID="), "\(said)")
        #expect(!said.contains("PSREC_RECORDING_ID=unset"))
        #expect(said.contains("FDS 0 1 2 3 \n"), "\(said)")
        // Its terminal is its own, as under sshd.
        #expect(said.contains("TTY \(Self.user):620\n"), "\(said)")
        let attacks = said.split(separator: "\n").filter { $0.hasPrefix("ATTACK ") }
        let real = attacks.filter { !$0.hasPrefix("ATTACK control-") }, control = attacks.filter { $0.hasPrefix("ATTACK control-") }
        #expect(real.count >= 11 && real.contains { $0.hasPrefix("ATTACK recorder-fd-") }, "\(said)")
        #expect(real.allSatisfy { $0.hasSuffix(" refused") }, "an attack on the recording succeeded:\n\(said)")
        // The attacks are real: the same operations work on the session's own file.
        #expect(control.count == 4 && control.allSatisfy { $0.hasSuffix(" succeeded") }, "\(said)")

        // The recording is the real one, complete, and it is what the catalog holds.
        #expect(ExternalTool.waitUntil(timeout: .seconds(20)) { (try? CLI.run(["verify", "--quiet", rec]).status) == 0 })
        #expect(try CLI.run(["cat", rec]).text.contains(marker))
        let metadata = try RecordSSHTests.metadata(rec)
        #expect(metadata["user"] as? String == Self.user)
        let id = try #require(metadata["recording_id"] as? String)
        #expect(said.contains("PSREC_RECORDING_ID=\(id.lowercased())"), "\(said)")
        let stored = try CLI.run(["cat", "--db", db, id])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout == (try CLI.run(["cat", rec]).stdout))
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).contains("planted.psrec"))
    }

    @Test(.enabled(if: getuid() == 0 && ExternalTool.has("useradd", "groupadd", "usermod", "setpriv"), "needs root, useradd, groupadd, usermod and setpriv"))
    func anotherAccountNeedsRootAndSudoUserNeedsSudo() throws {
        try Self.ensureAccount()
        // Started by the user itself, psrec cannot run anyone's session: it says so and stops.
        let asUser = try ExternalTool.run("setpriv", ["--reuid=\(Self.user)", "--regid=\(Self.user)", "--init-groups",
                                                      CLI.binary.path, "record", "--run-as-sudo-user", "--", "true"])
        #expect(asUser.status == 3)
        #expect(asUser.stderr.contains("need psrec record to run as root"), "\(asUser.stderr)")
        // Root without sudo has no invoking user to become.
        var environment = ProcessInfo.processInfo.environment
        environment["SUDO_UID"] = nil
        let noSudo = try ExternalTool.run(CLI.binary.path, ["record", "--run-as-sudo-user", "--", "true"], environment: environment)
        #expect(noSudo.status == 3)
        #expect(noSudo.stderr.contains("SUDO_UID is not set; --run-as-sudo-user needs psrec started through sudo"), "\(noSudo.stderr)")
        // An application the catalog does not record runs as the user too, never as root.
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let db = root.appendingPathComponent("catalog.db").path
        #expect(try CLI.run(["app", "add", "--db", db, "--disabled", "off-app"]).status == 0)
        var sudoLike = ProcessInfo.processInfo.environment
        sudoLike["SUDO_UID"] = "0"
        sudoLike["USER"] = "root"
        let notRecorded = try ExternalTool.run(CLI.binary.path, ["record", "--run-as", Self.user, "--db", db, "--app", "off-app", "--dir", root.path, "--",
                                                                 "sh", "-c", "echo $(id -u) $USER $HOME ${SUDO_UID-none}"], environment: sudoLike)
        #expect(notRecorded.status == 0, "\(notRecorded.stderr)")
        let account = try #require(getpwnam(Self.user)).pointee
        #expect(notRecorded.text == "\(account.pw_uid) \(Self.user) \(String(cString: account.pw_dir)) none\n")
        let unknown = try CLI.run(["record", "--run-as", "no-such-user-psrec", "--", "true"])
        #expect(unknown.status == 3 && unknown.stderr.contains("There is no account no-such-user-psrec"), "\(unknown.stderr)")
    }

    /// Without the gateway setup the session owns its file; psrec still never imports a file
    /// put in its place (the issue's `mv forged.psrec "$PSREC_RECORDING"`, with a complete,
    /// valid forgery).
    @Test func aRecordingReplacedDuringTheSessionIsNotImported() throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let db = root.appendingPathComponent("catalog.db").path, rec = root.appendingPathComponent("r.psrec").path
        let forged = root.appendingPathComponent("forged.psrec").path
        #expect(try CLI.run(["app", "add", "--db", db, "app"]).status == 0)
        #expect(try CLI.run(["record", "-o", forged, "--", "echo", "an innocent session"]).status == 0)
        #expect(try CLI.run(["verify", "--quiet", forged]).status == 0)
        let run = try CLI.run(["record", "--db", db, "--app", "app", "-o", rec, "--", "sh", "-c",
                               "echo what really happened; mv -f \(forged) \"$PSREC_RECORDING\"; exit 7"])
        #expect(run.status == 7, "the session's own exit status passes through")
        #expect(run.stderr.contains("The recording \(rec) is not the file psrec wrote"), "\(run.stderr)")
        let listed = try CLI.run(["search", "--db", db, "--json"])
        #expect(listed.status == 0 && !listed.text.contains("\"recording_id\""), "imported: \(listed.text)")
        // The same session without the swap is imported.
        let honest = try CLI.run(["record", "--db", db, "--app", "app", "-o", rec + ".2", "--", "sh", "-c", "echo honest"])
        #expect(honest.status == 0 && honest.stderr.isEmpty, "\(honest.stderr)")
        #expect(try CLI.run(["search", "--db", db, "--json"]).text.contains("\"recording_id\""))
    }

    @Test(.enabled(if: getuid() == 0 && ExternalTool.has("useradd", "groupadd", "usermod"), "needs root, useradd, groupadd and usermod"))
    func aSpoolTheSessionCanEnterIsRefused() throws {
        try Self.ensureAccount()
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        for (name, mode) in [("open", 0o755), ("group", 0o770)] {
            let spool = root.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: false, attributes: [.posixPermissions: mode])
            if name == "group" { chown(spool, 0, try #require(getgrnam(Self.group)).pointee.gr_gid) }
            let run = try CLI.run(["record", "--run-as", Self.user, "--dir", spool, "--", "true"])
            #expect(run.status == 3, "\(name): \(run.stderr)")
            #expect(run.stderr.contains("The folder \(spool)") && run.stderr.contains(Self.user), "\(run.stderr)")
            #expect((try FileManager.default.contentsOfDirectory(atPath: spool)).isEmpty)
        }
        // A root-only folder is accepted, and the session runs as the user.
        let safe = root.appendingPathComponent("safe").path
        try FileManager.default.createDirectory(atPath: safe, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let run = try CLI.run(["record", "--run-as", Self.user, "-o", safe + "/r.psrec", "--", "id", "-un"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CLI.run(["cat", safe + "/r.psrec"]).text.contains(Self.user))
    }
}
