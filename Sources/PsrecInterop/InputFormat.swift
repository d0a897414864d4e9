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
}
