internal import CX11

/// Grabs the whole root window into a MIT-SHM segment (`XShmCreateImage`, `XShmAttach`,
/// `XShmGetImage`): the server copies the pixels straight into memory this process maps, with
/// no transfer over the socket. The segment is detached and freed in `deinit`.
final class SharedMemoryGrabber {
    private let display: X11Display
    private var image = psrec_shm_image()
    let width: Int
    let height: Int

    init(display: X11Display) throws(ScreenCaptureError) {
        self.display = display
        guard psrec_shm_create(display.handle, &image) != 0 else {
            throw ScreenCaptureError("The X display \(display.name) does not offer shared-memory images (MIT-SHM), or no segment could be attached.")
        }
        width = display.width
        height = display.height
        guard psrec_shm_bits_per_pixel(&image) == 32, psrec_shm_red_mask(&image) == 0xFF0000, psrec_shm_lsb_first(&image) != 0 else {
            psrec_shm_destroy(display.handle, &image)
            throw ScreenCaptureError("The X display \(display.name) uses a pixel layout psrec cannot record (it needs 24 or 32-bit TrueColor, BGRX in memory).")
        }
    }

    deinit { psrec_shm_destroy(display.handle, &image) }

    /// Grabs the screen and lends its pixels (BGRX, `bytesPerRow` per row) to `body`.
    func grab<R>(_ body: (UnsafeRawBufferPointer, _ bytesPerRow: Int) throws -> R) throws -> R {
        guard psrec_shm_grab(display.handle, &image) != 0 else {
            throw ScreenCaptureError("XShmGetImage failed on \(display.name).")
        }
        let bytesPerRow = Int(psrec_shm_bytes_per_line(&image))
        let pixels = UnsafeRawBufferPointer(start: psrec_shm_pixels(&image), count: bytesPerRow * height)
        return try body(pixels, bytesPerRow)
    }
}
