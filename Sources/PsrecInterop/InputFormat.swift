/// A recording format `Converter` can read.
public enum InputFormat: String, Sendable, CaseIterable {
    /// asciinema 1.x: one JSON object whose `stdout` array holds `[delay, data]` frames.
    /// <https://docs.asciinema.org/manual/asciicast/v1>
    case asciicastV1 = "asciicast-v1"
    /// asciinema 2.x: a JSON header line, then `[time, code, data]` lines with absolute times.
    /// <https://docs.asciinema.org/manual/asciicast/v2>
    case asciicastV2 = "asciicast-v2"
    /// asciinema 3.x: a JSON header line, then `[interval, code, data]` lines with times
    /// relative to the previous event. <https://docs.asciinema.org/manual/asciicast/v3>
    case asciicastV3 = "asciicast-v3"
    /// ttyrec: frames of a 12-byte little-endian header (seconds, microseconds, length)
    /// followed by that many bytes of output; no file header.
    case ttyrec
    /// util-linux `script` classic timing: `DELAY BYTES` lines counting the bytes of a
    /// typescript file (`script -t 2>TIMING TYPESCRIPT`); two files.
    case script
    /// util-linux `script` advanced timing: `O|I|S|H DELAY …` lines counting the bytes of
    /// the `--log-out`/`--log-in`/`--log-io` files (`script --log-timing`); two or three files.
    case scriptAdvanced = "script-advanced"
    /// A sudo I/O log directory (sudo 1.9): `log.json` or `log`, `timing`, and the
    /// `ttyout`/`ttyin`/`stdout`/`stdin`/`stderr` files, each possibly gzip-compressed.
    /// <https://www.sudo.ws/docs/man/sudoers.man/#I/O_LOG_FILES>
    case sudoIOLog = "sudo-iolog"

    /// True for the formats whose recording spans several files (`Converter.convertScript`,
    /// `Converter.convertSudoIOLog`), which a single stream cannot hold.
    public var isMultiFile: Bool { self == .script || self == .scriptAdvanced || self == .sudoIOLog }
}
