#!/usr/bin/env python3
"""Writes seed inputs for the `events` and `index` harnesses from psrec files.

Usage: payload-seeds.py KIND OUTPUT_DIR FILE.psrec...   (KIND: events or index)

Walks each file's chunks (without checking CRCs: the vectors are known good), decodes the
payload (none, zlib, or zstd through the `zstd` command when present) and writes:
  events: start u64 LE | span u64 LE | event count u32 LE | decoded EVENTS payload
          (the prefix `FuzzExercise.events` turns back into a chunk header; bit 31 of the
          count is set for a columnar chunk, chunk flag bit 0)
  index:  the decoded INDEX payload
"""
import os
import struct
import subprocess
import sys
import zlib

MAGIC = b"\xf5PCK"
EVENTS, INDEX = 0x02, 0x81


def decoded(codec, stored):
    if codec == 0:
        return stored
    if codec == 1:
        return zlib.decompress(stored)
    if codec == 2:
        try:
            return subprocess.run(["zstd", "-dc"], input=stored, capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    return None


def main():
    kind, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    wanted = {"events": EVENTS, "index": INDEX}[kind]
    os.makedirs(out, exist_ok=True)
    written = 0
    for path in files:
        data = open(path, "rb").read()
        offset = 32
        while offset + 48 <= len(data) and data[offset:offset + 4] == MAGIC:
            ctype, codec = data[offset + 4], data[offset + 5]
            flags = struct.unpack_from("<H", data, offset + 6)[0]
            stored_len, _, items = struct.unpack_from("<III", data, offset + 12)
            start, end = struct.unpack_from("<qq", data, offset + 24)
            stored = data[offset + 48:offset + 48 + stored_len]
            offset += 48 + stored_len
            if ctype != wanted:
                continue
            payload = decoded(codec, stored)
            if payload is None:
                continue
            if kind == "events":
                columnar = 0x80000000 if flags & 1 else 0
                payload = struct.pack("<QQI", start, end - start, items | columnar) + payload
            name = "%s-%d" % (os.path.basename(path).rsplit(".", 1)[0], offset)
            with open(os.path.join(out, name), "wb") as f:
                f.write(payload)
            written += 1
    print("payload-seeds: %d %s seeds in %s" % (written, kind, out))


if __name__ == "__main__":
    main()
