"""The PostgreSQL server of Benchmarks/run's postgres rows (issue 14 §5), and their baseline.

PostgresServer starts a throwaway server as the tests do (Tests/PsrecTestSupport/
PostgresServer.swift): Debian's /usr/lib/postgresql/*/bin, `initdb` into a folder of the
temporary directory as the unprivileged `postgres` user (through runuser when run as
root), scram-sha-256 password authentication, a free loopback port and the Unix socket in
that folder. Unlike the tests' server it keeps fsync ON (and synchronous_commit at its
default, on): every commit the rows time is on disk, as it is for SQLite, since
durability is what a catalog is for. It stops when `stop()` is called (the caller's
finally), at interpreter exit (atexit), and, should this process be killed outright, by a
watchdog shell that waits for this process to go and then stops the server and removes
its folder.

copy_loader writes the baseline of the import rows: the psrec file cut at chunk
boundaries (Benchmarks/run's psrec_chunks), one CSV row per chunk (id, file offset, the
bytes as bytea hex) and a psql script that creates the table and loads the file with
`\\copy` (one COPY, one transaction).
"""

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile


def binaries():
    """The newest /usr/lib/postgresql/VERSION/bin with an initdb, or None."""
    root = "/usr/lib/postgresql"
    try:
        versions = sorted(os.listdir(root), key=lambda v: int(v) if v.isdigit() else 0, reverse=True)
    except OSError:
        return None
    for version in versions:
        path = os.path.join(root, version, "bin")
        if os.access(os.path.join(path, "initdb"), os.X_OK):
            return path
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A PostgreSQL server of this process: `url(db)` for psrec and psql, `recreate(db)`."""

    user = "psrec"

    def __init__(self, fsync=True, max_connections=300):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; Debian: apt-get install postgresql)")
        self.fsync = fsync
        self.owner = "postgres" if os.geteuid() == 0 else None
        self.folder = tempfile.mkdtemp(prefix="psrec-bench-pg-")
        self.data = os.path.join(self.folder, "data")
        self.password = secrets.token_hex(16)
        self.port = free_port()
        self.watchdog = None
        self.stopped = False
        atexit.register(self.stop)
        try:
            if self.owner:
                shutil.chown(self.folder, self.owner)
            pw = os.path.join(self.folder, "pw")
            fd = os.open(pw, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, (self.password + "\n").encode())
            os.close(fd)
            if self.owner:
                shutil.chown(pw, self.owner)
            self._as_owner([os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "scram-sha-256", "-U", self.user,
                            f"--pwfile={pw}", "-E", "UTF8", "--no-locale"], os.path.join(self.folder, "initdb.log"))
            os.remove(pw)
            options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections={max_connections} "
                       f"-c fsync={'on' if fsync else 'off'}")
            self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"),
                            "-w", "start"], os.path.join(self.folder, "pg_ctl.log"))
            self._start_watchdog()
        except BaseException:
            self.stop()
            raise

    def _as_owner(self, argv, output):
        """Runs argv as the server's owner, its output to a file (a daemon the command
        leaves running must not hold a pipe of ours open)."""
        if self.owner:
            argv = ["runuser", "-u", self.owner, "--", *argv]
        with open(output, "ab") as out:
            status = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT).returncode
        if status != 0:
            tail = ""
            for name in (output, os.path.join(self.folder, "log")):
                if os.path.exists(name):
                    tail += open(name, errors="replace").read()[-800:]
            raise RuntimeError(f"{' '.join(argv)} exited with {status}: {tail.strip()}")

    def _start_watchdog(self):
        pg_ctl = f"'{self.bin}/pg_ctl' -D '{self.data}' -m immediate stop"
        if self.owner:
            pg_ctl = f"runuser -u {self.owner} -- {pg_ctl}"
        script = (f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
                  f"{pg_ctl} >/dev/null 2>&1; rm -rf '{self.folder}'")
        self.watchdog = subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)

    def stop(self):
        """Stops the server (fast, then immediate) and removes its folder; idempotent."""
        if self.stopped:
            return
        self.stopped = True
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            for mode in ("fast", "immediate"):
                try:
                    self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"],
                                   os.path.join(self.folder, "pg_ctl.log"))
                    break
                except (RuntimeError, OSError):
                    continue
            else:
                # pg_ctl failed twice: kill the postmaster, whose children then exit.
                try:
                    pid = int(open(os.path.join(self.data, "postmaster.pid")).readline())
                    os.kill(pid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        if self.watchdog and self.watchdog.poll() is None:
            os.killpg(self.watchdog.pid, signal.SIGKILL)
            self.watchdog.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database):
        return f"postgres://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def psql(self, database="postgres"):
        """psql's argv for `database`: no .psqlrc, stop at the first error."""
        return [os.path.join(self.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(database)]

    def sql(self, *statements, database="postgres"):
        """Runs each statement in a transaction of its own; returns psql's unaligned output."""
        argv = [*self.psql(database), "-A", "-t"]
        for statement in statements:
            argv += ["-c", statement]
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()[:500]}")
        return done.stdout

    def recreate(self, database):
        """An empty database of that name (dropped first, its connections ended); its URL."""
        self.sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}")
        return self.url(database)

    def cpu_seconds(self):
        """User + system CPU of the server so far: the postmaster's own and its reaped
        children's (backends that have ended), and its live children's."""
        try:
            postmaster = int(open(os.path.join(self.data, "postmaster.pid")).readline())
        except (OSError, ValueError):
            return 0.0
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry), int(fields[1])
            if pid == postmaster:
                total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            elif ppid == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick


def copy_loader(psrec_path, pieces, directory):
    """The `\\copy` baseline: `pieces` ((offset, length) of every chunk, from psrec_chunks)
    of the file as CSV rows (id, offset, bytea hex) in `directory`, and the psql script
    that creates the table and loads them. Returns the script's path. Made untimed."""
    os.makedirs(directory, exist_ok=True)
    csv = os.path.join(directory, "chunks.csv")
    with open(psrec_path, "rb") as f, open(csv, "w") as out:
        for i, (offset, length) in enumerate(pieces):
            f.seek(offset)
            out.write(f"{i},{offset},\\x{f.read(length).hex()}\n")
    script = os.path.join(directory, "copy.sql")
    with open(script, "w") as f:
        f.write("CREATE TABLE chunks (id bigint PRIMARY KEY, file_offset bigint NOT NULL, bytes bytea NOT NULL);\n"
                f"\\copy chunks (id, file_offset, bytes) FROM '{csv}' WITH (FORMAT csv)\n")
    return script

