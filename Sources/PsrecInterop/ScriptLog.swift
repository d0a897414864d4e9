internal import Foundation

/// One data file of a util-linux `script` recording (the typescript, or a `--log-out`,
/// `--log-in` or `--log-io` file): script's own header line, the logged bytes, and script's
/// footer.
///
/// ```
/// Script started on 2024-05-01 10:00:00+02:00 [COMMAND="…" TERM="xterm" … COLUMNS="80" LINES="24"]\n
/// <the bytes the timing file counts, in order>
/// \nScript done on 2024-05-01 10:00:09+02:00 [COMMAND_EXIT_CODE="0"]\n
/// ```
/// Only the header and footer lines are script's; everything else is handed out as logged.
final class ScriptLog {
    /// What script's header line says.
    struct Header {
        var startUnixMicros: Int64?
        var command: String?
        var term: String?
        var tty: String?
        var columns: Int?
        var lines: Int?
    }

    static let startedPrefix = Array("Script started on ".utf8)
    static let donePrefix = Array("\nScript done on ".utf8)
    /// Longest footer looked for at the end of the file.
    static let maxFooterBytes = 4096

    let name: String
    let buffer: InputBuffer
    private(set) var header: Header?

    init(_ input: any ConversionInput) {
        name = input.name
        buffer = InputBuffer(input: input)
    }

    /// Reads script's header line if the file starts with one.
    func readHeader() throws(ConversionError) {
        let head = try buffer.peek(Self.startedPrefix.count)
        guard head == Self.startedPrefix, let result = try buffer.nextLine(), case .line(let line) = result else { return }
        let text = String(decoding: buffer.bytes[line.range], as: UTF8.self)
        header = Self.parseHeader(text)
    }

    /// Parses `Script started on DATE [KEY="VALUE" …]`; COMMAND's value is not escaped by
    /// script, so the known keys after it are found from the end.
    static func parseHeader(_ text: String) -> Header {
        var header = Header()
        var rest = Substring(text.dropFirst(startedPrefix.count))
        let bracket = rest.range(of: " [")
        header.startUnixMicros = CivilTime.parseISO(bracket.map { rest[..<$0.lowerBound] } ?? rest)
        guard let bracket else { return header }
        rest = rest[bracket.upperBound...]
        if rest.hasSuffix("]") { rest = rest.dropLast() }
        var end = rest.endIndex
        var values: [String: String] = [:]
        // Without a terminal, COMMAND is the only key; whatever it holds is its value.
        let keys = rest.hasSuffix(" <not executed on terminal>") ? [] : ["LINES", "COLUMNS", "TTY", "TERM"]
        for key in keys {
            guard let found = rest[..<end].range(of: " \(key)=\"", options: .backwards)
                    ?? (rest[..<end].hasPrefix("\(key)=\"") ? rest.startIndex..<rest.index(rest.startIndex, offsetBy: key.count + 2) : nil)
            else { continue }
            var value = rest[found.upperBound..<end]
            while value.last == " " { value = value.dropLast() }
            if value.hasSuffix("\"") { value = value.dropLast() }
            values[key] = String(value)
            end = found.lowerBound
        }
        if rest.hasPrefix("COMMAND=\"") {
            var value = rest[rest.index(rest.startIndex, offsetBy: 9)..<end]
            if value.hasSuffix(" <not executed on terminal>") { value = value.dropLast(27) }
            if value.hasSuffix("\"") { value = value.dropLast() }
            header.command = String(value)
        }
        header.term = values["TERM"]
        header.tty = values["TTY"]
        header.columns = values["COLUMNS"].flatMap { Int($0) }
        header.lines = values["LINES"].flatMap { Int($0) }
        return header
    }

    /// What follows the last counted byte: bytes script logged without timing (a session
    /// killed before its timing was written), and the exit status the footer gives.
    struct Tail {
        var untimedBytes: Int64 = 0
        var exitStatus: Int64?
        var hasFooter = false
    }

    /// Reads the rest of the file, handing untimed bytes to `emit` in blocks and keeping the
    /// footer apart. Memory: one block plus `maxFooterBytes`.
    func readTail(_ emit: ([UInt8]) throws(ConversionError) -> Void) throws(ConversionError) -> Tail {
        var window: [UInt8] = []
        var tail = Tail()
        while true {
            let block = try buffer.read(count: 64 * 1024)
            if block.isEmpty { break }
            window += block
            if window.count > 2 * Self.maxFooterBytes {
                let cut = window.count - Self.maxFooterBytes
                try emit(Array(window[..<cut]))
                tail.untimedBytes += Int64(cut)
                window.removeFirst(cut)
            }
        }
        if let footerStart = Self.footerStart(window) {
            let footer = String(decoding: window[(footerStart + 1)...], as: UTF8.self)
            if let range = footer.range(of: "[COMMAND_EXIT_CODE=\""),
               let close = footer[range.upperBound...].firstIndex(of: "\"") {
                tail.exitStatus = Int64(footer[range.upperBound..<close])
            }
            tail.hasFooter = true
            window.removeSubrange(footerStart...)
        }
        if !window.isEmpty {
            try emit(window)
            tail.untimedBytes += Int64(window.count)
        }
        return tail
    }

    /// Where `\nScript done on …\n`, the last line, starts in `window`.
    private static func footerStart(_ window: [UInt8]) -> Int? {
        guard window.last == 0x0A, window.count >= donePrefix.count else { return nil }
        var i = window.count - donePrefix.count
        while i >= 0 {
            if window[i] == 0x0A && window[i..<(i + donePrefix.count)].elementsEqual(donePrefix) {
                // The footer is one line: no line feed between its text and the final one.
                return window[(i + 1)..<(window.count - 1)].contains(0x0A) ? nil : i
            }
            i -= 1
        }
        return nil
    }
}
