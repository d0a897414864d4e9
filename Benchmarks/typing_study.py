#!/usr/bin/env python3
"""How small can a psrec file of the benchmark "typing" workload be?

Measures (everything exact to the microsecond, nothing quantised):
  1. the compressibility of the timing stream (inter-event deltas) and of the event lengths,
  2. the entropy the generator (Benchmarks/workloads.py, `typing`) puts into the times,
  3. interleaved (format 1.0) versus columnar (format 1.1) EVENTS payloads, 60 s and 1 s chunks,
  4. zstd level 1..5 / long-distance matching sensitivity.

It was written before format 1.1 and led to it; the README's "Where a target is missed" quotes
it. zstd is the system libzstd (the one psrec links, via ctypes), so sizes match the CLI and
psrec. The workloads folder (default /tmp/wl, read only) holds NAME.raw and NAME.ttyrec as
`Benchmarks/run --keep` leaves them, and NAME.psrec written in format 1.0, which the study's
simulated writer reproduces byte for byte as a check:

    psrec convert typing.ttyrec --format-version 1.0 -o typing.psrec

Run:  python3 Benchmarks/typing_study.py [--workloads DIR] [--skip-bulk] [--json OUT.json]
(the results go to stdout as JSON, and to OUT.json; progress and the main figures to stderr)
Single-threaded; about 3-5 minutes of CPU.
"""

import ctypes
import json
import lzma
import math
import os
import random
import struct
import subprocess
import sys
import time
import types
from collections import Counter, defaultdict

WL = sys.argv[sys.argv.index("--workloads") + 1] if "--workloads" in sys.argv else "/tmp/wl"
BENCH = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
MB = 1_000_000  # the benchmark's sizes (12.07 MB etc.) are decimal megabytes
START_UNIX = 1_760_000_000
MAX_CHUNK_BYTES = 256 * 1024
INDEX_EVERY = 64

# ---------------------------------------------------------------- zstd through ctypes (libzstd 1.5.4)
_z = ctypes.CDLL("libzstd.so.1")
_z.ZSTD_compressBound.restype = ctypes.c_size_t
_z.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_z.ZSTD_createCCtx.restype = ctypes.c_void_p
_z.ZSTD_CCtx_setParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_z.ZSTD_CCtx_setParameter.restype = ctypes.c_size_t
_z.ZSTD_CCtx_reset.argtypes = [ctypes.c_void_p, ctypes.c_int]
_z.ZSTD_CCtx_reset.restype = ctypes.c_size_t
_z.ZSTD_compress2.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
_z.ZSTD_compress2.restype = ctypes.c_size_t
_z.ZSTD_isError.argtypes = [ctypes.c_size_t]
_z.ZSTD_isError.restype = ctypes.c_uint
_z.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
_z.ZSTD_decompress.restype = ctypes.c_size_t
_z.ZSTD_versionNumber.restype = ctypes.c_uint
C_LEVEL, C_WINDOWLOG, C_LDM, C_CHECKSUM = 100, 101, 160, 201
_cctx = _z.ZSTD_createCCtx()
_buf = [None, 0]


def zsize(data, level=3, long=None):
    """Size of one zstd frame of `data` (like ZSTD_compressCCtx: content size, no checksum).
    long=N: long-distance matching with windowLog N (as `zstd --long=N`)."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    _z.ZSTD_CCtx_reset(_cctx, 3)
    _z.ZSTD_CCtx_setParameter(_cctx, C_LEVEL, level)
    if long:
        _z.ZSTD_CCtx_setParameter(_cctx, C_LDM, 1)
        _z.ZSTD_CCtx_setParameter(_cctx, C_WINDOWLOG, long)
    bound = _z.ZSTD_compressBound(len(data))
    if _buf[1] < bound:
        _buf[0], _buf[1] = ctypes.create_string_buffer(bound), bound
    n = _z.ZSTD_compress2(_cctx, _buf[0], bound, data, len(data))
    assert not _z.ZSTD_isError(n)
    return n


def zdecompress(data, size):
    out = ctypes.create_string_buffer(max(size, 1))
    n = _z.ZSTD_decompress(out, size, data, len(data))
    assert n == size
    return out.raw[:size]


def stored(data, level=3, long=None):
    """A chunk payload as psrec stores it: compressed, or raw when that is not smaller."""
    return min(len(data), zsize(data, level, long)) if data else 0


# ---------------------------------------------------------------- integers
def uv(n, out):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def uvs(values):
    out = bytearray()
    for v in values:
        uv(v, out)
    return bytes(out)


def sv(n, out):
    uv((n << 1) ^ (n >> 63) if n >= 0 else ((-n) << 1) - 1, out)


def read_uv(b, i):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        if c < 0x80:
            return n, i
        shift += 7


# ---------------------------------------------------------------- inputs
def load_ttyrec(path):
    """[(session µs, bytes)], session time 0 = START_UNIX as in workloads.py."""
    data = open(path, "rb").read()
    events, i, base = [], 0, START_UNIX * 1_000_000
    while i < len(data):
        s, u, n = struct.unpack_from("<III", data, i)
        events.append((s * 1_000_000 + u - base, data[i + 12:i + 12 + n]))
        i += 12 + n
    return events


def parse_psrec(path):
    """Chunks of a psrec file: dicts with type, stored, decoded, items, start, end, payload (decoded for EVENTS)."""
    data = open(path, "rb").read()
    pos, chunks = 32, []
    while pos + 48 <= len(data) and data[pos:pos + 4] == b"\xF5PCK":
        typ, codec, flags, seq, st, dec, items, start, end = struct.unpack_from("<BBHIIIIqq", data, pos + 4)
        raw = data[pos + 48:pos + 48 + st]
        payload = zdecompress(raw, dec) if codec == 2 else raw
        chunks.append(dict(type=typ, codec=codec, seq=seq, stored=st, decoded=dec, items=items,
                           start=start, end=end, payload=payload))
        pos += 48 + st
    return chunks, len(data) - pos, len(data)


def events_of_payload(p, start):
    out, i, t = [], 0, start
    while i < len(p):
        typ = p[i]
        d, i = read_uv(p, i + 1)
        n, i = read_uv(p, i)
        t += d
        out.append((t, typ, p[i:i + n]))
        i += n
    return out


# ---------------------------------------------------------------- the writer, simulated
def cut_chunks(events, interval_us, max_bytes=MAX_CHUNK_BYTES):
    """Chunk boundaries exactly as RecordingWriter makes them (time interval, 256 KiB bound,
    +21 estimate). `events`: [(t, type, body)] with bodies ≤ 256 KiB. Returns [(i, j)] ranges."""
    ranges, first, pend, start, count = [], 0, 0, 0, 0
    prev_t = 0
    for k, (t, typ, body) in enumerate(events):
        if count and t - start >= interval_us:
            ranges.append((first, k)); first, pend, count = k, 0, 0
        if count and pend + len(body) + 21 > max_bytes:
            ranges.append((first, k)); first, pend, count = k, 0, 0
        if count == 0:
            start = t
        d = t - (start if count == 0 else prev_t)
        pend += 1 + len(uvs([d])) + len(uvs([len(body)])) + len(body)
        count += 1
        prev_t = t
        if pend >= max_bytes:
            ranges.append((first, k + 1)); first, pend, count = k + 1, 0, 0
    if count:
        ranges.append((first, len(events)))
    return ranges


def chunk_columns(events, i, j):
    """(types, deltas, lengths, bodies) of one chunk; the first delta is 0 (start_us = first time)."""
    ts = [e[0] for e in events[i:j]]
    deltas = [0] + [b - a for a, b in zip(ts, ts[1:])]
    return [e[1] for e in events[i:j]], deltas, [len(e[2]) for e in events[i:j]], [e[2] for e in events[i:j]]


def layout_interleaved(typs, deltas, lens, bodies):
    out = bytearray()
    for ty, d, n, b in zip(typs, deltas, lens, bodies):
        out.append(ty); uv(d, out); uv(n, out); out += b
    return bytes(out)


def bucket_split(values):
    """Times as an Elias-gamma-like pair: one byte per value (bit length, and the bit below the
    top one), then the remaining low bits packed raw. Returns (bucket bytes, packed bits)."""
    sym, acc, nbits, packed = bytearray(), 0, 0, bytearray()
    for v in values:
        bl = v.bit_length()
        if bl <= 2:
            sym.append(v)  # 0..3 exact
            continue
        top2 = (v >> (bl - 2)) & 1
        sym.append(4 + 2 * (bl - 3) + top2)
        k = bl - 2
        acc |= (v & ((1 << k) - 1)) << nbits
        nbits += k
        while nbits >= 8:
            packed.append(acc & 0xFF); acc >>= 8; nbits -= 8
    if nbits:
        packed.append(acc & 0xFF)
    return bytes(sym), bytes(packed)


def crlf_lengths(bodies):
    """Lengths told by the content: an event that ends with its c-th CR LF is coded as c;
    any other as 0 then its length. Decodable from the concatenated bodies."""
    out = bytearray()
    for b in bodies:
        c = b.count(b"\r\n")
        if c and b.endswith(b"\r\n"):
            uv(c, out)
        else:
            out.append(0); uv(len(b), out)
    return bytes(out)


def payload_sizes(cols, layout, level=3, long=None):
    """Stored payload size of one chunk in a layout."""
    typs, deltas, lens, bodies = cols
    if layout == "interleaved":
        return stored(layout_interleaved(*cols), level, long)
    T, D, L, B = bytes(typs), uvs(deltas), uvs(lens), b"".join(bodies)
    if layout == "raw-bodies":  # the output bytes alone, per chunk: no framing, no times
        return stored(B, level, long)
    if layout == "columnar-1frame":  # sections are self-delimiting given item_count: no extra bytes
        return stored(T + D + L + B, level, long)
    if layout == "columnar-4frames":  # each section its own frame (or raw), 3 section sizes as uvarints
        parts = [stored(x, level) for x in (T, D, L)] + [stored(B, level, long)]
        return sum(parts) + len(uvs(parts[:3]))
    if layout == "columnar-1frame-bucketed-times":
        sym, bits = bucket_split(deltas)
        return stored(T + sym + L + bits + B, level, long)
    if layout == "columnar-4frames-bucketed-times":
        sym, bits = bucket_split(deltas)
        parts = [stored(x, level) for x in (T, sym, L)] + [stored(B, level, long), len(bits)]
        return sum(parts) + len(uvs(parts[:4]))
    if layout == "columnar-4frames-bucketed-times-crlf-lengths":
        sym, bits = bucket_split(deltas)
        parts = [stored(x, level) for x in (T, sym, crlf_lengths(bodies))] + [stored(B, level, long), len(bits)]
        return sum(parts) + len(uvs(parts[:4]))
    raise ValueError(layout)


def index_payload(entries, previous, final):
    """INDEX payload per Spec/format.md#index (no indicators in these workloads)."""
    out = bytearray([1 if final else 0])
    uv(previous, out); uv(len(entries), out)
    po = ps = pt = 0
    for off, seq, start, end, n in entries:
        uv(off - po, out); uv(seq - ps, out); uv(start - pt, out); uv(end - start, out); uv(n, out)
        po, ps, pt = off, seq, start
    uv(0, out)
    return bytes(out)


def simulate_file(events, interval_us, layout, meta_stored, level=3, long=None, ranges=None):
    """Total file size: header, META (size taken from the real file), EVENTS, partial and final
    INDEX chunks (zstd-3, as the writer does), trailer."""
    ranges = ranges or cut_chunks(events, interval_us)
    offset, seq = 32 + 48 + meta_stored, 1
    partial, final, prev_index, payload_total = [], [], 0, 0
    for i, j in ranges:
        size = payload_sizes(chunk_columns(events, i, j), layout, level, long)
        entry = (offset, seq, events[i][0], events[j - 1][0], j - i)
        partial.append(entry); final.append(entry)
        offset += 48 + size; seq += 1; payload_total += size
        if len(partial) >= INDEX_EVERY:
            p = index_payload(partial, prev_index, False)
            prev_index, partial = offset, []
            offset += 48 + stored(p); seq += 1
    p = index_payload(final, prev_index, True)
    offset += 48 + stored(p)
    return dict(total=offset + 80, chunks=len(ranges), events_payload=payload_total,
                headers=48 * len(ranges), overhead=offset + 80 - payload_total - 48 * len(ranges))


# ---------------------------------------------------------------- entropy helpers
def adaptive_cost_bits(symbols, ctx_fn=None, alphabet=None):
    """Ideal code length (bits) of an adaptive frequency model (KT-like, +0.5 counts), optionally
    conditioned on a context; what an arithmetic coder would achieve to within a few bytes."""
    alphabet = alphabet or (max(symbols) + 1)
    counts = defaultdict(lambda: [0, None])
    bits, prev = 0.0, ()
    for k, s in enumerate(symbols):
        c = ctx_fn(symbols, k) if ctx_fn else 0
        e = counts[c]
        if e[1] is None:
            e[1] = Counter()
        bits -= math.log2((e[1][s] + 0.5) / (e[0] + 0.5 * alphabet))
        e[1][s] += 1
        e[0] += 1
    return bits


def bucket_model_bits(values, order):
    """Adaptive model of the bucket symbol (bit length + next bit) with `order` previous symbols
    as context, plus the low bits raw."""
    sym, bits = bucket_split(values)
    raw_bits = sum(max(0, v.bit_length() - 2) for v in values)
    ctx = (lambda s, k: tuple(s[max(0, k - order):k])) if order else None
    return adaptive_cost_bits(list(sym), ctx, alphabet=4 + 2 * 62) + raw_bits


def plugin_entropy_bits(values):
    c, n = Counter(values), len(values)
    return -sum(k * math.log2(k / n) for k in c.values())


def h_uniform(a, b): return math.log2(b - a)
def h_lognormal(mu, s): return (mu + 0.5 + math.log(s * math.sqrt(2 * math.pi))) / math.log(2)
def h_exponential(mean): return (1 + math.log(mean)) / math.log(2)


# ---------------------------------------------------------------- the generator, replayed
def replay_typing(target_events=1_000_000):
    """Runs workloads.typing with a random generator that records which distribution drew each
    delay, and a Session that records instead of writing. Returns [(t, data, cls, params)], scale."""
    sys.path.insert(0, BENCH)
    import workloads
    draws = []

    class Rec(random.Random):
        def uniform(self, a, b):
            v = super().uniform(a, b); draws.append((("uniform", a, b), v)); return v

        def lognormvariate(self, mu, s):
            v = super().lognormvariate(mu, s); draws.append((("lognormal", mu, s), v)); return v

        def expovariate(self, lambd):
            v = super().expovariate(lambd); draws.append((("exponential", 1 / lambd), v)); return v

    emitted = []

    class Sess:
        def __init__(self, directory, name, with_cast=True):
            self.t = 0

        def emit(self, data, delay_us=0):
            self.t += max(0, int(delay_us)); emitted.append((self.t, data))

        def close(self):
            return {}

    saved = workloads.random, workloads.Session
    workloads.random = types.SimpleNamespace(Random=Rec)
    workloads.Session = Sess
    try:
        workloads.typing("/nonexistent", target_events)
    finally:
        workloads.random, workloads.Session = saved
    plan = draws[:target_events]  # one delay draw per plan entry, in plan order
    busy = sum(v for p, v in plan if p != ("lognormal", 15.4, 1.3))
    idle = sum(v for p, v in plan if p == ("lognormal", 15.4, 1.3))
    scale = (8 * 3600 * 1e6 - busy) / idle
    out, after_pause, k = [], False, 0
    for p, v in plan:
        if p == ("lognormal", 15.4, 1.3):
            after_pause = True
            continue
        t, data = emitted[k]; k += 1
        out.append((t, data, p, after_pause)); after_pause = False
    assert k == len(emitted)
    return out, scale


def class_name(p, after_pause):
    names = {("uniform", 2000, 30000): "prompt", ("lognormal", 11.8, 0.45): "keystroke / Enter",
             ("uniform", 200, 5000): "short command output", ("exponential", 4000.0): "tail -f line",
             ("uniform", 1e6, 3e6): "top refresh"}
    n = names.get(p, str(p))
    return n + " (after a pause)" if after_pause else n


def h_of(p):
    kind = p[0]
    return h_uniform(p[1], p[2]) if kind == "uniform" else h_lognormal(p[1], p[2]) if kind == "lognormal" else h_exponential(p[1])


# ---------------------------------------------------------------- report
R = {}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def stream_study(name, deltas, lengths, bodies):
    """Part 1: the time and length streams on their own, global deltas between consecutive events."""
    n = len(deltas)
    res = {"events": n}
    D = uvs(deltas)
    res["deltas uvarint, uncompressed"] = len(D)
    res["deltas uvarint, zstd -3"] = zsize(D, 3)
    res["deltas uvarint, zstd -19"] = zsize(D, 19)
    res["deltas uvarint, xz -9e"] = len(lzma.compress(D, preset=9 | lzma.PRESET_EXTREME))
    # byte planes of the uvarints: all first bytes, then all second bytes, ... (decodable: continuation bits)
    planes = [bytearray() for _ in range(10)]
    for v in deltas:
        b = bytearray(); uv(v, b)
        for k, c in enumerate(b):
            planes[k].append(c)
    P = b"".join(planes)
    res["deltas uvarint byte-planes, zstd -19"] = zsize(P, 19)
    # fixed-width little-endian u64 transposed into 8 planes ("shuffle")
    planes8 = [bytes((v >> (8 * k)) & 0xFF for v in deltas) for k in range(8)]
    res["deltas u64 shuffled planes, zstd -19"] = zsize(b"".join(planes8), 19)
    # delta of delta, zigzag
    dd = bytearray(); prev = 0
    for v in deltas:
        sv(v - prev, dd); prev = v
    res["delta-of-delta svarint, zstd -19"] = zsize(bytes(dd), 19)
    # bucket + raw low bits
    sym, bits = bucket_split(deltas)
    res["bucket byte zstd -19 + raw low bits"] = zsize(sym, 19) + len(bits)
    res["bucket byte xz -9e + raw low bits"] = len(lzma.compress(sym, preset=9 | lzma.PRESET_EXTREME)) + len(bits)
    for order in (0, 1, 2, 3):
        res[f"ideal adaptive model: bucket order-{order} + raw low bits"] = bucket_model_bits(deltas, order) / 8
    res["plug-in order-0 entropy of the delta values (optimistic: ignores the alphabet)"] = plugin_entropy_bits(deltas) / 8
    L = uvs(lengths)
    res["lengths uvarint, uncompressed"] = len(L)
    res["lengths uvarint, zstd -3"] = zsize(L, 3)
    res["lengths uvarint, zstd -19"] = zsize(L, 19)
    res["lengths uvarint, xz -9e"] = len(lzma.compress(L, preset=9 | lzma.PRESET_EXTREME))
    for order in (0, 1, 2):
        res[f"lengths ideal adaptive order-{order} model"] = adaptive_cost_bits(
            [min(x, 4096) for x in lengths], (lambda s, k: tuple(s[max(0, k - order):k])) if order else None,
            alphabet=4097) / 8 + sum(2 for x in lengths if x >= 4096)  # rare long ones: + ~2 bytes
    CL = crlf_lengths(bodies)
    res["lengths as CR LF counts (content-aware), uncompressed"] = len(CL)
    res["lengths as CR LF counts (content-aware), zstd -3"] = zsize(CL, 3)
    res["lengths as CR LF counts (content-aware), zstd -19"] = zsize(CL, 19)
    R[f"{name}: streams"] = res
    return res


def main():
    skip_bulk = "--skip-bulk" in sys.argv
    t0 = time.time()
    log(f"libzstd {_z.ZSTD_versionNumber()}")
    sizes = {f: os.path.getsize(os.path.join(WL, f)) for f in os.listdir(WL)}
    R["input files"] = sizes

    workloads = ["typing"] + ([] if skip_bulk or "bulk.ttyrec" not in sizes else ["bulk"])
    for name in workloads:
        log(f"== {name}: loading")
        tty = load_ttyrec(os.path.join(WL, f"{name}.ttyrec"))
        raw = open(os.path.join(WL, f"{name}.raw"), "rb").read()
        assert b"".join(d for _, d in tty) == raw, "ttyrec and raw disagree"
        chunks, trailer, file_size = parse_psrec(os.path.join(WL, f"{name}.psrec"))
        ev_chunks = [c for c in chunks if c["type"] == 2]
        real = {"file": file_size, "chunks": len(chunks), "EVENTS chunks": len(ev_chunks),
                "EVENTS payload stored": sum(c["stored"] for c in ev_chunks),
                "EVENTS payload decoded": sum(c["decoded"] for c in ev_chunks),
                "EVENTS headers": 48 * len(ev_chunks),
                "META chunk": 48 + chunks[0]["stored"],
                "INDEX chunks": sum(48 + c["stored"] for c in chunks if c["type"] == 0x81),
                "INDEX count": sum(1 for c in chunks if c["type"] == 0x81), "trailer": trailer}
        R[f"{name}: real psrec"] = real
        # events of the real file, checked against the ttyrec
        events = []
        for c in ev_chunks:
            events += events_of_payload(c["payload"], c["start"])
        offset0 = tty[0][0] - events[0][0]
        assert len(events) == len(tty) and all(e[0] + offset0 == t and e[2] == d for e, (t, d) in zip(events, tty)), \
            "psrec events differ from the ttyrec"
        real_ranges, k = [], 0
        for c in ev_chunks:
            real_ranges.append((k, k + c["items"])); k += c["items"]
        log(f"   {len(events)} events, {len(raw)} output bytes, types {Counter(e[1] for e in events)}")

        ts = [e[0] for e in events]
        deltas = [0] + [b - a for a, b in zip(ts, ts[1:])]
        lengths = [len(e[2]) for e in events]
        log("   part 1: streams")
        stream_study(name, deltas, lengths, [e[2] for e in events])

        base = {"raw": len(raw), "zstd -3 raw (library, no checksum)": zsize(raw, 3),
                "zstd -3 raw, CLI file size (+4-byte checksum)": zsize(raw, 3) + 4,
                "cast": sizes.get(f"{name}.cast"), "ttyrec": sizes.get(f"{name}.ttyrec")}
        for lv in (1, 2, 3, 4, 5, 19):
            base[f"zstd -{lv} raw"] = zsize(raw, lv)
        base["zstd -3 --long=27 raw"] = zsize(raw, 3, long=27)
        for opt in ("-T1", "--single-thread"):  # the benchmark runs `zstd -3 -T1` (the multithreaded code, 1 worker)
            p = subprocess.run(["zstd", "-3", opt, "-q", "-c", os.path.join(WL, f"{name}.raw")], stdout=subprocess.PIPE)
            base[f"zstd CLI -3 {opt}"] = len(p.stdout)
        R[f"{name}: baselines"] = base
        R[f"{name}: real psrec"]["EVENTS chunks with >= 250 000 decoded bytes (closed by the 256 KiB bound)"] = \
            sum(1 for c in ev_chunks if c["decoded"] >= 250_000)

        meta_stored = chunks[0]["stored"]
        log("   part 3: layouts")
        lay = {}
        for interval in (60_000_000, 1_000_000):
            ranges = cut_chunks(events, interval)
            if interval == 60_000_000:
                R[f"{name}: simulated 60 s chunk boundaries equal the real file's"] = ranges == real_ranges
            for layout in ("interleaved", "columnar-1frame", "columnar-4frames",
                           "columnar-1frame-bucketed-times", "columnar-4frames-bucketed-times",
                           "columnar-4frames-bucketed-times-crlf-lengths", "raw-bodies"):
                r = simulate_file(events, interval, layout, meta_stored, ranges=ranges)
                lay[f"{interval // 1_000_000} s | {layout}"] = r
                log(f"   {interval // 1_000_000:>2} s {layout:34} {r['total'] / MB:8.3f} MB ({time.time() - t0:.0f} s)")
        R[f"{name}: layouts"] = lay

        log("   columns")
        colsz = {}
        for interval in (60_000_000, 1_000_000):
            acc = Counter()
            for i, j in cut_chunks(events, interval):
                T_, D_, L_, B_ = chunk_columns(events, i, j)
                sym, bits = bucket_split(D_)
                acc["types"] += stored(bytes(T_))
                acc["deltas uvarint"] += stored(uvs(D_))
                acc["deltas bucket bytes"] += stored(sym)
                acc["deltas raw low bits"] += len(bits)
                acc["lengths uvarint"] += stored(uvs(L_))
                acc["lengths CR LF counts"] += stored(crlf_lengths(B_))
                acc["bodies"] += stored(b"".join(B_))
            colsz[f"{interval // 1_000_000} s"] = dict(acc)
        R[f"{name}: columns, zstd -3 per chunk, summed"] = colsz

        log("   part 4: levels and long-distance matching")
        lev = {}
        ranges60 = cut_chunks(events, 60_000_000)
        for lv in (1, 2, 3, 4, 5):
            for layout in ("interleaved", "columnar-1frame"):
                lev[f"60 s | {layout} | level {lv}"] = simulate_file(events, 0, layout, meta_stored, lv, ranges=ranges60)["total"]
        lev["60 s | interleaved | level 3 --long=27 (per chunk)"] = simulate_file(
            events, 0, "interleaved", meta_stored, 3, long=27, ranges=ranges60)["total"]
        whole = layout_interleaved(*chunk_columns(events, 0, len(events)))
        lev["one frame for the whole session | interleaved | level 3"] = zsize(whole, 3)
        lev["one frame for the whole session | interleaved | level 3 --long=27"] = zsize(whole, 3, long=27)
        cols = chunk_columns(events, 0, len(events))
        lev["one frame for the whole session | columnar | level 3"] = payload_sizes(cols, "columnar-1frame", 3)
        R[f"{name}: levels"] = lev

        log("   part 5: chunk size")
        sweep = {}
        for interval, max_bytes, long in ((60_000_000, 256 * 1024, None), (60_000_000, 1 << 20, None),
                                          (60_000_000, 4 << 20, None), (60_000_000, 16 << 20, None),
                                          (600_000_000, 16 << 20, None), (600_000_000, 16 << 20, 27),
                                          (3600_000_000, 16 << 20, None),
                                          (3600_000_000, 16 << 20, 27)):
            ranges = cut_chunks(events, interval, max_bytes)
            key = f"{interval // 1_000_000} s, {max_bytes >> 10} KiB" + (f", --long={long}" if long else "")
            for layout in ("interleaved", "columnar-4frames", "columnar-4frames-bucketed-times-crlf-lengths", "raw-bodies"):
                r = simulate_file(events, 0, layout, meta_stored, 3, long=long, ranges=ranges)
                sweep[f"{key} | {layout}"] = {"total": r["total"], "chunks": r["chunks"]}
                log(f"   {key:28} {layout:46} {r['total'] / MB:8.3f} MB")
        R[f"{name}: chunk size"] = sweep

        if name == "typing":
            log("   part 2: generator entropy")
            gen, scale = replay_typing(1_000_000)  # Benchmarks/run: typing(work, 1_000_000)
            same = len(gen) == len(events) and all(g[0] == e[0] - events[0][0] + gen[0][0] and g[1] == e[2]
                                                   for g, e in zip(gen, events))
            classes = Counter()
            hsum = defaultdict(float)
            for _, _, p, ap in gen:
                cls = class_name(p, ap)
                classes[cls] += 1
                h = h_lognormal(15.4, 1.3) + math.log2(scale) if ap else h_of(p)
                hsum[cls] += h
            total_h = sum(hsum.values())
            # the class sequence itself, if the time coder could not see the content
            seq = [class_name(p, ap) for _, _, p, ap in gen]
            ids = {c: i for i, c in enumerate(sorted(set(seq)))}
            sq = [ids[c] for c in seq]
            h_cls2 = adaptive_cost_bits(sq, lambda s, k: tuple(s[max(0, k - 2):k]), alphabet=len(ids))
            R["typing: generator"] = {
                "replay reproduces the ttyrec exactly": same, "pause scale": scale,
                "classes": {c: {"events": classes[c], "entropy bits/event": hsum[c] / classes[c],
                                "total bytes": hsum[c] / 8} for c in classes},
                "entropy of the times given the class, bytes total": total_h / 8,
                "bits/event": total_h / len(gen),
                "class sequence, adaptive order-2, bytes total": h_cls2 / 8,
            }
    log(f"done in {time.time() - t0:.0f} s")
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(R, f, indent=1, default=str)
    json.dump(R, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
