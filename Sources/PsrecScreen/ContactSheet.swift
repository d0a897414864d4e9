/// Lays out thumbnails in a grid, each with lines of text under it (`psrec contact-sheet`).
///
/// ```
///  +--------+ +--------+ +--------+
///  | thumb  | | thumb  | | thumb  |
///  +--------+ +--------+ +--------+
///  00:00:04 CLICK  ...
///  512,300,1
/// ```
public struct ContactSheet {
    /// One cell: an image and its caption lines.
    public struct Tile {
        public var image: Framebuffer
        public var caption: [String]
        public init(image: Framebuffer, caption: [String]) {
            self.image = image
            self.caption = caption
        }
    }

    /// Thumbnail width in pixels.
    public var thumbnailWidth: Int
    /// Thumbnails per row.
    public var columns: Int
    /// Text scale (2 draws the 3 × 5 font at 6 × 10 pixels).
    public var textScale = 2
    private let margin = 8

    public init(thumbnailWidth: Int = 320, columns: Int = 4) {
        precondition(thumbnailWidth >= 16 && columns >= 1, "invalid contact sheet layout")
        self.thumbnailWidth = thumbnailWidth
        self.columns = columns
    }

    /// Makes a thumbnail of a screen image for a tile.
    public func thumbnail(_ image: Framebuffer) -> Framebuffer { image.scaled(toWidth: thumbnailWidth) }

    /// Draws the sheet. Captions are cut to the thumbnail width.
    public func draw(_ tiles: [Tile]) -> Framebuffer {
        let thumbHeight = tiles.map(\.image.height).max() ?? 0
        let lines = tiles.map(\.caption.count).max() ?? 0
        let cellWidth = thumbnailWidth + margin
        let cellHeight = thumbHeight + lines * BitmapFont.lineHeight(scale: textScale) + margin * 2
        let rows = (tiles.count + columns - 1) / columns
        var sheet = Framebuffer(width: margin + min(columns, max(1, tiles.count)) * cellWidth, height: margin + max(1, rows) * cellHeight)
        sheet.fill(x: 0, y: 0, width: sheet.width, height: sheet.height, r: 32, g: 32, b: 36)
        let maxChars = thumbnailWidth / BitmapFont.advance(scale: textScale)
        for (i, tile) in tiles.enumerated() {
            let x = margin + (i % columns) * cellWidth, y = margin + (i / columns) * cellHeight
            sheet.paste(tile.image, x: x, y: y)
            for (n, line) in tile.caption.enumerated() {
                BitmapFont.draw(String(line.prefix(maxChars)), into: &sheet, x: x, y: y + thumbHeight + margin / 2 + n * BitmapFont.lineHeight(scale: textScale), scale: textScale)
            }
        }
        return sheet
    }
}
