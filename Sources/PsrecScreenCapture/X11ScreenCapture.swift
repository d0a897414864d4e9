public import PsrecScreen
internal import CX11
#if canImport(Glibc)
import Glibc
#endif

/// Records an X11 display (the one an RDP client window is drawn on) into a `ScreenRecorder`.
///
/// - Frames: the root window is grabbed through MIT-SHM at most `framesPerSecond` times a
///   second, and only when DAMAGE reported a change; the damaged rectangles limit what the
///   recorder compares. An idle screen costs no grab at all.
/// - Input: XInput2 raw key and button events on that display (delivered whatever grabs the
///   RDP client holds) become clicks, commands and, when asked, key events; the pointer
///   position is sampled once per frame tick.
/// - Time: session time is the monotonic clock since `run` started.
public final class X11ScreenCapture {
    private let display: X11Display
    private let grabber: SharedMemoryGrabber
    private var damage: Damage = 0
    private var damageEventBase: Int32 = 0
    private var inputOpcode: Int32 = 0
    private var shiftHeld = 0
    private let clockStart = ContinuousClock.now

    /// Screen width in pixels.
    public var width: Int { grabber.width }
    /// Screen height in pixels.
    public var height: Int { grabber.height }

    /// Connects to the display `name` (such as `:99`) and sets up DAMAGE and XInput2.
    /// - Throws: `ScreenCaptureError` when the display or one of the extensions is missing.
    public init(display name: String) throws(ScreenCaptureError) {
        psrec_x_quiet_errors()
        display = try X11Display(name)
        grabber = try SharedMemoryGrabber(display: display)
        guard psrec_damage_create(display.handle, &damageEventBase, &damage) != 0 else {
            throw ScreenCaptureError("The X display \(name) lacks the DAMAGE or XFIXES extension.")
        }
        guard psrec_xi_select_raw(display.handle, &inputOpcode) != 0 else {
            throw ScreenCaptureError("The X display \(name) lacks XInput 2.2, needed to see clicks and keys.")
        }
    }

    /// Microseconds since the capture started.
    public func nowMicros() -> Int64 {
        let d = ContinuousClock.now - clockStart
        return d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    }

    /// Records until `shouldStop` returns true (checked at least every 100 ms) or the display
    /// goes away, then grabs a last frame and returns the session time it stopped at. The
    /// caller closes the recorder.
    /// - Throws: what the recorder's writer throws, or `ScreenCaptureError` when a grab fails.
    public func run(recorder: ScreenRecorder, framesPerSecond: Int, shouldStop: () -> Bool) throws -> Int64 {
        precondition((1...60).contains(framesPerSecond), "1…60 frames per second")
        let interval = Int64(1_000_000 / framesPerSecond)
        var damaged = true
        var nextTick: Int64 = 0
        var displayLost = false
        while !shouldStop() && !displayLost {
            damaged = try drainEvents(recorder: recorder) || damaged
            let t = nowMicros()
            if t >= nextTick {
                nextTick = t + interval
                if let p = display.pointer() { try recorder.pointerMoved(x: p.x, y: p.y, atMicros: t) }
                if damaged {
                    try grabFrame(recorder: recorder, at: t)
                    damaged = false
                }
                try recorder.flushIfDue(nowMicros: t)
            }
            var pfd = pollfd(fd: display.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(0, min(100_000, nextTick - nowMicros())) / 1000)
            if poll(&pfd, 1, wait) > 0, pfd.revents & Int16(POLLHUP | POLLERR) != 0 { displayLost = true }
        }
        let end = nowMicros()
        if !displayLost {
            damaged = try drainEvents(recorder: recorder) || damaged
            if damaged { try grabFrame(recorder: recorder, at: end) }
        }
        return end
    }

    private func grabFrame(recorder: ScreenRecorder, at t: Int64) throws {
        var rects = [XRectangle](repeating: XRectangle(), count: 256)
        let n = Int(psrec_damage_take(display.handle, damage, &rects, 256))
        // A frame's own first grab, or a region too fragmented to list, compares everything.
        let region: [ScreenRect]? = (n == 0 || n > 256) ? nil : rects.prefix(n).map {
            ScreenRect(x: Int($0.x), y: Int($0.y), width: Int($0.width), height: Int($0.height))
        }
        try grabber.grab { pixels, bytesPerRow in
            try recorder.frame(pixels, width: grabber.width, height: grabber.height, bytesPerRow: bytesPerRow, damage: region, atMicros: t)
        }
    }

    /// Handles every queued event; returns whether the screen was damaged.
    private func drainEvents(recorder: ScreenRecorder) throws -> Bool {
        var damaged = false
        while true {
            var detail: Int32 = 0
            let kind = psrec_next_event(display.handle, damageEventBase, inputOpcode, &detail)
            if kind == Int32(PSREC_EVENT_NONE) { return damaged }
            let t = nowMicros()
            switch kind {
            case Int32(PSREC_EVENT_DAMAGE):
                damaged = true
            case Int32(PSREC_EVENT_BUTTON_PRESS), Int32(PSREC_EVENT_BUTTON_RELEASE):
                let p = display.pointer() ?? (0, 0)
                try recorder.button(UInt8(clamping: detail), pressed: kind == Int32(PSREC_EVENT_BUTTON_PRESS), x: p.x, y: p.y, atMicros: t)
            case Int32(PSREC_EVENT_KEY_PRESS), Int32(PSREC_EVENT_KEY_RELEASE):
                let down = kind == Int32(PSREC_EVENT_KEY_PRESS)
                let base = display.keysym(keycode: detail, shifted: false)
                if base == 0xFFE1 || base == 0xFFE2 { shiftHeld = max(0, shiftHeld + (down ? 1 : -1)) }
                let keysym = shiftHeld > 0 ? display.keysym(keycode: detail, shifted: true) : base
                try recorder.key(keysym: keysym == 0 ? base : keysym, down: down, atMicros: t)
            default:
                break
            }
        }
    }
}
