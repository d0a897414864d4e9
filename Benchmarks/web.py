"""The web application's rows of Benchmarks/run (issue 13 §8).

search   the search page over a catalog of 10 000 recordings (made by psrec-bench-catalog:
         40 users, 12 applications, a year of start times, terminal text indexed), as a
         user who manages every application so that all 10 000 are theirs to see; server
         time as the client on loopback sees it (request sent to last byte read), median of
         the runs, against the same request over 100 recordings (the named baseline).
         Target: ≤ 200 ms.
"""

import http.client
import os
import re
import statistics
import subprocess
import time
import urllib.parse

PASSWORD = "benchmark password 13"
SEARCHES = [
    ("first page, newest first", "/"),
    ("one user", "/?user=user7"),
    ("terminal text", "/?text=payroll+backup"),
    ("application, by duration", "/?app=app-3&sort=duration&dir=desc"),
    ("page 150 of 200", "/?page=150"),
    ("with a command indicator, 30 days", "/?indicator=command&from=2025-06-01&to=2025-06-30"),
]


class WebServer:
    """`psrec-net serve --web` on a loopback port over `db`, with a logged-in session."""

    def __init__(self, psrec, psrec_net, db, work):
        password_file = os.path.join(work, "web-password")
        fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (PASSWORD + "\n").encode())
        os.close(fd)
        subprocess.run([psrec, "user", "add", "--db", db, "--password-file", password_file, "bench"],
                       check=True, capture_output=True)
        self.process = subprocess.Popen([psrec_net, "serve", "--db", db, "--web", "127.0.0.1:0", "--insecure-loopback"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        line = self.process.stdout.readline()
        match = re.search(r":(\d+)/", line)
        if not match:
            self.stop()
            raise RuntimeError(f"psrec-net serve --web printed {line!r}, not its address")
        self.port = int(match.group(1))
        status, headers, _ = self.request("POST", "/login", urllib.parse.urlencode({"user": "bench", "password": PASSWORD}),
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        cookie = headers.get("set-cookie", "")
        if status != 303 or "=" not in cookie:
            self.stop()
            raise RuntimeError(f"logging in to the benchmark's web server answered {status}")
        self.cookie = cookie.split(";")[0]

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def timed_get(self, path):
        """Seconds from the request sent to the last byte of the answer read (the connection
        is opened first, outside the time)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.connect()
        start = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": self.cookie})
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {data[:300]!r}")
        return elapsed, data

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def search_rows(psrec, psrec_net, filler, work, table, runs, count=10_000, baseline_count=100, seconds=None, log=print):
    servers = {}
    try:
        for n in (baseline_count, count):
            db = os.path.join(work, f"web-{n}.db")
            started = time.perf_counter()
            subprocess.run([filler, db, str(n)], check=True, stdout=subprocess.DEVNULL)
            log(f"  catalog of {n} recordings made in {time.perf_counter() - started:.0f} s")
            for i in range(12):
                subprocess.run([psrec, "grant", "--db", db, "bench", "manage", "--app", f"app-{i}"], check=True, capture_output=True)
            servers[n] = WebServer(psrec, psrec_net, db, work)
        for label, path in SEARCHES:
            times = {n: [] for n in servers}
            for server in servers.values():
                server.timed_get(path)  # warm up
            for _ in range(max(runs, 5)):
                for n, server in servers.items():
                    elapsed, page = server.timed_get(path)
                    times[n].append(elapsed)
            ours, theirs = statistics.median(times[count]), statistics.median(times[baseline_count])
            table.add(f"{count} recordings", f"search page: {label} (vs {baseline_count} recordings)", seconds(ours), seconds(theirs),
                      f"{ours / theirs:.2f}×", "≤ 200 ms", ours <= 0.2)
    finally:
        for server in servers.values():
            server.stop()


def player_rows(psrec, psrec_net, work, table, sessions, runs, seconds, log=print):
    """Issue 13 §8: the terminal player on the `large` recording (1 GiB of output) served from
    the catalog, in headless Chromium (Benchmarks/web_player.py, Debian's python3 with
    python3-selenium): first moment drawn after the page starts loading, a seek to 90 %, and
    the API bytes each fetched; against the same on a one-minute recording (the baseline:
    the cost must not grow with the recording). The keyframes are built first, once, by the
    server's background queue (its time is shown)."""
    db = os.path.join(work, "web-player.db")
    uuids = {}
    for s in sessions:
        started = time.perf_counter()
        out = subprocess.run([psrec, "import", "--defer-text", "--db", db, s["paths"]["psrec"]], check=True, capture_output=True, text=True).stdout
        uuids[s["name"]] = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out).group(0)
        log(f"  {s['name']} imported in {time.perf_counter() - started:.0f} s")
        subprocess.run([psrec, "grant", "--db", db, "bench", "audit", "--recording", uuids[s["name"]]], check=True, capture_output=True)
    server = WebServer(psrec, psrec_net, db, work)
    try:
        import json
        for s in sessions:
            uuid = uuids[s["name"]]
            started = time.perf_counter()
            while True:
                status, _, body = server.request("GET", f"/api/recordings/{uuid}/index", headers={"Cookie": server.cookie})
                if status != 200:
                    raise RuntimeError(f"the index of {s['name']} answered {status}: {body[:300]!r}")
                index = json.loads(body)
                if index.get("keyframesBuilt"):
                    break
                time.sleep(1)
            build = time.perf_counter() - started
            table.add(s["name"], f"terminal keyframes built in the background ({len(index['keyframes'])})", seconds(build), "—", "—", "(information)", None)
        measured = {}
        for s in sessions:
            result = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "web_player.py"),
                                     f"http://127.0.0.1:{server.port}", "bench", PASSWORD, uuids[s["name"]], str(max(runs, 5))],
                                    check=True, capture_output=True, text=True)
            measured[s["name"]] = json.loads(result.stdout.strip().splitlines()[-1])
        big, small = sessions[-1]["name"], sessions[0]["name"]
        ours, theirs = measured[big], measured[small]
        table.add(big, f"web player: first moment drawn after the page starts loading (vs {small})", seconds(ours["first_frame_ms"] / 1000),
                  seconds(theirs["first_frame_ms"] / 1000), f"{ours['first_frame_ms'] / theirs['first_frame_ms']:.2f}×", "≤ 500 ms", ours["first_frame_ms"] <= 500)
        table.add(big, f"web player: seek to 90 % drawn (vs {small})", seconds(ours["seek_ms"] / 1000), seconds(theirs["seek_ms"] / 1000),
                  f"{ours['seek_ms'] / theirs['seek_ms']:.2f}×", "≤ 300 ms", ours["seek_ms"] <= 300)
        for what, key in (("opening", "open_bytes"), ("seek to 90 %", "seek_bytes")):
            table.add(big, f"web player: API bytes fetched to show one moment, {what} (vs {small})", f"{ours[key] / 1e6:.2f} MB", f"{theirs[key] / 1e6:.2f} MB",
                      f"{ours[key] / max(1, theirs[key]):.2f}×", "≤ 2 MB", ours[key] <= 2_000_000)
    finally:
        server.stop()
