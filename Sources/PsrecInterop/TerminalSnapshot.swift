/// What a terminal shows at one moment, and the bytes that show it again: what a web
/// player's segment starts from, so that the browser need not replay what came before.
///
/// `ansi` written to a freshly reset terminal of the same size (xterm.js, xterm, or a new
/// `TerminalScreen`) draws the visible screen cell for cell — characters, wide characters,
/// attributes and colours — and leaves the cursor where it was, shown or hidden. It also
/// carries the state that what follows in the recording relies on: while a full-screen
/// program runs, the main screen is drawn first and the alternate screen entered with
/// mode 1049, so leaving it brings the shell's screen back; the cursor DECSC saved, the
/// scrolling region, origin mode, autowrap, insert mode and the current rendition.
///
/// Not carried: a sequence or character cut in half at the snapshot's time (the recording's
/// next bytes would finish it), what an alternate screen left with mode 47 still holds
/// while the main screen is shown (1049 and 1047 clear it), tab stops (`TerminalScreen`
/// keeps them every 8 columns), the window title and the scrollback.
public struct TerminalSnapshot: Sendable, Equatable {
    /// Width of the screen in cells.
    public var columns: Int
    /// Height of the screen in rows.
    public var rows: Int
    /// The visible screen as plain text: one line a row, trailing spaces trimmed, each line
    /// ending with a line feed.
    public var text: String
    /// Bytes that draw the screen again on a freshly reset terminal of this size.
    public var ansi: [UInt8]
    /// The cursor's column, 0-based (`columns` when a wrap is pending).
    public var cursorColumn: Int
    /// The cursor's row, 0-based.
    public var cursorRow: Int
    /// Whether the cursor is shown (DECTCEM).
    public var cursorVisible: Bool
    /// True when a full-screen program's alternate screen is the one shown.
    public var alternateScreen: Bool

    /// A snapshot.
    public init(columns: Int, rows: Int, text: String, ansi: [UInt8], cursorColumn: Int, cursorRow: Int,
                cursorVisible: Bool, alternateScreen: Bool) {
        self.columns = columns
        self.rows = rows
        self.text = text
        self.ansi = ansi
        self.cursorColumn = cursorColumn
        self.cursorRow = cursorRow
        self.cursorVisible = cursorVisible
        self.alternateScreen = alternateScreen
    }
}
