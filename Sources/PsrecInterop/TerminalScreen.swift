internal import PsrecTerminal

/// A small VT100/xterm screen emulator that turns recorded output into the text a person
/// would read on the terminal afterwards: lines scrolled off the top are kept as
/// scrollback, the rest is the final screen.
///
/// ```
/// ┌ scrollback (lines scrolled off the top of the main screen, oldest first) ┐
/// │ …                                                                         │
/// ├ main screen (rows × columns) ──────────────────────────────────────────────┤
/// │ $ ls                                                                      │
/// └──────────────────────────────────────────────────────────────────────────┘
/// ```
/// Understood: printable text (UTF-8; East Asian wide and emoji characters take two cells,
/// combining marks join the previous cell — an approximation of `wcwidth`), CR, LF, VT, FF,
/// BS, TAB, IND/NEL/RI, DECSC/DECRC, cursor movement (CUU CUD CUF CUB CNL CPL CHA HPA HPR
/// CUP HVP VPA VPR), ED, EL, ECH, ICH, DCH, IL, DL, SU, SD, DECSTBM scrolling regions,
/// autowrap (DECAWM), insert mode (IRM), and the alternate screen (modes 47, 1047, 1048,
/// 1049). Text drawn on the alternate screen (vim, less, top) never reaches the scrollback,
/// and `text()` shows the main screen, as a terminal does after such a program exits.
/// Each cell keeps its attributes and colours (SGR: `TerminalStyle`, eight bytes a cell);
/// erasing and scrolling fill with the current background colour, as xterm does. The
/// cursor's visibility (DECTCEM) is kept, and `snapshot()` gives bytes that draw the visible
/// screen again on a fresh terminal. The scrollback and `text()` are plain text. OSC, DCS,
/// SOS, PM and APC strings and unknown sequences are consumed and ignored. `ED 3` (erase
/// saved lines) is ignored so that a transcript keeps the whole session.
///
/// Memory: the two screens (24 bytes a cell, with a character's text inline, each row storing
/// its cells only up to the last one drawn on: see `TerminalRow`) and at most
/// `maxScrollbackLines` lines of scrollback (the oldest are dropped and counted in
/// `droppedScrollbackLines`).
public final class TerminalScreen {
    /// Width of the screen in cells.
    public private(set) var columns: Int
    /// Height of the screen in rows.
    public private(set) var rows: Int
    /// Most scrollback lines kept.
    public let maxScrollbackLines: Int
    /// Scrollback lines dropped because there were more than `maxScrollbackLines`.
    public private(set) var droppedScrollbackLines = 0

    typealias Cell = TerminalCell
    static let blank = TerminalCell.blank

    var main: [TerminalRow]
    var alternate: [TerminalRow]
    var onAlternate = false
    /// Output bytes fed, and cells resizes have touched (see `resize`).
    var fedBytes = 0
    var resizeCells = 0
    /// Resizes ignored because output had not paid for them (see `resize`).
    public private(set) var ignoredResizes = 0
    var scrollback: [String] = []
    var scrollbackStart = 0

    /// When set, lines leaving the top of the main screen are handed here (oldest first)
    /// instead of being kept, so a transcript of any length streams out in bounded memory.
    public var scrollbackHandler: ((String) -> Void)?

    var x = 0
    var y = 0
    var top = 0
    var bottom: Int
    var autowrap = true
    var insertMode = false
    var originMode = false
    /// The current rendition, given to each character drawn.
    var pen = TerminalStyle.plain
    /// Whether the cursor is shown (DECTCEM, `CSI ? 25 h` and `l`).
    public internal(set) var cursorVisible = true
    /// What DECSC (`ESC 7`) saved, one for each screen as in xterm and xterm.js; mode 1049
    /// saves into the main screen's on entering the alternate one.
    var savedCursors = (main: SavedCursor(), alternate: SavedCursor())

    /// The cursor state DECSC saves: position, origin mode and rendition (as xterm does).
    struct SavedCursor: Equatable {
        var x = 0, y = 0
        var origin = false
        var pen = TerminalStyle.plain
    }

    var parser = TerminalParser()

    /// Creates a blank screen.
    /// - Parameters:
    ///   - columns: width in cells (at least 1).
    ///   - rows: height in rows (at least 1).
    ///   - maxScrollbackLines: scrollback kept; older lines are dropped.
    public init(columns: Int, rows: Int, maxScrollbackLines: Int = 1_000_000) {
        (self.columns, self.rows) = Self.clampedSize(columns: columns, rows: rows)
        self.maxScrollbackLines = max(0, maxScrollbackLines)
        bottom = self.rows - 1
        main = Self.blankGrid(columns: self.columns, rows: self.rows)
        alternate = Self.blankGrid(columns: self.columns, rows: self.rows)
    }

    /// Most columns of the emulated screen; wider lines are cut.
    public static let maxColumns = 4096
    /// Most rows of the emulated screen (a portrait 4K display in an 8-pixel font has 480).
    /// A resize costs time in proportion to the rows, whatever the bytes that asked for it.
    public static let maxRows = 1024
    /// Most cells (columns × rows) of the emulated screen: 2^18, which holds every real
    /// terminal (a 4K display in a 6×12 font is 640 × 180 = 115 200 cells). A size a
    /// recording declares or resizes to is a number, not content; without this bound a
    /// few bytes of `resize` events to 65 535 × 65 535 would cost gigabytes and seconds per
    /// event. Rows are cut first: (4096, 1024) becomes (4096, 64).
    public static let maxCells = 1 << 18

    /// The size the screen takes for a requested one: at least 1 × 1, at most
    /// `maxColumns` × `maxRows` and `maxCells` in all.
    public static func clampedSize(columns: Int, rows: Int) -> (columns: Int, rows: Int) {
        let columns = max(1, min(columns, maxColumns))
        return (columns, max(1, min(rows, maxRows, maxCells / columns)))
    }

    static func blankGrid(columns: Int, rows: Int, fill: Cell = blank) -> [TerminalRow] {
        Array(repeating: TerminalRow(count: columns, fill: fill), count: rows)
    }

    /// The screen being drawn on.
    var grid: [TerminalRow] {
        get { onAlternate ? alternate : main }
        _modify {
            if onAlternate { yield &alternate } else { yield &main }
        }
    }

    // MARK: - Reading the text

    /// The visible rows of the screen being drawn on (the alternate one while a full-screen
    /// program runs), trailing spaces trimmed.
    public var displayLines: [String] { grid.map(\.text) }

    /// The cells of the visible screen (the alternate one while a full-screen program runs),
    /// row by row.
    public var displayCells: [[TerminalCell]] { grid.map(\.cells) }

    /// The cursor's column, 0-based; `columns` when the last column was just written and
    /// the next character wraps to the next line first (autowrap's pending state).
    public var cursorColumn: Int { x }

    /// The cursor's row, 0-based.
    public var cursorRow: Int { y }

    /// The rendition the next character is drawn with.
    public var currentStyle: TerminalStyle { pen }

    /// True while the alternate screen is shown (modes 47, 1047, 1049).
    public var isAlternateScreenActive: Bool { onAlternate }

    /// The rows of the main screen, trailing spaces trimmed, whichever screen is shown.
    public var mainLines: [String] { main.map(\.text) }

    /// Scrollback lines, oldest first, trailing spaces trimmed.
    public var scrollbackLines: ArraySlice<String> { scrollback[scrollbackStart...] }

    /// The session as a person would read it: scrollback, then the main screen; trailing
    /// spaces and trailing empty lines trimmed; each line ends with a line feed.
    public func text() -> String {
        var lines = Array(scrollbackLines) + main.map(\.text)
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Resizing

    /// Cells resizing may touch before it must be paid for by output: 2^24, sixty-four
    /// resizes of the largest screen.
    public static let freeResizeCells = 1 << 24
    /// Cells resizing may touch for each byte of output fed.
    public static let resizeCellsPerByte = 64

    /// Changes the size. Rows that no longer fit above the cursor go to the scrollback
    /// (main screen); lines are cut or padded on the right, not re-wrapped.
    ///
    /// A resize costs time in proportion to the cells of both screens, however few the bytes
    /// that ask for it, so resizing is paid for by output: once the cells resizes have touched
    /// pass `freeResizeCells` plus `resizeCellsPerByte` for each byte fed, a resize is
    /// ignored (counted in `ignoredResizes`). A real session resizes a few times an hour; a
    /// 7 KB file alternating 4096 × 64 and 1 × 1 with a screenful of output between took
    /// minutes to draw in a release build.
    public func resize(columns newColumns: Int, rows newRows: Int) {
        let (newColumns, newRows) = Self.clampedSize(columns: newColumns, rows: newRows)
        let cost = newColumns == columns && newRows == rows ? 0 : 2 * (max(columns, newColumns) * max(rows, newRows))
        guard resizeCells + cost <= Self.freeResizeCells + Self.resizeCellsPerByte * fedBytes else {
            ignoredResizes += 1
            return
        }
        resizeCells += cost
        func fit(_ grid: inout [TerminalRow], keepScrollback: Bool) -> Int {
            var shift = 0
            if newRows < grid.count {
                // Drop empty rows below the cursor first, then rows from the top.
                while grid.count > newRows, grid.count - 1 > y, grid[grid.count - 1].text.isEmpty { grid.removeLast() }
                shift = max(0, grid.count - newRows)
                if keepScrollback { for line in grid[..<shift] { pushScrollback(line) } }
                grid.removeFirst(shift)
            }
            while grid.count < newRows { grid.append(TerminalRow(count: newColumns)) }
            for r in grid.indices {
                let cut = grid[r].count > newColumns
                grid[r].resize(to: newColumns)
                // A wide character cut in half is gone.
                if cut, Self.isWide(grid[r][newColumns - 1]) { grid[r][newColumns - 1].text = " " }
                if grid[r][0].isContinuation { grid[r][0].text = " " }
            }
            return shift
        }
        let shiftMain = fit(&main, keepScrollback: true)
        let shiftAlternate = fit(&alternate, keepScrollback: false)
        columns = newColumns
        rows = newRows
        y = max(0, y - (onAlternate ? shiftAlternate : shiftMain))
        x = min(x, columns - 1)
        y = min(y, rows - 1)
        top = 0
        bottom = rows - 1
    }

    func pushScrollback(_ row: TerminalRow) {
        // Nobody keeps it (a snapshot's screen): no need to read the row's text.
        if scrollbackHandler == nil && maxScrollbackLines == 0 { droppedScrollbackLines += 1; return }
        pushScrollback(text: row.text)
    }

    func pushScrollback(text: String) {
        if let scrollbackHandler { scrollbackHandler(text); return }
        guard maxScrollbackLines > 0 else { droppedScrollbackLines += 1; return }
        scrollback.append(text)
        if scrollback.count - scrollbackStart > maxScrollbackLines {
            scrollbackStart += 1
            droppedScrollbackLines += 1
            if scrollbackStart > 4096 && scrollbackStart * 2 > scrollback.count {
                scrollback.removeFirst(scrollbackStart)
                scrollbackStart = 0
            }
        }
    }
}
