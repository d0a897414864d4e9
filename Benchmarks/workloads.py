"""Workloads for the psrec benchmarks (issue 6), generated on this machine: no downloads.

Every workload is one terminal session, written three ways that hold exactly the same
output bytes at exactly the same microsecond times:

    NAME.raw     the output bytes alone (what zstd compresses, decompresses and tests)
    NAME.ttyrec  the session as ttyrec frames (what `psrec convert` reads for the write row)
    NAME.cast    the session as asciicast v2, as asciinema 2.4 writes it (not for `large`)

bulk    ~100 MB of real terminal output: `find /usr -ls` and `ls -laR --color=always` of
        /usr directories, through a terminal (LF becomes CR LF), in pty-sized reads of up
        to 4 KiB arriving at a few MB/s, each command after a prompt and typed keys.
typing  an 8-hour interactive session of ~1 million small events: a coloured prompt,
        keystroke echo one byte at a time at typing speed, short command output, slowly
        streaming logs (one line per event), `top`-like screen refreshes, thinking pauses
        and long idle gaps.
large   ~1 GiB of terminal output (the bulk session's commands, again and again) for
        seeking and verification.

The random generator is seeded, so a workload is the same from run to run on one machine
(the real command output depends on what is installed under /usr).
"""

import json
import os
import random
import struct
import subprocess

TERMINAL_SIZE = (120, 40)
PROMPT = "\x1b[01;32maudit@db-prod-7\x1b[00m:\x1b[01;34m~/deploy\x1b[00m$ "

BULK_COMMANDS = [
    "find /usr -ls",
    "ls -laR --color=always /usr/share",
    "ls -laR --color=always /usr/lib",
    "find /usr -type f -printf '%M %u %g %10s %TY-%Tm-%Td %TH:%TM %p\\n'",
    "ls -laR --color=always /usr/include",
]

SHORT_COMMANDS = [
    "ls -la", "git status", "df -h", "ps aux | grep postgres", "cat /etc/hosts", "uptime",
    "sudo systemctl status nginx", "tail -n 20 /var/log/syslog", "du -sh *", "free -m",
    "psql -c 'select count(*) from orders'", "grep -rn TODO src/ | head", "ip addr show",
    "docker ps", "kubectl get pods -n payments", "history | tail", "vim config.yaml",
]


class Session:
    """Collects (time_us, bytes) output events and writes them as raw, ttyrec and asciicast."""

    def __init__(self, directory, name, with_cast=True):
        self.name = name
        self.paths = {ext: os.path.join(directory, f"{name}.{ext}") for ext in ("raw", "ttyrec", "cast")}
        self.raw = open(self.paths["raw"], "wb")
        self.ttyrec = open(self.paths["ttyrec"], "wb")
        self.cast = open(self.paths["cast"], "w", encoding="utf-8") if with_cast else None
        self.start_unix = 1_760_000_000
        self.time_us = 0
        self.events = 0
        self.bytes = 0
        if self.cast:
            header = {"version": 2, "width": TERMINAL_SIZE[0], "height": TERMINAL_SIZE[1],
                      "timestamp": self.start_unix, "env": {"SHELL": "/bin/bash", "TERM": "xterm-256color"}}
            self.cast.write(json.dumps(header) + "\n")

    def emit(self, data, delay_us=0):
        """One output event `delay_us` after the previous one. `data` is valid UTF-8 bytes."""
        self.time_us += max(0, int(delay_us))
        self.raw.write(data)
        seconds, micros = divmod(self.start_unix * 1_000_000 + self.time_us, 1_000_000)
        self.ttyrec.write(struct.pack("<III", seconds, micros, len(data)))
        self.ttyrec.write(data)
        if self.cast:
            text = data.decode("utf-8")
            self.cast.write(f"[{self.time_us / 1e6:.6f}, \"o\", {json.dumps(text, ensure_ascii=False)}]\n")
        self.events += 1
        self.bytes += len(data)

    def close(self):
        for f in (self.raw, self.ttyrec, self.cast):
            if f:
                f.close()
        return {"name": self.name, "events": self.events, "bytes": self.bytes,
                "duration_s": self.time_us / 1e6, "paths": self.paths}


def utf8_boundary(data, cut):
    """The largest cut <= `cut` that does not split a UTF-8 sequence."""
    while 0 < cut < len(data) and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut


def command_output(command):
    """What the command prints through a terminal: valid UTF-8, LF turned into CR LF."""
    out = subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    text = out.decode("utf-8", errors="replace").replace("\n", "\r\n")
    return text.encode("utf-8")


def type_command(session, rng, command):
    """A prompt, then the command typed one key at a time, echoed, then Enter."""
    session.emit(PROMPT.encode(), rng.uniform(2_000, 30_000))
    for ch in command:
        session.emit(ch.encode("utf-8"), rng.lognormvariate(11.8, 0.45))  # ~130 ms between keys
    session.emit(b"\r\n", rng.lognormvariate(11.8, 0.45))


def stream_bulk(session, rng, data):
    """Output of a fast command through a pty: reads of up to 4 KiB at a few MB/s."""
    pos = 0
    while pos < len(data):
        size = 4095 if rng.random() < 0.8 else rng.randint(64, 4095)
        end = utf8_boundary(data, min(len(data), pos + size))
        if end <= pos:
            end = min(len(data), pos + size)
        delay = (end - pos) / 6.0 + rng.expovariate(1 / 150)  # ~6 bytes/µs, plus scheduling jitter
        if rng.random() < 0.002:
            delay += rng.uniform(20_000, 400_000)  # the disk, or a slow directory
        session.emit(data[pos:end], delay)
        pos = end


def bulk(directory, target_bytes, name="bulk", with_cast=True, seed=6):
    rng = random.Random(seed)
    session = Session(directory, name, with_cast)
    outputs = {}
    i = 0
    while session.bytes < target_bytes:
        command = BULK_COMMANDS[i % len(BULK_COMMANDS)]
        i += 1
        if command not in outputs:
            outputs[command] = command_output(command)
        data = outputs[command]
        room = target_bytes - session.bytes
        if len(data) > room:
            data = data[:utf8_boundary(data, room)]
        type_command(session, rng, command)
        stream_bulk(session, rng, data)
    session.emit(PROMPT.encode(), 5_000)
    return session.close()


def typing(directory, target_events, duration_s=8 * 3600, name="typing", seed=7):
    """Generated in two passes: the events with unscaled pauses, then pauses scaled to fill
    `duration_s` exactly, so both targets (event count, length) hold whatever the mix."""
    rng = random.Random(seed)
    lines = [l + b"\r\n" for l in command_output("find /usr/share/doc -ls | head -n 20000").split(b"\r\n") if l]
    paths = [l + b"\r\n" for l in command_output("find /usr/share /usr/lib | head -n 50000").split(b"\r\n") if l]
    plan = []  # (delay_us, data, is_pause)

    def add(data, delay, pause=False):
        plan.append((delay, data, pause))

    while len(plan) < target_events:
        command = rng.choice(SHORT_COMMANDS)
        add(PROMPT.encode(), rng.uniform(2_000, 30_000))
        for ch in command:
            add(ch.encode(), rng.lognormvariate(11.8, 0.45))
        add(b"\r\n", rng.lognormvariate(11.8, 0.45))
        kind = rng.random()
        if kind < 0.73:  # a short command: a few lines, a few events
            for _ in range(rng.randint(1, 6)):
                start = rng.randrange(len(lines))
                add(b"".join(lines[start:start + rng.randint(1, 8)]), rng.uniform(200, 5_000))
        elif kind < 0.95:  # tail -f, a build log: one short line per event
            start = rng.randrange(len(paths))
            for j in range(rng.randint(200, 3_000)):
                add(paths[(start + j) % len(paths)], rng.expovariate(1 / 4_000))
        else:  # top: a screen of ~2 KB every 1-3 s, cursor-addressed
            for _ in range(rng.randint(10, 60)):
                rows = [f"\x1b[{r + 1};1H{lines[rng.randrange(len(lines))][:100].decode(errors='replace').rstrip()}\x1b[K"
                        for r in range(rng.randint(8, 24))]
                add(("\x1b[H" + "".join(rows)).encode(), rng.uniform(1e6, 3e6))
        add(b"", rng.lognormvariate(15.4, 1.3), pause=True)  # thinking, coffee, meetings

    plan = plan[:target_events]
    busy = sum(d for d, _, p in plan if not p)
    idle = sum(d for d, _, p in plan if p)
    scale = max(0.0, (duration_s * 1e6 - busy) / idle) if idle else 0.0
    session = Session(directory, name)
    carry = 0.0
    for delay, data, pause in plan:
        if pause:
            carry += delay * scale
            continue
        session.emit(data, delay + carry)
        carry = 0.0
    return session.close()


def large(directory, bulk_info, target_bytes, name="large"):
    """The bulk session's events again and again, later in time each round, as raw and ttyrec."""
    raw_out = open(os.path.join(directory, f"{name}.raw"), "wb")
    tty_out = open(os.path.join(directory, f"{name}.ttyrec"), "wb")
    written = 0
    events = 0
    offset_us = 0
    round_gap_us = 60_000_000
    last_us = 0
    while written < target_bytes:
        with open(bulk_info["paths"]["ttyrec"], "rb") as f:
            while written < target_bytes:
                head = f.read(12)
                if len(head) < 12:
                    break
                sec, usec, n = struct.unpack("<III", head)
                data = f.read(n)
                t = sec * 1_000_000 + usec + offset_us
                last_us = t
                tty_out.write(struct.pack("<III", t // 1_000_000, t % 1_000_000, n))
                tty_out.write(data)
                raw_out.write(data)
                written += n
                events += 1
        offset_us += int(bulk_info["duration_s"] * 1e6) + round_gap_us
    raw_out.close()
    tty_out.close()
    start = 1_760_000_000 * 1_000_000
    return {"name": name, "events": events, "bytes": written, "duration_s": (last_us - start) / 1e6,
            "paths": {"raw": raw_out.name, "ttyrec": tty_out.name, "cast": None}}


# Screen workloads (issue 7 §3): what happens on an Xvfb display while `psrec record-screen`
# and ffmpeg's x11grab record it. Each is an xterm filling the screen (the default 6x13 font:
# 210 columns, 68 rows on 1280x900), the program it runs, and an optional driver run beside it.

SCREEN_SIZE = (1280, 900)
XTERM_GEOMETRY = "210x68+0+0"
TYPED_TEXT = ("The quick brown fox jumps over the lazy dog. Deploying release 4.2 to the staging "
              "cluster, then checking the payments service logs for errors.\n"
              "select count(*) from orders where created_at > now() - interval '1 day';\n")

SCREEN_WORKLOADS = {
    # Nothing happens: a prompt, nothing else.
    "idle": {"xterm": ["bash", "--norc", "--noprofile"], "driver": None},
    # Text typed at a human speed (120 ms per key) into `cat`, echoed by the terminal.
    "typing": {"xterm": ["sh", "-c", "stty -ixon; exec cat >/dev/null"],
               "driver": lambda duration_s: ["xdotool", "type", "--delay", "120",
                                             TYPED_TEXT * (int(duration_s * 8 / len(TYPED_TEXT)) + 1)]},
    # Output scrolling as fast as the terminal draws it: `find /usr`, again and again.
    "scrolling": {"xterm": ["sh", "-c", "while :; do find /usr; done"], "driver": None},
}
