import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar {
    let total: Int64
    let files: Int
    let enabled: Bool
    private var done: Int64 = 0
    private var count = 0
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(total: Int64, files: Int, enabled: Bool) {
        self.total = max(total, 1)
        self.files = files
        self.enabled = enabled
    }

    func start(_ path: String) { draw(current: path) }

    func finish(_ bytes: Int64) {
        done += bytes
        count += 1
    }

    private func draw(current: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let width = 30
        let filled = Int(Double(done) / Double(total) * Double(width))
        let bar = String(repeating: "#", count: min(width, filled)) + String(repeating: "-", count: max(0, width - filled))
        let name = TerminalSafe.escape((current as NSString).lastPathComponent)
        let line = "\r[\(bar)] \(count)/\(files) \(String(name.prefix(40)))\u{1B}[K"
        Console.writeAll(2, Array(line.utf8))
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        Console.writeAll(2, Array("\r\u{1B}[K".utf8))
        drawn = false
    }
}
