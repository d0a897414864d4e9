import Foundation
import PsrecFormat
import PsrecScreen
import Testing
#if canImport(Glibc)
import Glibc
import PsrecTestSupport
#endif

/// A real RDP session on loopback (/work/shared/recipes/rdp-loopback.md): xrdp and its session
/// manager on 127.0.0.1, FreeRDP's xfreerdp drawing on Xvfb :99. `psrec record-screen` records
/// :99 while xdotool clicks and types inside the RDP window, as a user would.
///
/// Fixed resources (display :99, ports 3389 and 3350, the session display :10): the suite is
/// serialized and skips when any of them is taken, or when xrdp, xfreerdp, Xvfb, xdotool, xwd
/// or ImageMagick is missing, or when not run as root (it creates the test user).
@Suite(.serialized) struct RecordScreenRDPTests {
    static let tools = ["/usr/sbin/xrdp", "/usr/sbin/xrdp-sesman", "/usr/bin/xfreerdp", "/usr/bin/Xvfb", "/usr/bin/xdotool", "/usr/bin/xwd"]

    static var missing: String? {
        if getuid() != 0 { return "not root" }
        for tool in tools where !FileManager.default.isExecutableFile(atPath: tool) { return "\(tool) missing" }
        if Shell.which("convert") == nil { return "ImageMagick's convert missing" }
        if FileManager.default.fileExists(atPath: "/tmp/.X99-lock") || FileManager.default.fileExists(atPath: "/tmp/.X10-lock") { return "display :99 or :10 in use" }
        if Shell.output("/bin/sh", "-c", "ss -ltn | grep -E '127.0.0.1:(3389|3350)|:3389 |:3350 '").contains(":33") { return "port 3389 or 3350 in use" }
        return nil
    }

    @Test(.enabled(if: missing == nil, "needs xrdp, xfreerdp, Xvfb, xdotool, xwd, convert, root and free :99/:10/3389/3350"))
    func recordsARealRDPSession() throws {
        let dir = CLI.tempDir()
        let session = try RDPSession(dir: dir)
        defer { session.stop() }

        let file = dir.appendingPathComponent("rdp.psrec").path
        let recorder = try Background(CLI.binary.path, ["record-screen", "--display", ":99", "-o", file, "--fps", "10", "--app", "rdp-test"], dir: dir)
        defer { recorder.stop() }
        try session.connect()
        let window = try session.clientWindow()
        let xdo = { (args: [String]) in Shell.run("/usr/bin/xdotool", args, env: ["DISPLAY": ":99"]) }

        // Two clicks inside the remote xterm, a command, a copy of the live file, a second command.
        let clicks = [(window.x + 120, window.y + 60), (window.x + 200, window.y + 90)]
        for (x, y) in clicks {
            xdo(["search", "--class", "xfreerdp", "windowfocus", "mousemove", "\(x)", "\(y)", "click", "1"])
            usleep(300_000)
        }
        xdo(["type", "--delay", "60", "echo psrec-one"])
        xdo(["key", "Return"])
        usleep(1_500_000)
        let mid = dir.appendingPathComponent("mid.psrec").path
        try FileManager.default.copyItem(atPath: file, toPath: mid)
        xdo(["type", "--delay", "60", "ls /"])
        xdo(["key", "Return"])
        usleep(2_500_000)

        // The screenshot and the recording's last frame are taken at the same moment.
        let shot = dir.appendingPathComponent("shot.png").path
        Shell.run("/bin/sh", ["-c", "xwd -root -display :99 | convert xwd:- '\(shot)'"])
        recorder.interrupt()
        #expect(recorder.wait() == 0, "record-screen: \(recorder.stderr)")

        let verify = try CLI.run(["verify", file])
        #expect(verify.status == 0, "\(verify.text)\(verify.stderr)")
        let reader = try RecordingReader(path: file)
        #expect(reader.metadata?.sessionProtocol == .rdp)
        #expect(reader.metadata?.screen == .init(width: 1280, height: 900))
        let clickIndicators = reader.indicators.filter { $0.kind == .click }
        #expect(clickIndicators.map(\.detail) == clicks.map { "\($0.0),\($0.1),1" })
        let commands = reader.indicators.filter { $0.kind == .command }
        #expect(commands.count == 2, "one command per Enter: \(commands.map(\.detail))")
        #expect(commands.allSatisfy { $0.detail.isEmpty }, "no typed text without --input")
        #expect(reader.events().filter { $0.event.type == .key }.isEmpty)

        // The last frame against the screenshot, in the RDP window.
        let rendered = dir.appendingPathComponent("end.png").path
        let render = try CLI.run(["render", file, "--at", "end", "-o", rendered])
        #expect(render.status == 0, "\(render.stderr)")
        let a = try PNGFile.read(rendered), b = try PNGFile.read(shot)
        #expect(a.width == b.width && a.height == b.height)
        var differing = 0, total = 0
        for y in max(0, window.y)..<min(a.height, window.y + window.height) {
            for x in max(0, window.x)..<min(a.width, window.x + window.width) {
                total += 1
                let p = a.pixel(x: x, y: y), q = b.pixel(x: x, y: y)
                if max(abs(Int(p.r) - Int(q.r)), abs(Int(p.g) - Int(q.g)), abs(Int(p.b) - Int(q.b))) > 8 { differing += 1 }
            }
        }
        // Bound: at most 0.5% of the window's pixels differ by more than 8 levels (a cursor
        // blink or a repaint between the two grabs); normally none do.
        #expect(total > 0 && differing * 200 <= total, "\(differing) of \(total) pixels differ")

        // The copy taken mid-way is a valid truncated recording that renders.
        let midVerify = try CLI.run(["verify", mid])
        #expect(midVerify.status == 1, "\(midVerify.text)")
        let midPNG = dir.appendingPathComponent("mid.png").path
        let midRender = try CLI.run(["render", mid, "--at", "end", "-o", midPNG])
        #expect(midRender.status == 1)
        #expect(try PNGFile.read(midPNG).width == 1280)
        let midReader = try RecordingReader(path: mid)
        #expect(midReader.indicators.filter { $0.kind == .click }.count == 2)
    }
}

/// Xvfb :99, xrdp-sesman and xrdp on loopback, and the xfreerdp client: started in order,
/// stopped by process id in reverse order (with the session processes sesman started).
final class RDPSession {
    let dir: URL
    private var started: [Background] = []

    init(dir: URL) throws {
        self.dir = dir
        // One-time machine setup from the recipe; each step is idempotent.
        Shell.run("/bin/sh", ["-c", """
            id rdptest >/dev/null 2>&1 || useradd -m -s /bin/bash rdptest
            echo 'rdptest:rdpPass123' | chpasswd
            id -nG xrdp | grep -qw ssl-cert || usermod -aG ssl-cert xrdp
            printf '#!/bin/sh\\nexec xterm -geometry 80x24+10+10\\n' > ~rdptest/startwm.sh; chmod 755 ~rdptest/startwm.sh
            sh /usr/share/xrdp/socksetup
            """])
        let ini = dir.appendingPathComponent("xrdp-loopback.ini").path
        Shell.run("/bin/sh", ["-c", "sed 's/^port=3389$/port=tcp:\\/\\/.:3389/' /etc/xrdp/xrdp.ini > '\(ini)'"])
        started.append(try Background("/usr/bin/Xvfb", [":99", "-screen", "0", "1280x900x24", "-nolisten", "tcp", "-noreset"], dir: dir))
        try Self.waitFor("Xvfb :99") { FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X99") }
        started.append(try Background("/usr/sbin/xrdp-sesman", ["--nodaemon"], dir: dir))
        started.append(try Background("/usr/sbin/runuser", ["-u", "xrdp", "--", "/usr/sbin/xrdp", "--nodaemon", "-c", ini], dir: dir))
        try Self.waitFor("xrdp on 127.0.0.1:3389") { Shell.output("/bin/sh", "-c", "ss -ltn").contains("127.0.0.1:3389") }
    }

    /// Starts xfreerdp and waits until the remote desktop (the xterm) is drawn.
    func connect() throws {
        started.append(try Background("/usr/bin/xfreerdp", ["/v:127.0.0.1:3389", "/u:rdptest", "/p:rdpPass123", "/cert:ignore", "/size:1024x768", "/bpp:24"],
                                      dir: dir, env: ["DISPLAY": ":99"]))
        try Self.waitFor("the xfreerdp window", seconds: 20) { (try? self.clientWindow()) != nil }
        // The session's X server and xterm start once the client has logged in.
        usleep(4_000_000)
    }

    /// Geometry of the xfreerdp window on :99.
    func clientWindow() throws -> (x: Int, y: Int, width: Int, height: Int) {
        let out = Shell.output("/bin/sh", "-c", "DISPLAY=:99 xdotool search --class xfreerdp getwindowgeometry --shell %@ 2>/dev/null")
        var best: (x: Int, y: Int, width: Int, height: Int)?
        var fields: [String: Int] = [:]
        for line in out.split(separator: "\n").map(String.init) + ["WINDOW=0"] {
            let kv = line.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            if kv[0] == "WINDOW", let x = fields["X"], let y = fields["Y"], let w = fields["WIDTH"], let h = fields["HEIGHT"], w * h > (best.map { $0.width * $0.height } ?? 0) {
                best = (x, y, w, h)
            }
            if kv[0] == "WINDOW" { fields = [:] }
            fields[String(kv[0])] = Int(kv[1])
        }
        guard let best, best.width >= 1000 else { throw ScreenTestFailure("no xfreerdp window on :99") }
        return best
    }

    func stop() {
        // The session's processes (its X server, xterm, chansrv) are sesman's descendants, and
        // xrdp is runuser's child: each is stopped by its process id.
        let descendants = started.flatMap { Self.descendants(of: $0.pid) }
        for process in started.reversed() { process.stop() }
        for pid in descendants { kill(pid, SIGTERM) }
        usleep(300_000)
        // Children of the test runner may inherit a blocked SIGTERM: whatever is left is
        // killed, and the locks of the X servers killed are removed.
        for pid in descendants { kill(pid, SIGKILL) }
        usleep(200_000)
        let killed = Set(descendants + started.map(\.pid))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(".X") && name.hasSuffix("-lock") {
            let text = (try? String(contentsOfFile: "/tmp/" + name, encoding: .utf8)) ?? ""
            guard let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), killed.contains(owner) else { continue }
            let display = name.dropFirst(2).dropLast(5)
            try? FileManager.default.removeItem(atPath: "/tmp/" + name)
            try? FileManager.default.removeItem(atPath: "/tmp/.X11-unix/X\(display)")
        }
    }

    static func descendants(of root: pid_t) -> [pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parents[pid] = ppid }
        }
        var result: [pid_t] = []
        var frontier = [root]
        while let p = frontier.popLast() {
            for (child, parent) in parents where parent == p { result.append(child); frontier.append(child) }
        }
        return result
    }

    static func waitFor(_ what: String, seconds: Double = 10, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { throw ScreenTestFailure("timed out waiting for \(what)") }
            usleep(100_000)
        }
    }
}

struct ScreenTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A child process started by a test, stopped by its process id.
final class Background {
    let process = Process()
    private let errFile: URL
    var pid: pid_t { process.processIdentifier }

    init(_ path: String, _ arguments: [String], dir: URL, env: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        errFile = dir.appendingPathComponent("\((path as NSString).lastPathComponent)-\(UUID().uuidString.prefix(6)).err")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }

    func interrupt() { if process.isRunning { kill(pid, SIGINT) } }

    /// Waits up to `seconds` for the process to exit; kills it if it does not (status -1).
    func wait(seconds: Double = 20) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit(); return -1 }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after a second. Never waits unbounded: Foundation sometimes does
    /// not reap a killed `runuser`, and the test runner reaps it at exit.
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<10 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        for _ in 0..<20 where process.isRunning { usleep(100_000) }
    }
}

enum Shell {
    @discardableResult
    static func run(_ path: String, _ arguments: [String], env: [String: String] = [:]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func output(_ path: String, _ arguments: String...) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func which(_ name: String) -> String? {
        let path = output("/bin/sh", "-c", "command -v \(name)").trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }
}
