/// A rectangle of the screen, in pixels, without pixel data.
public struct ScreenRect: Sendable, Equatable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The part of this rectangle inside a `width × height` screen, or nil if none.
    func clipped(width screenWidth: Int, height screenHeight: Int) -> ScreenRect? {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(screenWidth, x + width), y1 = min(screenHeight, y + height)
        guard x0 < x1, y0 < y1 else { return nil }
        return ScreenRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

/// Finds the changed parts of a frame by comparing it with the previous one tile by tile,
/// and merges changed tiles into few rectangles.
///
/// ```
///  tiles        runs per tile row       rectangles
///  . # # . .    [1,3)                   (1,0)-(3,2)
///  . # # . .    [1,3)                   ...
///  # . . . #    [0,1) [4,5)             (0,2)-(1,3), (4,2)-(5,3)
/// ```
/// Horizontally adjacent changed tiles of a tile row form a run; a run with the same columns
/// as a run of the row above extends that rectangle downwards.
///
/// Cost: one `memcmp` per pixel row of the compared area when nothing changed, plus one per
/// tile and row where something did. No allocation per frame besides the result.
struct TileDiffer {
    let tileSize: Int

    /// Changed rectangles between `old` (BGRA, tightly packed, `width * 4` bytes per row) and
    /// `new` (BGRA, `bytesPerRow` per row), looking only at tiles that meet `region` (all when nil).
    func changedRects(old: UnsafeRawBufferPointer, new: UnsafeRawBufferPointer, bytesPerRow: Int,
                      width: Int, height: Int, region: [ScreenRect]?) -> [ScreenRect] {
        let tilesX = (width + tileSize - 1) / tileSize
        let tilesY = (height + tileSize - 1) / tileSize
        guard tilesX > 0, tilesY > 0 else { return [] }
        var candidate = [Bool](repeating: region == nil, count: tilesX * tilesY)
        if let region {
            for rect in region {
                guard let r = rect.clipped(width: width, height: height) else { continue }
                for ty in (r.y / tileSize)...((r.y + r.height - 1) / tileSize) {
                    for tx in (r.x / tileSize)...((r.x + r.width - 1) / tileSize) { candidate[ty * tilesX + tx] = true }
                }
            }
        }
        var dirty = [Bool](repeating: false, count: tilesX * tilesY)
        let oldRow = width * 4
        for ty in 0..<tilesY {
            let y0 = ty * tileSize, y1 = min(height, y0 + tileSize)
            guard (0..<tilesX).contains(where: { candidate[ty * tilesX + $0] }) else { continue }
            for y in y0..<y1 {
                let o = old.baseAddress! + y * oldRow
                let n = new.baseAddress! + y * bytesPerRow
                if memcmp(o, n, oldRow) == 0 { continue }
                for tx in 0..<tilesX where candidate[ty * tilesX + tx] && !dirty[ty * tilesX + tx] {
                    let x0 = tx * tileSize, w = min(width, x0 + tileSize) - x0
                    if memcmp(o + x0 * 4, n + x0 * 4, w * 4) != 0 { dirty[ty * tilesX + tx] = true }
                }
            }
        }
        return Self.merge(dirty: dirty, tilesX: tilesX, tilesY: tilesY, tileSize: tileSize, width: width, height: height)
    }

    /// Merges a grid of changed tiles into rectangles in pixels, clipped to the screen.
    static func merge(dirty: [Bool], tilesX: Int, tilesY: Int, tileSize: Int, width: Int, height: Int) -> [ScreenRect] {
        typealias TileRect = (x0: Int, x1: Int, y0: Int, y1: Int)
        var done: [TileRect] = []
        // Open rectangles in tile units, keyed by their column span.
        var open: [Int: TileRect] = [:]
        for ty in 0..<tilesY {
            var runs: [(Int, Int)] = []
            var tx = 0
            while tx < tilesX {
                if dirty[ty * tilesX + tx] {
                    let start = tx
                    while tx < tilesX && dirty[ty * tilesX + tx] { tx += 1 }
                    runs.append((start, tx))
                } else {
                    tx += 1
                }
            }
            var next: [Int: TileRect] = [:]
            for (x0, x1) in runs {
                let key = x0 * (tilesX + 1) + x1
                if var r = open.removeValue(forKey: key) {
                    r.y1 = ty + 1
                    next[key] = r
                } else {
                    next[key] = (x0, x1, ty, ty + 1)
                }
            }
            for r in open.values { done.append(r) }
            open = next
        }
        done.append(contentsOf: open.values)
        return done.map { r in
            ScreenRect(x: r.x0 * tileSize, y: r.y0 * tileSize, width: r.x1 * tileSize, height: r.y1 * tileSize)
        }.map { r in
            ScreenRect(x: r.x, y: r.y, width: min(width, r.width) - r.x, height: min(height, r.height) - r.y)
        }.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
