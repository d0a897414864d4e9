/// One cell of a `TerminalScreen`.
public struct TerminalCell: Hashable, Sendable {
    /// The character (with any combining marks), " " when blank, or nil for the right half
    /// of a wide character, which the cell to its left holds.
    public var text: String?
    /// How it is drawn.
    public var style: TerminalStyle

    /// A cell.
    public init(text: String?, style: TerminalStyle = .plain) {
        self.text = text
        self.style = style
    }

    /// A blank cell of a cleared terminal.
    public static let blank = TerminalCell(text: " ")

    /// True for the right half of a wide character.
    var isContinuation: Bool { text == nil }
}
