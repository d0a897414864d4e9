import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Wakes an uploader that follows a file while its recorder writes it: as soon as the file is
/// written to (inotify(7), `IN_MODIFY`), and at once when the recorder has stopped (`wake()`),
/// instead of after a fixed polling period that would be added to every session's end.
///
/// Without inotify (a filesystem or a limit that refuses the watch) `sleep(upTo:)` still ends
/// at its timeout, and the uploader looks at the file as often as it did by polling.
final class SpoolWatch: Sendable {
    private struct State {
        /// A wake-up that came while nobody slept: the next sleep returns at once.
        var woken = false
        var sleeper: CheckedContinuation<Void, Never>?
        /// Tells a sleep's timeout from a later sleep's.
        var generation: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    /// The inotify descriptor and the pipe that stops its thread; -1 without inotify.
    private let inotify: Int32
    private let stopWrite: Int32

    /// True when file changes wake the sleeper (inotify watches the file).
    var watchesFile: Bool { inotify >= 0 }

    /// Watches `path` (which should exist) from a thread of its own.
    init(path: String) {
        var fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if fd >= 0 && inotify_add_watch(fd, path, UInt32(IN_MODIFY | IN_CLOSE_WRITE)) < 0 {
            close(fd)
            fd = -1
        }
        var stop: [Int32] = [-1, -1]
        if fd >= 0 && pipe(&stop) != 0 {
            close(fd)
            fd = -1
        }
        for end in stop where end >= 0 { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        inotify = fd
        stopWrite = stop[1]
        guard fd >= 0 else { return }
        let (watched, stopRead, state) = (fd, stop[0], state)
        // The thread holds the descriptors and the state, not the watch: releasing the watch
        // closes the pipe's write end, which ends the thread.
        let thread = Thread { Self.watch(inotify: watched, stopRead: stopRead, state: state) }
        thread.name = "psrec-spool-watch"
        thread.start()
    }

    deinit {
        if stopWrite >= 0 { close(stopWrite) }
    }

    private static func watch(inotify: Int32, stopRead: Int32, state: NIOLockedValueBox<State>) {
        defer {
            close(inotify)
            close(stopRead)
        }
        var events = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd](repeating: pollfd(), count: 2)
        while true {
            fds[0] = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            fds[1] = pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 {
                // The events say no more than "written": drained, they make one wake-up.
                while read(inotify, &events, events.count) > 0 {}
                resume(state, generation: nil)
            }
        }
    }

    /// Ends the current sleep, or the next one if none is under way.
    func wake() { Self.resume(state, generation: nil) }

    /// Returns at the next wake-up (the file written, `wake()`), or after `timeout`.
    func sleep(upTo timeout: TimeAmount) async {
        await withCheckedContinuation { (sleeper: CheckedContinuation<Void, Never>) in
            let generation = state.withLockedValue { state -> UInt64? in
                if state.woken {
                    state.woken = false
                    return nil
                }
                state.generation &+= 1
                state.sleeper = sleeper
                return state.generation
            }
            guard let generation else { return sleeper.resume() }
            let state = state
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: timeout) { Self.resume(state, generation: generation) }
        }
    }

    /// Resumes the sleeper; a timeout (`generation`) only its own sleep, a wake-up any sleep,
    /// now or next.
    private static func resume(_ state: NIOLockedValueBox<State>, generation: UInt64?) {
        let sleeper = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                if generation == nil { state.woken = true }
                return nil
            }
            if let generation, generation != state.generation { return nil }
            state.sleeper = nil
            state.woken = false
            return sleeper
        }
        sleeper?.resume()
    }
}
