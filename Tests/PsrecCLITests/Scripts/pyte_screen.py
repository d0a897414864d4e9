#!/usr/bin/env python3
"""Replays terminal output into pyte, an independent terminal emulator, and prints the screen.

Usage: pyte_screen.py COLS ROWS < output-bytes

Prints the ROWS text lines of the final screen, trailing spaces removed, the way
`tmux capture-pane -p` prints a pane. Used by the psrec recording tests (RecordTmuxTests).
"""
import sys

import pyte


def main() -> int:
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(sys.stdin.buffer.read())
    out = "".join(line.rstrip() + "\n" for line in screen.display)
    sys.stdout.buffer.write(out.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
