#!/usr/bin/env python3
"""An independent psrec reader, written from Spec/format.md (version 1.2) alone.

It shares no code with the reference implementation (Sources/PsrecFormat) and was written
without reading it. The test suite (Tests/PsrecFormatTests/IndependentReaderTests.swift) runs
it on every golden vector in Spec/vectors/ to check that the Spec and the vectors agree: if a
second implementation built from the text gives the expected files, the text is precise enough.

Usage: python3 psrec_reader.py FILE.psrec
       python3 psrec_reader.py --seals FILE.psrec

Prints the info line exactly as NAME.info.json holds it, a line `---`, then the events exactly
as NAME.events.jsonl holds them (Spec section "Test vectors"). Exits 0 when the file could be
opened (its status may still be `truncated` or `corrupt`; what was found wrong goes to stderr),
and 1 with one sentence on stderr when it cannot be read at all.

With --seals it checks the hash chain and the SEAL chunks instead (Spec section "Seals") and
prints one JSON line, exactly as NAME.seals.json holds it (Spec section "Test vectors"); Ed25519
verification is written here from RFC 8032, so no library is needed.

Python 3.11 standard library only, plus libzstd through ctypes for zstd payloads. Each function
names the Spec section it implements.
"""

import base64
import decimal
import ctypes
import hashlib
import json
import struct
import sys
import zlib

MAX_US = 10**16 - 1                      # "Overview": max_us
MAX_U32 = 2**32 - 1
MAX_U64 = 2**64 - 1
MAX_STORED = MAX_DECODED = 33_554_432    # "Limits": 32 MiB
MAX_ITEMS = 2**24
MAX_META = 1_048_576                     # "Metadata": 1 MiB
MAX_INDICATORS_PER_CHUNK = 16            # "Limits": indicator events per EVENTS chunk

SIGNATURE = b"\x89PSR\r\n\x1a\n"
CHUNK_MAGIC = b"\xf5PCK"
TRAILER_PREFIX = b"PSREC-END idx="
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

META, EVENTS, INDEX, SEAL = 0x01, 0x02, 0x81, 0x82
FLAG_COLUMNAR = 0x0001
BPP = {1: 4, 2: 3, 3: 2}                 # "Pixel formats"
INDICATOR_NAMES = {0x04: "marker", 0x05: "command", 0x06: "click"}


class Unreadable(Exception):
    """The file cannot be opened at all ("Verdicts": cannot open)."""


class Malformed(Exception):
    """A structure breaks a rule of the Spec; its chunk (or trailer) is damaged."""


# ---------------------------------------------------------------- Integers

class Cursor:
    """Reads the fixed-width integers and varints of section "Integers" from buf[pos:end]."""

    def __init__(self, buf, pos=0, end=None):
        self.buf, self.pos = buf, pos
        self.end = len(buf) if end is None else end

    def left(self):
        return self.end - self.pos

    def take(self, n):
        if n > self.left():
            raise Malformed(f"a field of {n} bytes runs past the end ({self.left()} left)")
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def u8(self):
        return self.take(1)[0]

    def uvarint(self, limit=MAX_U64, what="value"):
        """Unsigned LEB128: at most 10 bytes, 10th byte 0x01, shortest encoding only."""
        value = shift = 0
        for i in range(10):
            if self.pos >= self.end:
                raise Malformed("a uvarint runs past the end of its field")
            byte = self.buf[self.pos]
            self.pos += 1
            if i == 9 and byte != 0x01:
                raise Malformed("a uvarint does not fit in 64 bits")
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte & 0x80 == 0:
                if i > 0 and byte == 0:
                    raise Malformed("an overlong uvarint")
                if value > limit:
                    raise Malformed(f"{what} {value} is over its limit {limit}")
                return value
        raise Malformed("a uvarint is longer than 10 bytes")

    def svarint(self):
        """Zigzag: n = (u >> 1) XOR -(u AND 1)."""
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)


# ---------------------------------------------------------------- Checksums

def salted_crc(salt_le, data):
    """CRC-32 continued over `data` after the file's 8 salt bytes, little-endian."""
    return zlib.crc32(data, zlib.crc32(salt_le))


# ---------------------------------------------------------------- File header

def check_file_header(data):
    """Section "File header", checks 1-6 in the Spec's order. Returns (salt bytes, minor)."""
    if data[:8] != SIGNATURE:
        raise Unreadable("this is not a psrec file (the signature does not match)")
    if len(data) < 32:
        raise Unreadable("the file is shorter than its 32-byte header")
    major, minor, flags, length, _salt, reserved, crc = struct.unpack_from("<BBHIQII", data, 8)
    if zlib.crc32(data[:28]) != crc:
        raise Unreadable("the file header fails its CRC")
    if major != 1:
        raise Unreadable(f"major version {major} is not supported (this reader knows 1)")
    if flags != 0:
        raise Unreadable(f"the file header flags are {flags:#06x}, not 0")
    if length != 32 or reserved != 0:
        raise Unreadable("the file header length is not 32 or its reserved field is not 0")
    return data[16:24], minor


# ---------------------------------------------------------------- Chunks

class ChunkHeader:
    __slots__ = ("offset", "type", "codec", "flags", "sequence", "stored", "decoded",
                 "items", "start", "end", "payload_crc")

    def __init__(self, offset, fields):
        self.offset = offset
        (self.type, self.codec, self.flags, self.sequence, self.stored, self.decoded,
         self.items, self.start, self.end, self.payload_crc, _hdr_crc) = fields

    @property
    def payload_offset(self):
        return self.offset + 48

    @property
    def next_offset(self):
        return self.offset + 48 + self.stored

    @property
    def ancillary(self):
        return self.type & 0x80 != 0


class HeaderFailure(Exception):
    """A chunk header fails check `step` of "Chunks", order of checks."""

    def __init__(self, step, message, header=None):
        super().__init__(message)
        self.step = step
        self.header = header    # the header's fields once its CRC held (steps 4 and later)


def check_chunk_header(data, salt_le, offset):
    """Section "Chunks", order of checks, steps 1-8 (step 9, the extent, is separate)."""
    if len(data) - offset < 48:                                              # 1
        raise HeaderFailure(1, "the file ends inside a chunk header")
    raw = data[offset:offset + 48]
    if raw[:4] != CHUNK_MAGIC:                                               # 2
        raise HeaderFailure(2, "no chunk magic")
    fields = struct.unpack_from("<BBHIIIIqqII", raw, 4)
    if salted_crc(salt_le, raw[:44]) != fields[-1]:                          # 3
        raise HeaderFailure(3, "the chunk header fails its salted CRC")
    h = ChunkHeader(offset, fields)
    if h.stored > MAX_STORED or h.decoded > MAX_DECODED or h.items > MAX_ITEMS:  # 4
        raise HeaderFailure(4, "a chunk length or item count is over its limit")
    if not 0 <= h.start <= h.end <= MAX_US:                                  # 5
        raise HeaderFailure(5, f"the chunk times {h.start}..{h.end} are out of order or range")
    if h.codec not in (0, 1, 2):                                             # 6
        raise HeaderFailure(6, f"codec {h.codec} is not supported", h)
    if h.codec == 0 and h.stored != h.decoded:                               # 7
        raise HeaderFailure(7, "an uncompressed chunk's stored and decoded lengths differ")
    if not h.ancillary:                                                      # 8
        known = FLAG_COLUMNAR if h.type == EVENTS else 0
        if h.flags & ~known:
            raise HeaderFailure(8, f"chunk flags {h.flags:#06x} are not supported on type {h.type:#04x}", h)
    return h


def chunk_within_file(data, h):
    """Section "Chunks", check 9: offset + 48 + stored_length <= file size."""
    return h.next_offset <= len(data)


def read_payload(data, salt_le, h):
    """Section "Chunks", check 11: payload CRC, then decompression to exactly decoded_length."""
    stored = data[h.payload_offset:h.next_offset]
    if salted_crc(salt_le, stored) != h.payload_crc:
        raise Malformed("the payload fails its salted CRC")
    return decompress(h, stored)


# ---------------------------------------------------------------- Compression

def decompress(h, stored):
    """Section "Compression", with the decompression-bomb rule."""
    if h.codec == 0:
        return stored
    if h.codec == 1:
        d = zlib.decompressobj()
        try:
            # At most decoded_length bytes out (max_length 0 would mean "unlimited", so a
            # chunk that declares 0 bytes allows 1, which the length check below rejects).
            out = d.decompress(stored, max(h.decoded, 1))
        except zlib.error as e:
            raise Malformed(f"the zlib stream is invalid ({e})") from None
        if not d.eof or d.unconsumed_tail or d.unused_data or len(out) != h.decoded:
            raise Malformed("the zlib stream does not decode to exactly decoded_length bytes "
                            "with no stored bytes left over")
        return out
    columnar = h.type == EVENTS and h.flags & FLAG_COLUMNAR
    return zstd_decompress(stored, h.decoded, several_frames=columnar)


_zstd = None


def zstd_library():
    global _zstd
    if _zstd is None:
        lib = ctypes.CDLL("libzstd.so.1")
        size_t, vp = ctypes.c_size_t, ctypes.c_void_p
        for name, res, args in [("ZSTD_decompress", size_t, [vp, size_t, vp, size_t]),
                                ("ZSTD_isError", ctypes.c_uint, [size_t]),
                                ("ZSTD_getErrorName", ctypes.c_char_p, [size_t]),
                                ("ZSTD_findFrameCompressedSize", size_t, [vp, size_t]),
                                ("ZSTD_getFrameContentSize", ctypes.c_ulonglong, [vp, size_t]),
                                ("ZSTD_getDictID_fromFrame", ctypes.c_uint, [vp, size_t])]:
            getattr(lib, name).restype = res
            getattr(lib, name).argtypes = args
        _zstd = lib
    return _zstd


def zstd_decompress(stored, decoded_length, several_frames):
    """Section "Compression", codec 2: one frame, or for a columnar EVENTS chunk one or more
    frames back to back, each starting with the zstd magic (no skippable frames), no
    dictionary, ending exactly at the end of the stored payload."""
    lib = zstd_library()
    src = ctypes.create_string_buffer(stored, len(stored))
    base = ctypes.addressof(src)
    pos, frames, stated, all_stated = 0, 0, 0, True
    while pos < len(stored):
        if stored[pos:pos + 4] != ZSTD_MAGIC:
            raise Malformed(f"zstd frame {frames} does not start with the zstd magic")
        size = lib.ZSTD_findFrameCompressedSize(base + pos, len(stored) - pos)
        if lib.ZSTD_isError(size):
            raise Malformed(f"zstd frame {frames} is invalid ({lib.ZSTD_getErrorName(size).decode()})")
        if lib.ZSTD_getDictID_fromFrame(base + pos, size) != 0:
            raise Malformed(f"zstd frame {frames} needs a dictionary")
        content = lib.ZSTD_getFrameContentSize(base + pos, size)
        if content == MAX_U64 - 1:                   # ZSTD_CONTENTSIZE_ERROR
            raise Malformed(f"zstd frame {frames} has an invalid header")
        if content == MAX_U64:                       # ZSTD_CONTENTSIZE_UNKNOWN
            all_stated = False
        else:
            stated += content
        pos += size
        frames += 1
    if frames == 0:
        raise Malformed("the zstd payload holds no frame")
    if frames > 1 and not several_frames:
        raise Malformed(f"the zstd payload holds {frames} frames; only a columnar EVENTS chunk may")
    if stated > decoded_length or (all_stated and stated != decoded_length):
        raise Malformed(f"the zstd frames state {stated} bytes, not decoded_length {decoded_length}")
    dst = ctypes.create_string_buffer(max(decoded_length, 1))
    n = lib.ZSTD_decompress(dst, decoded_length, base, len(stored))
    if lib.ZSTD_isError(n):
        raise Malformed(f"zstd decompression failed ({lib.ZSTD_getErrorName(n).decode()})")
    if n != decoded_length:
        raise Malformed(f"the zstd frames decode to {n} bytes, not decoded_length {decoded_length}")
    return dst.raw[:decoded_length]


# ---------------------------------------------------------------- Metadata

def check_metadata(payload):
    """Section "Metadata": a JSON object with recording_id, protocol and start_unix_us."""
    def no_constants(name):
        raise ValueError(f"{name} is not JSON")
    try:
        # A number with a fraction or exponent stays a Decimal, never an int ("Metadata").
        # A duplicate key: the first occurrence is used ("Metadata").
        def first_occurrence(pairs):
            obj = {}
            for key, value in pairs:
                obj.setdefault(key, value)
            return obj
        meta = json.loads(payload.decode("utf-8"), parse_constant=no_constants, parse_float=decimal.Decimal,
                          object_pairs_hook=first_occurrence)
    except ValueError as e:
        raise Malformed(f"the metadata is not JSON ({e})") from None
    if not isinstance(meta, dict):
        raise Malformed("the metadata is not a JSON object")
    def has_lone_surrogate(v):
        if isinstance(v, str):
            return any(0xD800 <= ord(ch) <= 0xDFFF for ch in v)
        if isinstance(v, list):
            return any(has_lone_surrogate(x) for x in v)
        if isinstance(v, dict):
            return any(has_lone_surrogate(k) or has_lone_surrogate(x) for k, x in v.items())
        return False
    if has_lone_surrogate(meta):
        raise Malformed("the metadata holds a lone surrogate escape")
    for key, names, limit in (("terminal", ("cols", "rows"), 65_535), ("screen", ("width", "height"), 16_384)):
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or any(type(value.get(n)) is not int or not 0 <= value[n] <= limit for n in names):
            raise Malformed(f"the metadata {key} is not an object of integers in range")
    rid, proto, start = meta.get("recording_id"), meta.get("protocol"), meta.get("start_unix_us")
    groups = rid.split("-") if isinstance(rid, str) else []
    if ([len(g) for g in groups] != [8, 4, 4, 4, 12]
            or not all(c in "0123456789abcdefABCDEF" for c in "".join(groups))):
        raise Malformed("the metadata has no valid recording_id")
    if proto not in ("ssh", "rdp"):
        raise Malformed("the metadata protocol is missing or neither ssh nor rdp")
    if type(start) is not int or not -MAX_US <= start <= MAX_US:
        raise Malformed("the metadata start_unix_us is missing or not an integer in range")
    return meta


# ---------------------------------------------------------------- Events

def decode_interleaved(h, payload):
    """Section "Events", interleaved layout (1.0): type, delta, length, body, back to back."""
    c, t, events = Cursor(payload), h.start, []
    while c.left():
        etype = c.u8()
        t += c.uvarint()
        if t > h.end:
            raise Malformed("an event time is after the chunk's end_us")
        length = c.uvarint(c.left(), "an event length")
        events.append((t, etype, c.take(length)))
    check_event_count_and_end(h, events, t)
    return events


def decode_columnar(h, payload):
    """Section "Columnar layout" (1.1): n types, n deltas, n lengths, then the bodies."""
    n = h.items
    if n > len(payload):                                                     # check 1
        raise Malformed("the item count exceeds the decoded payload")
    c = Cursor(payload, n)
    times, t = [], h.start
    for _ in range(n):                                                       # check 2
        t += c.uvarint()
        if t > h.end:
            raise Malformed("an event time is after the chunk's end_us")
        times.append(t)
    if n and t != h.end:
        raise Malformed("the last event's time is not the chunk's end_us")
    lengths = [c.uvarint(c.left(), "an event length") for _ in range(n)]     # check 3
    if sum(lengths) != c.left():
        raise Malformed("the event lengths do not add up to the bodies section")
    events = []
    for i in range(n):
        events.append((times[i], payload[i], c.take(lengths[i])))
    return events


def check_event_count_and_end(h, events, t):
    """Section "Events", time arithmetic: count = item_count; last time = end_us."""
    if len(events) != h.items:
        raise Malformed(f"the chunk holds {len(events)} events, its header says {h.items}")
    if events and t != h.end:
        raise Malformed("the last event's time is not the chunk's end_us")


def utf8_text(body):
    """Section "Integers", strings: invalid sequences become U+FFFD (allowed, as the reference)."""
    return body.decode("utf-8", errors="replace")


def decode_body(etype, body):
    """Section "Events", event types: the body's fields as (key, value) pairs in the order of
    section "Test vectors". Raises Malformed when the body breaks its validity rules."""
    c = Cursor(body)
    if etype in (0x01, 0x02):                                                # output, input
        try:
            fields = [("data", body.decode("utf-8"))]
        except UnicodeDecodeError:
            fields = [("data_base64", base64.b64encode(body).decode("ascii"))]
        c.pos = c.end
    elif etype == 0x03:                                                      # resize
        fields = [("cols", c.uvarint(65_535, "cols")), ("rows", c.uvarint(65_535, "rows"))]
    elif etype == 0x04:                                                      # marker
        fields = [("label", utf8_text(c.take(c.left())))]
    elif etype == 0x05:                                                      # command
        fields = [("text", utf8_text(c.take(c.left())))]
    elif etype == 0x06:                                                      # click
        fields = [("x", c.uvarint(262_144, "x")), ("y", c.uvarint(262_144, "y")), ("button", c.u8())]
    elif etype == 0x07:                                                      # exit
        fields = [("status", c.svarint())]
    elif etype == 0x08:                                                      # redacted-input
        fields = [("count", c.uvarint(33_554_432, "count"))]
    elif etype == 0x09:                                                      # gap
        names = ("from_us", "to_us", "from_offset", "to_offset")
        fields = [(name, c.uvarint(MAX_US, name)) for name in names]
        if fields[0][1] > fields[1][1] or fields[2][1] > fields[3][1]:
            raise Malformed("a gap's range is reversed")
    elif etype == 0x10:                                                      # screen-keyframe
        width, height = c.uvarint(16_384, "width"), c.uvarint(16_384, "height")
        fmt = c.u8()
        if width < 1 or height < 1 or fmt not in BPP:
            raise Malformed("a keyframe has an empty size or an unknown pixel format")
        pixels = c.take(width * height * BPP[fmt])
        fields = [("width", width), ("height", height), ("format", fmt),
                  ("pixels_crc32", zlib.crc32(pixels))]
    elif etype == 0x11:                                                      # screen-delta
        fmt = c.u8()
        if fmt not in BPP:
            raise Malformed(f"a delta has unknown pixel format {fmt}")
        count = c.uvarint(min(65_536, c.left()), "rectangle count")
        rects = []
        for _ in range(count):
            x, y = c.uvarint(16_384, "x"), c.uvarint(16_384, "y")
            w, hh = c.uvarint(16_384 - x, "x + width"), c.uvarint(16_384 - y, "y + height")
            pixels = c.take(w * hh * BPP[fmt])
            rects.append({"x": x, "y": y, "width": w, "height": hh, "pixels_crc32": zlib.crc32(pixels)})
        fields = [("format", fmt), ("rects", rects)]
    elif etype == 0x12:                                                      # pointer-move
        fields = [("x", c.uvarint(262_144, "x")), ("y", c.uvarint(262_144, "y"))]
    elif etype == 0x13:                                                      # key
        fields = [("keysym", c.uvarint(MAX_U32, "keysym")),
                  ("modifiers", c.uvarint(MAX_U32, "modifiers")),
                  ("down", c.u8() & 0x01 == 1)]
    else:                                                                    # unknown: skipped by length
        return f"unknown-0x{etype:02X}", [("type_byte", etype),
                                          ("body_base64", base64.b64encode(body).decode("ascii"))]
    if c.left():
        raise Malformed(f"event type {etype:#04x} has {c.left()} bytes left over in its body")
    return EVENT_NAMES[etype], fields


EVENT_NAMES = {0x01: "output", 0x02: "input", 0x03: "resize", 0x04: "marker", 0x05: "command",
               0x06: "click", 0x07: "exit", 0x08: "redacted-input", 0x09: "gap",
               0x10: "screen-keyframe", 0x11: "screen-delta", 0x12: "pointer-move", 0x13: "key"}


def decode_events_chunk(data, salt_le, h, minor):
    """Sections "Chunks" (steps 11-12) and "Events": the whole chunk is checked before any of
    its events is handed out, so a damaged chunk gives no events. Returns [(t, type, fields)]."""
    if h.flags & FLAG_COLUMNAR and minor < 1:
        raise Malformed("a columnar EVENTS chunk in a file whose header says 1.0")
    payload = read_payload(data, salt_le, h)
    layout = decode_columnar if h.flags & FLAG_COLUMNAR else decode_interleaved
    events = [(t, etype) + decode_body(etype, body) for t, etype, body in layout(h, payload)]
    if sum(1 for e in events if e[1] in INDICATOR_NAMES) > MAX_INDICATORS_PER_CHUNK:
        raise Malformed(f"the chunk holds more than {MAX_INDICATORS_PER_CHUNK} indicator events")
    return events


# ---------------------------------------------------------------- Index

class Index:
    def __init__(self, final, previous, entries, indicators):
        self.final, self.previous = final, previous
        self.entries = entries          # [(offset, sequence, start_us, duration, events)]
        self.indicators = indicators    # [(t, kind, ordinal, detail)]


def decode_index(h, payload):
    """Section "Index": flags, previous, the seek entries and the indicators, with every
    validity rule; `h.offset` is the INDEX chunk's own offset."""
    if h.start != h.end:
        raise Malformed("the INDEX chunk's start_us is not its end_us")
    c = Cursor(payload)
    flags = c.u8()
    if flags & 0xFE:
        raise Malformed("INDEX flags bits 1-7 are not 0")
    previous = c.uvarint()
    if previous != 0 and previous >= h.offset:
        raise Malformed("the INDEX previous offset is not before the chunk")
    # "Limits": one entry per chunk header that fits between offset 80 and the INDEX chunk.
    fits = (h.offset - 80) // 48 + 1 if h.offset >= 80 else 0
    count = c.uvarint(min(MAX_ITEMS, c.left() // 5, fits), "entry_count")
    entries, offset, seq, start = [], 0, 0, 0
    for i in range(count):
        d_offset, d_seq = c.uvarint(MAX_US, "d_offset"), c.uvarint(MAX_U32, "d_sequence")
        d_start, duration = c.uvarint(MAX_US, "d_start"), c.uvarint(MAX_US, "duration")
        events = c.uvarint(MAX_ITEMS, "events")
        if i == 0 and d_offset < 80:
            raise Malformed("the first INDEX entry points before offset 80")
        if i > 0 and (d_offset < 48 or d_seq == 0):
            raise Malformed("INDEX entries are not in file order, or less than 48 bytes apart")
        offset, seq, start = offset + d_offset, seq + d_seq, start + d_start
        if offset >= h.offset or seq > MAX_U32 or start > MAX_US:
            raise Malformed("an INDEX entry's offset, sequence or start is out of range")
        entries.append((offset, seq, start, duration, events))
    count = c.uvarint(min(MAX_ITEMS, c.left() // 4, len(entries) * MAX_INDICATORS_PER_CHUNK), "indicator_count")
    indicators, t, per_entry, detail_bytes = [], 0, [0] * len(entries), [0] * len(entries)
    for _ in range(count):
        t += c.uvarint()
        kind = c.u8()
        ordinal = c.uvarint()
        # "Index": the details of one chunk's indicators share 1024 bytes.
        shared = 1024 - detail_bytes[ordinal] if ordinal < len(entries) else 1024
        length = c.uvarint(min(shared, c.left()), "detail_length")
        if ordinal < len(entries):
            detail_bytes[ordinal] += length
        detail = c.take(length)
        if t > MAX_US or kind not in INDICATOR_NAMES or ordinal >= len(entries):
            raise Malformed("an INDEX indicator's time, kind or ordinal is invalid")
        per_entry[ordinal] += 1
        if per_entry[ordinal] > MAX_INDICATORS_PER_CHUNK:
            raise Malformed(f"an INDEX lists more than {MAX_INDICATORS_PER_CHUNK} indicators for one chunk")
        indicators.append((t, kind, ordinal, detail))
    if c.left():
        raise Malformed("bytes are left over after the last INDEX indicator")
    if len(entries) + len(indicators) != h.items:
        raise Malformed("the INDEX item count is not entry_count + indicator_count")
    return Index(flags & 1 == 1, previous, entries, indicators)


# ---------------------------------------------------------------- Trailer

def parse_trailer(raw, salt_le):
    """Section "Trailer", validity 1 (syntax) and 2 (checksum). Returns (idx, seq, dur)."""
    def digits(a, b):
        return all(0x30 <= ch <= 0x39 for ch in raw[a:b])
    if (len(raw) != 80 or raw[0:14] != TRAILER_PREFIX or raw[30:35] != b" seq="
            or raw[45:50] != b" dur=" or raw[66:71] != b" crc=" or raw[79] != 0x0A
            or not (digits(14, 30) and digits(35, 45) and digits(50, 66))
            or not all(ch in b"0123456789abcdef" for ch in raw[71:79])):
        raise Malformed("the trailer's syntax is wrong")
    idx, seq, dur = int(raw[14:30]), int(raw[35:45]), int(raw[50:66])
    if seq > MAX_U32:
        raise Malformed("the trailer's seq is over 4294967295")
    if int(raw[71:79], 16) != salted_crc(salt_le, raw[:66]):
        raise Malformed("the trailer fails its salted CRC")
    return idx, seq, dur


# ---------------------------------------------------------------- Reading

class Result:
    def __init__(self):
        self.status = "truncated"
        self.duration = 0
        self.chunks = []          # EVENTS chunk headers to play, in file order
        self.indicators = {}      # indicator name -> count
        self.reports = []         # what was found wrong (any report makes the file corrupt)
        self.events = []          # decoded events, in order
        self.listed = None        # when scanning: EVENTS chunk offset -> indicators an INDEX lists

    def report(self, offset, message):
        self.reports.append(f"offset {offset}: {message}")


def open_complete(data, salt_le):
    """Section "Reading", complete files: trailer, final index, META. Returns a Result, or
    None to fall back to scanning (the scan will find and report what is wrong)."""
    size = len(data)
    if size < 208:
        return None
    try:
        idx, seq, dur = parse_trailer(data[size - 80:], salt_le)             # Trailer 1, 2
        if not 32 < idx < size - 80:
            return None
        h = check_chunk_header(data, salt_le, idx)                           # Trailer 3
        if (not chunk_within_file(data, h) or h.type != INDEX or h.sequence != seq
                or h.next_offset != size - 80):                              # Trailer 4
            return None
        index = decode_index(h, read_payload(data, salt_le, h))
        if not index.final:
            return None
        meta = check_chunk_header(data, salt_le, 32)                         # Reading 3
        if (not chunk_within_file(data, meta) or meta.type != META or meta.sequence != 0
                or meta.decoded > MAX_META or meta.start != 0 or meta.end != 0):
            return None
        check_metadata(read_payload(data, salt_le, meta))
    except (Malformed, HeaderFailure):
        return None
    result = Result()
    result.status, result.duration = "complete", dur
    for offset, sequence, start, duration, events in index.entries:
        try:
            eh = check_chunk_header(data, salt_le, offset)
        except HeaderFailure as e:
            result.report(offset, f"the index names a chunk here, but {e}")
            continue
        if (not chunk_within_file(data, eh) or eh.type != EVENTS or eh.sequence != sequence
                or eh.start != start or eh.end != start + duration or eh.items != events):
            result.report(offset, "the chunk here is not the EVENTS chunk the final index names")
            continue
        result.chunks.append(eh)
    for _t, kind, _ordinal, _detail in index.indicators:
        name = INDICATOR_NAMES[kind]
        result.indicators[name] = result.indicators.get(name, 0) + 1
    return result


def scan(data, salt_le):
    """Section "Reading", scanning: truncated and damaged files."""
    result, size = Result(), len(data)
    result.listed = {}
    offset, last_seq, max_end = 32, None, 0
    meta_seen, meta_cut = False, size == 32     # a file cut right after its header
    last_index = None             # (offset, Index) of the last INDEX chunk read
    last_accepted = None          # offset of the last chunk accepted (steps 5 and 6 passed)
    chunks_at_last_index = 0      # EVENTS chunks found when the last valid INDEX chunk was read
    trailer_dur = None            # the trailer's dur, once a valid trailer is met
    while offset < size:
        try:
            h = check_chunk_header(data, salt_le, offset)                    # step 1
        except HeaderFailure as failure:
            rest = data[offset:]
            if failure.step == 1 and not rest.startswith(TRAILER_PREFIX):    # step 2
                meta_cut = meta_cut or offset == 32
                break
            if rest.startswith(TRAILER_PREFIX):                              # steps 2, 3
                trailer_dur = scan_trailer(data, salt_le, offset, result, last_index, last_seq, last_accepted)
                break
            if not any(rest):                                                # step 3: zero tail
                break
            if failure.step in (6, 8):
                # Unsupported, its CRC held: no resynchronisation. An ancillary chunk that ends
                # within the file is skipped without steps 5 and 6 (its sequence number becomes
                # the previous one, its end_us is not counted); anything else is reported as
                # unsupported and scanning stops.
                uh = failure.header
                if uh is not None and uh.ancillary and chunk_within_file(data, uh):
                    last_seq, last_accepted = uh.sequence, offset
                    offset = uh.next_offset
                    continue
                result.report(offset, f"unsupported chunk: {failure}")
                break
            found = resynchronise(data, salt_le, offset)
            result.report(offset, f"damage ({failure}); skipped bytes {offset} to {found}")
            offset = found
            continue
        if not chunk_within_file(data, h):                                   # step 4
            meta_cut = meta_cut or offset == 32
            break
        expected = 0 if last_seq is None else last_seq + 1                   # step 5
        if last_seq is not None and h.sequence <= last_seq:
            result.report(offset, f"sequence {h.sequence} is a duplicate or out of order; skipped")
            offset = h.next_offset
            continue
        if h.sequence != expected:
            result.report(offset, f"sequence gap: expected {expected}, found {h.sequence}")
        if h.start < max_end:                                                # step 6
            result.report(offset, f"start_us {h.start} is before an earlier chunk's end; skipped")
            offset = h.next_offset
            continue
        last_seq, max_end, last_accepted = h.sequence, max(max_end, h.end), offset
        if h.type == META:                                                   # step 7
            if offset != 32:
                result.report(offset, "a META chunk after the first chunk; skipped")
            else:
                meta_seen = True
                read_meta(data, salt_le, h, result)
        elif h.type == EVENTS:
            result.chunks.append(h)
        elif h.type == INDEX:
            try:
                index = decode_index(h, read_payload(data, salt_le, h))
                # "Index", consistency, checked when scanning: exactly the EVENTS chunks
                # since the previous index (a final index: all of them).
                since = result.chunks if index.final else result.chunks[chunks_at_last_index:]
                found = [(c.offset, c.sequence, c.start, c.end - c.start, c.items) for c in since]
                if index.entries != found:
                    raise Malformed("the INDEX does not list exactly the EVENTS chunks found "
                                    "since the previous INDEX chunk (a final one: all of them)")
            except Malformed as e:
                result.report(offset, f"bad INDEX chunk: {e}")
            else:
                last_index = (offset, index)
                chunks_at_last_index = len(result.chunks)
                names = [[] for _ in index.entries]
                for _t, kind, ordinal, _detail in index.indicators:
                    names[ordinal].append(INDICATOR_NAMES[kind])
                for entry, entry_names in zip(index.entries, names):
                    result.listed.setdefault(entry[0], entry_names)
        elif not h.ancillary:
            result.report(offset, f"unknown critical chunk type {h.type:#04x}; reading stops here")
            break
        offset = h.next_offset                                               # step 8
    if not meta_seen and not meta_cut:
        result.report(32, "no valid META chunk (metadata missing)")
    # A valid trailer ends the scan; the file is complete if nothing is reported (read_file).
    if trailer_dur is not None:
        result.status, result.duration = "complete", trailer_dur
    return result


def read_meta(data, salt_le, h, result):
    """Section "Reading", scanning step 7, and "Metadata": the META chunk at offset 32."""
    try:
        if h.start != 0 or h.end != 0:
            raise Malformed("the META chunk's start_us and end_us are not 0")
        if h.decoded > MAX_META:
            raise Malformed("the META payload is over 1 MiB")
        check_metadata(read_payload(data, salt_le, h))
    except Malformed as e:
        result.report(h.offset, f"bad META chunk: {e}")


def scan_trailer(data, salt_le, offset, result, last_index, last_seq, last_accepted):
    """Section "Reading", trailer met while scanning. Returns its dur if it is valid."""
    if len(data) - offset < 80:
        return None                                      # cut short: truncated while closing
    try:
        idx, seq, dur = parse_trailer(data[offset:offset + 80], salt_le)
    except Malformed as e:
        result.report(offset, f"bad trailer: {e}")
        return None
    # "Trailer": the final index is the last chunk; nothing comes between it and the trailer.
    if (last_index is None or idx != last_index[0] or idx != last_accepted or seq != last_seq
            or not last_index[1].final):
        result.report(offset, "the trailer does not name the last chunk accepted, a final "
                              "INDEX chunk, and its sequence number")
    if offset + 80 != len(data):
        result.report(offset + 80, f"{len(data) - offset - 80} bytes follow the trailer")
    return dur


def resynchronise(data, salt_le, damaged):
    """Section "Reading", resynchronising: the next chunk magic with a header passing checks
    2-8, or the next `PSREC-END idx=` with a valid trailer; the end of the file if none."""
    pos = damaged + 1
    while True:
        candidates = [p for p in (data.find(CHUNK_MAGIC, pos), data.find(TRAILER_PREFIX, pos)) if p >= 0]
        if not candidates:
            return len(data)
        pos = min(candidates)
        try:
            if data.startswith(CHUNK_MAGIC, pos):
                check_chunk_header(data, salt_le, pos)
            else:
                parse_trailer(data[pos:pos + 80], salt_le)
            return pos
        except (HeaderFailure, Malformed):
            pos += 1


def play(data, salt_le, result, minor):
    """Decode every EVENTS chunk in order; a damaged one is reported and skipped ("Reading")."""
    for h in result.chunks:
        try:
            events = decode_events_chunk(data, salt_le, h, minor)
        except Malformed as e:
            result.report(h.offset, f"damaged EVENTS chunk: {e}")
            continue
        result.events.extend(events)
        if result.listed is not None:
            # "Indicators when scanning": as listed by an INDEX chunk, else from the events.
            names = result.listed.get(h.offset)
            if names is None:
                names = [name for _t, etype, name, _f in events if etype in INDICATOR_NAMES]
            for name in names:
                result.indicators[name] = result.indicators.get(name, 0) + 1


def read_file(path):
    """Section "Reading": the file header, then the trailer path or a scan, then playing."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Unreadable(f"cannot read the file ({e.strerror})") from None
    return read_recording(data)


def read_recording(data):
    """Section "Reading" on the bytes of a whole file."""
    salt_le, minor = check_file_header(data)
    # "Versioning": a file of a later minor version is opened by scanning, to meet every chunk.
    result = open_complete(data, salt_le) if minor <= 2 else None
    if result is None:
        result = scan(data, salt_le)
    play(data, salt_le, result, minor)
    if result.reports:
        result.status = "corrupt"
    # "Test vectors": duration_us is the trailer's dur for a complete file, otherwise the
    # end_us of the last EVENTS chunk (0 when there is none).
    if result.status != "complete":
        result.duration = result.chunks[-1].end if result.chunks else 0
    return result


# ---------------------------------------------------------------- Seals: Ed25519 (RFC 8032)

ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)


def ed_recover_x(y, sign):
    """RFC 8032 section 5.1.3, steps 2-4: x from y and the sign bit, or None."""
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * ED_SQRT_M1 % ED_P
    if (x * x - x2) % ED_P != 0:
        return None
    if x & 1 != sign:
        x = ED_P - x
    return x


def ed_add(p, q):
    """Point addition in extended coordinates (RFC 8032 section 5.1.4)."""
    a = (p[1] - p[0]) * (q[1] - q[0]) % ED_P
    b = (p[1] + p[0]) * (q[1] + q[0]) % ED_P
    c = 2 * p[3] * q[3] * ED_D % ED_P
    d = 2 * p[2] * q[2] % ED_P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % ED_P, g * h % ED_P, f * g % ED_P, e * h % ED_P)


def ed_multiply(scalar, point):
    result = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = ed_add(result, point)
        point = ed_add(point, point)
        scalar >>= 1
    return result


def ed_decode_point(raw):
    """RFC 8032 section 5.1.3: a 32-byte encoding to a point, or None."""
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = ed_recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % ED_P)


ED_BASE_Y = 4 * pow(5, ED_P - 2, ED_P) % ED_P
ED_BASE = (ed_recover_x(ED_BASE_Y, 0), ED_BASE_Y, 1, ed_recover_x(ED_BASE_Y, 0) * ED_BASE_Y % ED_P)


def ed25519_verify(public, message, signature):
    """RFC 8032 section 5.1.7: [8][S]B = [8]R + [8][k]A', checked here as [S]B = R + [k]A."""
    if len(signature) != 64:
        return False
    a, r = ed_decode_point(public), ed_decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= ED_L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % ED_L
    left, right = ed_multiply(s, ED_BASE), ed_add(r, ed_multiply(k, a))
    return ((left[0] * right[2] - right[0] * left[2]) % ED_P == 0
            and (left[1] * right[2] - right[1] * left[2]) % ED_P == 0)


# ---------------------------------------------------------------- Seals: chain and SEAL chunks

def check_seals(data):
    """Section "Seals": the chain over the chunks in file order and each SEAL chunk, steps
    1-4 (no trust store: the key is the one the metadata names). Returns the report as a dict
    in the key order of NAME.seals.json."""
    salt_le, _minor = check_file_header(data)
    chain = hashlib.sha256(b"psrec chain 1\x00" + data[:32]).digest()
    marks = []                      # chain values (first 4 bytes) since the last seal
    meta = None
    seals = valid = 0
    sealed_to = sealed_seq = None
    previous_seal = None
    problem = None                  # (kind, sequence)
    damaged = False
    offset = 32
    while len(data) - offset >= 48 and not data[offset:].startswith(TRAILER_PREFIX):
        try:
            h = check_chunk_header(data, salt_le, offset)
        except HeaderFailure:
            damaged = True
            break
        if not chunk_within_file(data, h):
            break
        if h.type == META and offset == 32:
            try:
                meta = check_metadata(read_payload(data, salt_le, h))
            except Malformed:
                meta = None
        elif h.type == SEAL:
            seals += 1
            first = 0 if previous_seal is None else previous_seal + 1
            previous_seal = h.sequence
            if problem is None:
                problem = check_one_seal(data, salt_le, h, meta, chain, marks, first)
                if problem is None:
                    valid += 1
                    sealed_to, sealed_seq = h.start, h.sequence
        chain = hashlib.sha256(chain + data[offset:h.next_offset]).digest()
        marks = [] if h.type == SEAL else marks + [chain[:4]]
        offset = h.next_offset
    fingerprint = meta.get("seal_key_fingerprint") if meta else None
    if problem is not None:
        status = problem[0]
    elif seals == 0:
        status = "unsealed" if fingerprint is None else "notSealed"
    else:
        status = "unverified"
    if problem is None and damaged and (seals or fingerprint is not None):
        problem = ("chainBroken", None)
    return {"status": status, "key_id": meta.get("seal_key_id") if meta else None,
            "key_fingerprint": fingerprint, "seals": seals, "valid_seals": valid,
            "sealed_to_us": sealed_to, "sealed_sequence": sealed_seq,
            "problem": problem[0] if problem else None,
            "problem_sequence": problem[1] if problem else None}


def check_one_seal(data, salt_le, h, meta, chain, marks, first):
    """Section "Seals", verifying steps 1-4 for one SEAL chunk; None when it holds, else
    (kind, sequence of the chunk concerned)."""
    payload = data[h.payload_offset:h.next_offset]
    if h.codec != 0 or salted_crc(salt_le, payload) != h.payload_crc:           # 1
        return ("malformed", h.sequence)
    if len(payload) < 130 or payload[0] != 1:
        return ("malformed", h.sequence)
    cur = Cursor(payload, 129)
    try:
        count = cur.uvarint()
    except Malformed:
        return ("malformed", h.sequence)
    if count > MAX_ITEMS or len(payload) - cur.pos != 4 * count or meta is None:
        return ("malformed", h.sequence)
    stored_chain, public, signature = payload[1:33], payload[33:65], payload[65:129]
    seal_marks = [payload[cur.pos + 4 * i:cur.pos + 4 * i + 4] for i in range(count)]
    if hashlib.sha256(public).hexdigest() != meta.get("seal_key_fingerprint"):   # 2
        return ("foreignKey", h.sequence)
    message = (b"psrec seal 1\x00" + bytes.fromhex(meta["recording_id"].replace("-", ""))
               + struct.pack("<Iq", h.sequence, h.start) + stored_chain)
    # Step 3: a seal renumbered because chunks before it were removed or added holds for
    # the sequence first + mark_count; that is an alteration (step 4), not a misplaced seal.
    implied = first + count
    renumbered = implied != h.sequence and implied <= MAX_U32 and ed25519_verify(
        public, message[:29] + struct.pack("<I", implied) + message[33:], signature)
    if not renumbered and not ed25519_verify(public, message, signature):        # 3
        return ("misplaced", h.sequence)
    if stored_chain != chain or renumbered:                                      # 4
        for i, (ours, theirs) in enumerate(zip(marks, seal_marks)):
            if ours != theirs:
                return ("altered", first + i)
        return ("altered", h.sequence)
    return None


# ---------------------------------------------------------------- Test vectors

# Section "Test vectors": the scalars written as \\u escapes (controls, and the format
# characters of Unicode 15.1, listed in the Spec rather than taken from unicodedata).
UNSAFE_SCALARS = [(0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605),
                  (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
                  (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x2029),
                  (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
                  (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
                  (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F)]


def json_string(s):
    """Section "Test vectors": escape " and \\, LF CR tab as \\n \\r \\t, the other unsafe
    scalars as \\u and four lower-case hex digits (a surrogate pair above U+FFFF), everything
    else as UTF-8."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif any(lo <= code <= hi for lo, hi in UNSAFE_SCALARS):
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_value(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json_string(v)
    if isinstance(v, list):
        return "[" + ",".join(json_value(x) for x in v) + "]"
    return "{" + ",".join(json_string(k) + ":" + json_value(x) for k, x in v.items()) + "}"


def info_line(result):
    indicators = dict(sorted(result.indicators.items()))
    return json_value({"status": result.status, "duration_us": result.duration,
                       "event_chunks": len(result.chunks),
                       "events": sum(h.items for h in result.chunks),
                       "indicators": indicators})


def event_line(event):
    t, _etype, name, fields = event
    return json_value({"t": t, "type": name, **dict(fields)})


def main(argv):
    if len(argv) == 3 and argv[1] == "--seals":
        try:
            with open(argv[2], "rb") as f:
                report = check_seals(f.read())
        except (OSError, Unreadable) as e:
            print(f"psrec_reader: {argv[2]}: {e}.", file=sys.stderr)
            return 1
        sys.stdout.buffer.write((json_value(report) + "\n").encode("utf-8"))
        return 0
    if len(argv) != 2:
        print("usage: python3 psrec_reader.py [--seals] FILE.psrec", file=sys.stderr)
        return 1
    try:
        result = read_file(argv[1])
    except Unreadable as e:
        print(f"psrec_reader: {argv[1]}: {e}.", file=sys.stderr)
        return 1
    for line in result.reports:
        print(f"psrec_reader: {line}", file=sys.stderr)
    lines = [info_line(result), "---"] + [event_line(e) for e in result.events]
    sys.stdout.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
