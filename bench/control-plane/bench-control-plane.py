#!/usr/bin/env python3
"""Control plane at scale (issue 21): 500 channels in the database.

Run by hand (bench/README.md):
  nice python3 bench/control-plane/bench-control-plane.py \
      [--bin build/src/app/exstreamtv] [--channels 500] [--runs 5]

Builds a data dir through the real server only (no SQL behind its back):
a library of short clips made with ffmpeg (POST /api/libraries, scanned),
then one POST /api/import with SCHEDULES schedules (a shuffled flood of the
whole library) and CHANNELS channels assigned to them, which builds every
playout (48 h by default). Then, restarting the server RUNS times, it times:
start -> "listening" line and -> /api/health 200; GET /iptv/xmltv.xml the
first time after start (cold) and again (warm), its .gz, /iptv/channels.m3u,
/lineup.json, a rebuild of every channel (POST
/api/channels/{n}/playout/rebuild, one after the other on one keep-alive
connection) and the server's RSS. Prints a table of medians, each beside its
goal and the ratio, with the load average (the machine is shared).
Standard library and ffmpeg only.
"""
import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CLIP_MINUTES = [12, 22, 25, 30, 30, 44, 47, 52, 58, 60, 90, 95]
LISTEN_RE = re.compile(rb" listening on http://[^/]*:(\d+)/")


def make_clips(folder):
    os.makedirs(folder, exist_ok=True)
    for i, minutes in enumerate(CLIP_MINUTES):
        path = os.path.join(folder, f"bench-{i:02d}-{minutes}min.mkv")
        if os.path.exists(path):
            continue
        subprocess.run(["ffmpeg", "-v", "error", "-y",
                        "-f", "lavfi", "-i", "color=c=0x204080:s=64x36:r=1",
                        "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
                        "-t", str(minutes * 60), "-c:v", "libx264", "-preset", "ultrafast",
                        "-g", "60", "-c:a", "aac", "-b:a", "8k", path],
                       check=True)


class Server:
    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir
        self.proc = None
        self.port = None
        self.token = None
        self.conn = None

    def start(self):
        """Starts the server; returns (ms to the listening line, ms to /api/health 200)."""
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.data_dir, "xdg-config"),
                   EXSTREAMTV_HDHOMERUN_DISCOVERY_ENABLED="false",
                   EXSTREAMTV_HDHOMERUN_SSDP_ENABLED="false")
        env.pop("EXSTREAMTV_SERVER_PORT", None)
        os.makedirs(env["XDG_CONFIG_HOME"], exist_ok=True)
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.binary, "--data-dir", self.data_dir, "--port=0",
                                     "--bind=127.0.0.1"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = t0 + 120
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the server exited ({self.proc.wait()}) before listening")
            m = LISTEN_RE.search(line)
            if m:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not listen within 120 s")
        listening = (time.monotonic() - t0) * 1000
        self.port = int(m.group(1))
        # keep draining its output so it never blocks on a full pipe
        self._drain = subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.data_dir, "api-token")) as f:
            self.token = f.read().strip()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        while True:
            status, _, _ = self.request("GET", "/api/health")
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"/api/health answered {status} for 120 s")
            time.sleep(0.01)
        return listening, (time.monotonic() - t0) * 1000

    def request(self, method, path, body=None, headers=None):
        h = {"Authorization": f"Bearer {self.token}"}
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                return r.status, r.getheaders(), r.read()
            except (ConnectionError, http.client.HTTPException):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def api(self, method, path, body=None, expect=(200,)):
        status, _, data = self.request(method, path, body)
        if status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {data[:400]!r}")
        return json.loads(data) if data else None

    def timed(self, path, headers=None):
        t0 = time.monotonic()
        status, hdrs, data = self.request("GET", path, headers=headers)
        ms = (time.monotonic() - t0) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {data[:400]!r}")
        return ms, dict((k.lower(), v) for k, v in hdrs), data

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        if self.conn:
            self.conn.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_drain", None):
            self._drain.wait()


def populate(server, media_dir, channels, schedules):
    t0 = time.monotonic()
    lib = server.api("POST", "/api/libraries",
                     {"name": "Bench", "kind": "other_videos", "paths": [media_dir]}, expect=(201,))
    while True:
        lib = server.api("GET", f"/api/libraries/{lib['id']}")
        if lib["scan"]["state"] not in ("scanning", "queued") and not lib["scan"].get("queued"):
            break
        time.sleep(0.2)
    media = server.api("GET", f"/api/media?library={lib['id']}&limit=500")
    ids = [m["id"] for m in media["items"]]
    if len(ids) != len(CLIP_MINUTES):
        raise RuntimeError(f"the library scan found {len(ids)} of {len(CLIP_MINUTES)} clips: {lib['scan']}")
    print(f"library: {len(ids)} clips scanned in {time.monotonic() - t0:.1f} s")
    lineup = {
        "version": 1,
        "schedules": [{"name": f"Bench {s}", "items": [
            {"content": {"playlist": ids}, "order": "shuffle", "mode": "flood"}]}
            for s in range(schedules)],
        "channels": [{"number": str(1000 + c), "name": f"Bench channel {c}", "group": f"Group {c % 12}",
                      "schedule": f"Bench {c % schedules}", "playout_mode": "continuous", "seed": c + 1}
                     for c in range(channels)],
    }
    t0 = time.monotonic()
    server.api("POST", "/api/import", lineup)
    print(f"POST /api/import: {channels} channels, {schedules} schedules, every playout built, "
          f"{time.monotonic() - t0:.2f} s")


def measure_once(server, channels):
    out = {}
    out["ready_listen"], out["ready_health"] = server.start()
    out["xmltv_cold"], _, xml = server.timed("/iptv/xmltv.xml")
    out["xmltv_warm"], _, xml2 = server.timed("/iptv/xmltv.xml")
    if xml != xml2:
        raise RuntimeError("two XMLTV documents in a row differ")
    out["xmltv_gz"], hdrs, gz = server.timed("/iptv/xmltv.xml.gz")
    if gzip.decompress(gz) != xml:
        raise RuntimeError("/iptv/xmltv.xml.gz does not unzip to /iptv/xmltv.xml")
    out["xmltv_gzip_enc"], h2, body = server.timed("/iptv/xmltv.xml", {"Accept-Encoding": "gzip"})
    out["m3u"], _, m3u = server.timed("/iptv/channels.m3u")
    out["m3u_warm"], _, _ = server.timed("/iptv/channels.m3u")
    out["lineup"], _, lineup = server.timed("/lineup.json")
    out["lineup_warm"], _, _ = server.timed("/lineup.json")
    t0 = time.monotonic()
    for c in range(channels):
        server.api("POST", f"/api/channels/{1000 + c}/playout/rebuild")
    out["rebuild_all"] = (time.monotonic() - t0) * 1000
    out["xmltv_after_rebuild"], _, _ = server.timed("/iptv/xmltv.xml")
    out["rss"] = server.rss_mib()
    sizes = {"xmltv": len(xml), "gz": len(gz), "m3u": len(m3u), "lineup": len(lineup),
             "programmes": xml.count(b"<programme "), "m3u_entries": m3u.count(b"#EXTINF"),
             "lineup_entries": len(json.loads(lineup))}
    server.stop()
    return out, sizes


ROWS = [  # key, what, goal, unit
    ("ready_listen", "start -> \"listening\" line", 1000, "ms"),
    ("ready_health", "start -> /api/health 200", 1000, "ms"),
    ("xmltv_cold", "GET /iptv/xmltv.xml, first after start", 200, "ms"),
    ("xmltv_warm", "GET /iptv/xmltv.xml, again", 200, "ms"),
    ("xmltv_gz", "GET /iptv/xmltv.xml.gz", 200, "ms"),
    ("xmltv_gzip_enc", "GET /iptv/xmltv.xml, Accept-Encoding: gzip", 200, "ms"),
    ("m3u", "GET /iptv/channels.m3u, first", 10, "ms"),
    ("m3u_warm", "GET /iptv/channels.m3u, again", 10, "ms"),
    ("lineup", "GET /lineup.json, first", 10, "ms"),
    ("lineup_warm", "GET /lineup.json, again", 10, "ms"),
    ("rebuild_all", "rebuild every playout (one by one)", None, "ms"),
    ("xmltv_after_rebuild", "GET /iptv/xmltv.xml after the rebuild", 200, "ms"),
    ("rss", "server RSS at the end", None, "MiB"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("EXSTREAMTV_BIN", "build/src/app/exstreamtv"))
    ap.add_argument("--channels", type=int, default=500)
    ap.add_argument("--schedules", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rebuild-goal-ms", type=float, default=None,
                    help="goal for rebuilding every playout (default 2.9 ms per channel: the "
                         "scheduling bench's 1 s for 100 channels x 7 days, scaled to 48 h; here "
                         "each also pays an HTTP request)")
    ap.add_argument("--clips", help="a folder to make the clips in, or reuse them from (default: a temporary one)")
    ap.add_argument("--baseline", help="another exstreamtv binary (an older build) measured on the same "
                                       "data in the same runs, one after the other; its medians are printed beside")
    ap.add_argument("--keep", action="store_true", help="keep the data dir (printed)")
    args = ap.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("bench-control-plane: ffmpeg is needed to make the clips")
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench-control-plane: {binary} is not an executable (meson compile -C build)")
    rebuild_goal = args.rebuild_goal_ms or 1000.0 / 100 * 2 / 7 * args.channels

    root = tempfile.mkdtemp(prefix="exstreamtv-cp-bench-")
    data_dir = os.path.join(root, "data")
    os.makedirs(data_dir)
    server = Server(binary, data_dir)
    baseline = Server(os.path.abspath(args.baseline), data_dir) if args.baseline else None
    try:
        t0 = time.monotonic()
        media_dir = os.path.abspath(args.clips) if args.clips else os.path.join(root, "media")
        make_clips(media_dir)
        print(f"{len(CLIP_MINUTES)} clips ({sum(CLIP_MINUTES)} min) made in {time.monotonic() - t0:.1f} s")
        server.start()
        populate(server, media_dir, args.channels, args.schedules)
        server.stop()

        runs, base_runs, loads = [], [], []
        for r in range(args.runs):
            loads.append(os.getloadavg()[0])
            out, sizes = measure_once(server, args.channels)
            runs.append(out)
            print(f"run {r + 1}/{args.runs}: load {loads[-1]:.2f}; "
                  + ", ".join(f"{k} {v:.1f}" for k, v in out.items()), flush=True)
            if baseline:
                out, _ = measure_once(baseline, args.channels)
                base_runs.append(out)
                print("  baseline: " + ", ".join(f"{k} {v:.1f}" for k, v in out.items()), flush=True)
        print(f"\n{args.channels} channels, {sizes['programmes']} programmes in the XMLTV "
              f"({sizes['xmltv'] / 1e6:.2f} MB, {sizes['gz'] / 1e3:.0f} kB gzipped); "
              f"M3U {sizes['m3u_entries']} entries ({sizes['m3u'] / 1e3:.0f} kB); "
              f"lineup.json {sizes['lineup_entries']} entries")
        print(f"median of {args.runs} runs; 1-min load average during them: "
              f"median {statistics.median(loads):.1f} (min {min(loads):.1f}, max {max(loads):.1f}) "
              f"on {os.cpu_count()} cores\n")
        base_head = f" {'baseline':>9} |" if baseline else ""
        print(f"| {'figure':<45} | {'median':>9} | {'min':>9} |{base_head} {'goal':>9} | {'ratio':>6} |")
        print(f"|{'-' * 47}|{'-' * 11}|{'-' * 11}|{'-' * 11 + '|' if baseline else ''}{'-' * 11}|{'-' * 8}|")
        for key, what, goal, unit in ROWS:
            vals = [o[key] for o in runs]
            med = statistics.median(vals)
            if key == "rebuild_all":
                goal = rebuild_goal
            g = f"{goal:.0f} {unit}" if goal else "-"
            ratio = f"{med / goal:.2f}" if goal else "-"
            base = ""
            if baseline:
                base = f" {statistics.median(o[key] for o in base_runs):>6.1f} {unit:<3}|"
            print(f"| {what:<45} | {med:>6.1f} {unit:<3}| {min(vals):>6.1f} {unit:<3}|{base} {g:>9} | {ratio:>6} |")
    finally:
        server.stop()
        if baseline:
            baseline.stop()
        if args.keep:
            print(f"data dir kept: {data_dir}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
