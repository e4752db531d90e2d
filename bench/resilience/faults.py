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
  /404.ts     404 until repaired, then /ok.ts's bytes
  /stall.ts   64 KB of the good file, then silence until repaired
Point one channel at each (how depends on the library/schedule API) and pass
their numbers. The file drills need --deleted-path / --corrupt-path: files the
channel plays; the script deletes or corrupts them (keeping a copy) and puts
them back to repair.

WAITING FOR THE CHANNEL ENGINE and the library/scheduling API (to point
channels at sources). Run, e.g.:
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
import threading
import time
import urllib.request

REPAIRED = {"404": False, "stall": False}


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
            if self.path == "/ok.ts" or (self.path == "/404.ts" and REPAIRED["404"]):
                return self._send_good()
            if self.path == "/404.ts":
                self.send_error(404)
                return
            if self.path == "/stall.ts":
                if REPAIRED["stall"]:
                    return self._send_good()
                data = open(good_file, "rb").read()
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:65536])
                self.wfile.flush()
                while not REPAIRED["stall"]:
                    time.sleep(0.2)
                return
            self.send_error(404)

    return Handler


def api(base, token, path):
    req = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


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
    ap.add_argument("--source-port", type=int, default=8499)
    ap.add_argument("--seconds", type=float, default=60)
    for k in ("404", "stall", "deleted", "corrupt"):
        ap.add_argument(f"--channel-{k}")
    ap.add_argument("--deleted-path")
    ap.add_argument("--corrupt-path")
    a = ap.parse_args()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.source_port), make_handler(a.good_file))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    results = []
    if a.channel_404:
        results.append(drill(a, "http 404", a.channel_404, lambda: None, lambda: REPAIRED.update({"404": True})))
    if a.channel_stall:
        results.append(drill(a, "http stall", a.channel_stall, lambda: None, lambda: REPAIRED.update({"stall": True})))
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
