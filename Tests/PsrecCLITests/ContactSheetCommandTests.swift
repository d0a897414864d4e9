import Foundation
import PsrecScreen
import Testing
import PsrecTestSupport

@Suite struct ContactSheetCommandTests {
    @Test func oneThumbnailPerIndicatorWithCaptions() throws {
        let dir = CLI.tempDir()
        let file = try ScreenFixture.make(in: dir)
        let png = dir.appendingPathComponent("sheet.png").path
        let result = try CLI.run(["contact-sheet", file, "-o", png, "--width", "80", "--columns", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        let sheet = try PNGFile.read(png)
        // Two indicators side by side: margin 8, cells 80 + 8 wide.
        #expect(sheet.width == 8 + 2 * 88)
        // The first thumbnail is the screen after the click (frame 2: a 20-pixel bar, 10 at half size).
        let thumb = ScreenFixture.frame(2)
        var full = Framebuffer(width: ScreenFixture.width, height: ScreenFixture.height)
        full.draw(thumb)
        let scaled = full.scaled(toWidth: 80)
        #expect(sheet.pixel(x: 8 + 5, y: 8 + 25) == scaled.pixel(x: 5, y: 25))
        #expect(sheet.pixel(x: 8 + 5, y: 8 + 25) == (255, 255, 255))
        // Caption text is drawn in white under each thumbnail.
        let captionRows = (8 + 50)..<(8 + 50 + 28)
        let white = captionRows.contains { y in (8..<88).contains { x in sheet.pixel(x: x, y: y) == (255, 255, 255) } }
        #expect(white)
    }

    @Test func fontDrawsKnownAndUnknownCharacters() {
        var image = Framebuffer(width: 40, height: 12)
        BitmapFont.draw("1é", into: &image, x: 0, y: 0, scale: 2)
        #expect(image.pixel(x: 2, y: 0) == (255, 255, 255))   // top of "1"
        #expect(image.pixel(x: 8, y: 0) == (255, 255, 255))   // "?" for é
    }
}
