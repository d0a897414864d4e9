internal import CX11

/// An Xlib connection (`XOpenDisplay`), closed in `deinit` (`XCloseDisplay`).
final class X11Display {
    let handle: OpaquePointer
    let name: String

    /// Opens `name` (such as `:99`).
    /// - Throws: `ScreenCaptureError` when the display cannot be opened.
    init(_ name: String) throws(ScreenCaptureError) {
        guard let handle = XOpenDisplay(name) else {
            throw ScreenCaptureError("Cannot open the X display \(name): is an X server running there, and may this user connect (DISPLAY, XAUTHORITY)?")
        }
        self.handle = handle
        self.name = name
    }

    deinit { XCloseDisplay(handle) }

    var width: Int { Int(psrec_x_width(handle)) }
    var height: Int { Int(psrec_x_height(handle)) }
    var fileDescriptor: Int32 { psrec_x_fd(handle) }

    /// The pointer position on the root window.
    func pointer() -> (x: Int, y: Int)? {
        var x: Int32 = 0, y: Int32 = 0
        return psrec_pointer(handle, &x, &y) != 0 ? (Int(x), Int(y)) : nil
    }

    /// The keysym a keycode types at shift level 0 or 1 (`XkbKeycodeToKeysym`).
    func keysym(keycode: Int32, shifted: Bool) -> UInt32 {
        UInt32(truncatingIfNeeded: psrec_keysym(handle, keycode, shifted ? 1 : 0))
    }
}

/// A failure of screen capture, as a sentence for the user.
public struct ScreenCaptureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
