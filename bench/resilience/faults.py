#!/usr/bin/env python3
"""End-to-end fault drills: a deleted source, a corrupt file, an HTTP source
that answers 404 and one that stalls mid-stream.

For each drill the script tunes the channel, reads the stream and measures the
longest gap between MPEG-TS bytes around the fault (the error screen must
appear within 0.5 s, so bytes never stop for longer), then reads
/api/channels/{number}/health (with the token) to see the circuit breaker and
restart guard counting, then "repairs" the source and waits for the channel to
be healthy again (recovery).

It serves the HTTP sources itself on 127.0.0.1:--source-port:
  /ok.ts      the file given with --good-file (a short H.264/AAC clip)
  /404.ts     the good file; 404 from the fault until the repair
  /stall.ts   the good file; from the fault until the repair, 64 KB of it, then silence
The file drills need --deleted-path / --corrupt-path: files the channel plays;
the script deletes or corrupts them (keeping a copy) and puts them back to
repair.

--setup makes all four channels itself through the API: a URL library
(source "url") holding /404.ts and /stall.ts, a local library holding two
copies of --good-file in a temporary folder, one schedule per source
(the item, flooded) and channels --setup-base … +3 playing them. E.g.:
  python3 bench/resilience/faults.py --url http://127.0.0.1:8411 --token "$(exstreamtv --show-token)" \
     --good-file demo/clip1.mp4 --setup
Or point your own channels at the sources and pass their numbers:
  python3 bench/resilience/faults.py --url http://127.0.0.1:8411 --token "$(exstreamtv --show-token)" \
     --good-file demo/clip1.mp4 --channel-404 901 --channel-stall 902 \
     --channel-deleted 903 --deleted-path /srv/tv/a.mp4 --channel-corrupt 904 --corrupt-path /srv/tv/b.mp4
Standard library only.
"""
import argparse
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

FAULTED = {"404": False, "stall": False}


def make_handler(good_file):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send_good(self):
            data = open(good_file, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            if self.path in ("/ok.ts", "/404.ts") and not (self.path == "/404.ts" and FAULTED["404"]):
                return self._send_good()
            if self.path == "/404.ts":
                self.send_error(404)
                return
            if self.path == "/stall.ts":
                if not FAULTED["stall"]:
                    return self._send_good()
                data = open(good_file, "rb").read()
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:65536])
                self.wfile.flush()
                while FAULTED["stall"]:
                    time.sleep(0.2)
                return
            self.send_error(404)

    return Handler


def api(base, token, path, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        raw = urllib.request.urlopen(req, timeout=60).read()
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")
    return json.loads(raw) if raw else None


def add_library(a, name, source, paths):
    lib = api(a.url, a.token, "/api/libraries", "POST", {"name": name, "kind": "other_videos", "source": source,
                                                         "paths": paths})
    deadline = time.monotonic() + 120
    while lib["scan"]["state"] != "idle" and time.monotonic() < deadline:
        time.sleep(0.5)
        lib = api(a.url, a.token, f"/api/libraries/{lib['id']}")
    found = api(a.url, a.token, f"/api/media?library={lib['id']}&limit=100")
    items = found.get("items", found.get("media", []))
    return {it["title"]: it["id"] for it in items}  # titles come from the file names


def add_channel(a, number, name, media_item):
    sched = api(a.url, a.token, "/api/schedules", "POST",
                {"name": name, "items": [{"content": {"media_item": media_item}, "mode": "flood"}]})
    api(a.url, a.token, "/api/channels", "POST", {"number": number, "name": name})
    api(a.url, a.token, f"/api/channels/{number}/playout", "PUT", {"schedule_id": sched["id"], "mode": "continuous"})


def setup(a):
    """Makes the four channels the drills need (see --setup)."""
    tag = f"{os.getpid()}"
    src = f"http://127.0.0.1:{a.source_port}"
    by_uri = add_library(a, f"faults-http-{tag}", "url", [f"{src}/404.ts", f"{src}/stall.ts"])
    folder = tempfile.mkdtemp(prefix="exstreamtv-faults-")
    a.deleted_path = os.path.join(folder, "deleted.mp4")
    a.corrupt_path = os.path.join(folder, "corrupt.mp4")
    shutil.copy(a.good_file, a.deleted_path)
    shutil.copy(a.good_file, a.corrupt_path)
    by_uri.update(add_library(a, f"faults-files-{tag}", "local", [folder]))
    base = int(a.setup_base)
    for i, kind in enumerate(("404", "stall", "deleted", "corrupt")):
        if kind not in by_uri:
            sys.exit(f"the scan did not make an item titled {kind}: {sorted(by_uri)}")
        number = str(base + i)
        add_channel(a, number, f"faults {kind} {tag}", by_uri[kind])
        setattr(a, f"channel_{kind}", number)
        print(f"channel {number}: {kind} (media item {by_uri[kind]})", file=sys.stderr)


def watch_stream(base, number, seconds, fault_at, fault, repair_at, repair):
    """Reads the channel for @seconds; returns the longest byte gap after the fault."""
    max_gap, last, total = 0.0, None, 0
    start = time.monotonic()
    done_fault = done_repair = False
    with urllib.request.urlopen(f"{base}/iptv/channel/{number}.ts", timeout=90) as r:
        while time.monotonic() - start < seconds:
            if not done_fault and time.monotonic() - start >= fault_at:
                fault()
                done_fault = True
            if not done_repair and time.monotonic() - start >= repair_at:
                repair()
                done_repair = True
            chunk = r.read(188 * 7)
            now = time.monotonic()
            if not chunk:
                return float("inf"), total
            if last is not None and done_fault:
                max_gap = max(max_gap, now - last)
            last = now
            total += len(chunk)
    return max_gap, total


def drill(a, name, number, fault, repair):
    print(f"--- {name} (channel {number})", file=sys.stderr)
    gap, total = watch_stream(a.url, number, a.seconds, 3, fault, a.seconds - 20, repair)
    health = api(a.url, a.token, f"/api/channels/{number}/health")
    restarts = health.get("restarts", {})
    deadline = time.monotonic() + 60
    while health.get("status") != "healthy" and time.monotonic() < deadline:
        time.sleep(2)
        health = api(a.url, a.token, f"/api/channels/{number}/health")
    return {"drill": name, "max_gap_s": gap, "bytes": total, "breaker": restarts.get("circuit_breaker"),
            "failures": restarts.get("failures_in_window"), "restarts": restarts.get("restarts_total"),
            "recovered": health.get("status") == "healthy"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8411")
    ap.add_argument("--token", required=True)
    ap.add_argument("--good-file", required=True)
    ap.add_argument("--source-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--seconds", type=float, default=60)
    for k in ("404", "stall", "deleted", "corrupt"):
        ap.add_argument(f"--channel-{k}")
    ap.add_argument("--deleted-path")
    ap.add_argument("--corrupt-path")
    ap.add_argument("--setup", action="store_true", help="make the libraries, schedules and channels through the API")
    ap.add_argument("--setup-base", default="9401", help="first channel number --setup uses (four in a row)")
    a = ap.parse_args()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.source_port), make_handler(a.good_file))
    a.source_port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    if a.setup:
        setup(a)
    results = []
    if a.channel_404:
        results.append(drill(a, "http 404", a.channel_404, lambda: FAULTED.update({"404": True}),
                             lambda: FAULTED.update({"404": False})))
    if a.channel_stall:
        results.append(drill(a, "http stall", a.channel_stall, lambda: FAULTED.update({"stall": True}),
                             lambda: FAULTED.update({"stall": False})))
    if a.channel_deleted and a.deleted_path:
        keep = a.deleted_path + ".faults-keep"
        results.append(drill(a, "deleted file", a.channel_deleted, lambda: shutil.move(a.deleted_path, keep),
                             lambda: shutil.move(keep, a.deleted_path)))
    if a.channel_corrupt and a.corrupt_path:
        keep = a.corrupt_path + ".faults-keep"

        def corrupt():
            shutil.copy(a.corrupt_path, keep)
            with open(a.corrupt_path, "r+b") as f:
                f.seek(os.path.getsize(a.corrupt_path) // 3)
                f.write(os.urandom(256 * 1024))
        results.append(drill(a, "corrupt file", a.channel_corrupt, corrupt, lambda: shutil.move(keep, a.corrupt_path)))
    srv.shutdown()

    print(f"{'drill':14} {'max gap':>8} {'target':>7} {'breaker':>10} {'failures':>9} {'restarts':>9} {'recovered':>10}")
    ok = True
    for r in results:
        good = r["max_gap_s"] <= 0.5 and r["recovered"]
        ok &= good
        print(f"{r['drill']:14} {r['max_gap_s']:7.2f}s {'0.5s':>7} {str(r['breaker']):>10} {str(r['failures']):>9} "
              f"{str(r['restarts']):>9} {str(r['recovered']):>10}")
    print("PASS" if ok and results else "FAIL")
    return 0 if ok and results else 1


if __name__ == "__main__":
    sys.exit(main())
