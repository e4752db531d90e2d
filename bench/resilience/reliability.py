#!/usr/bin/env python3
"""EXStreamTV 2.6's reliability test, rebuilt against our HTTP endpoints.

N channels (default 50), C cycles (default 3); in each cycle every channel is
tuned (GET /iptv/channel/{number}.ts), read for --read-seconds (30) and
closed. A tune succeeds when its first byte arrives within --ttfb-timeout and
it delivers MPEG-TS (0x47 sync bytes every 188 bytes) for the whole read.
Prints success per cycle and TTFB p50/p95/max, with the ratio against the
seeds' baseline (2026-01-28: 44.4 %, 50.0 %, 0.0 %; 35.4 % overall), and the
server's pool/restart/containment counters from /metrics.

WAITING FOR THE CHANNEL ENGINE: /iptv/channel/{number}.ts is served by it.
Run: python3 bench/resilience/reliability.py --url http://127.0.0.1:8411 \
       --channels 100-149 [--concurrency 10] [--read-seconds 30] [--cycles 3]
(the demo lineup: start the server with --demo and pass its numbers).
Standard library only.
"""
import argparse
import concurrent.futures as cf
import statistics
import sys
import time
import urllib.request

BASELINE = {1: 44.4, 2: 50.0, 3: 0.0, "overall": 35.4}


def parse_channels(spec):
    out = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part and "." not in part:
            a, b = part.split("-")
            out += [str(n) for n in range(int(a), int(b) + 1)]
        elif part:
            out.append(part)
    return out


def tune(base, number, read_seconds, ttfb_timeout):
    url = f"{base}/iptv/channel/{number}.ts"
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=ttfb_timeout) as r:
            first = r.read(188)
            ttfb = time.monotonic() - start
            if len(first) < 188 or first[0] != 0x47:
                return number, False, ttfb, "not MPEG-TS"
            total = len(first)
            stop = start + read_seconds
            while time.monotonic() < stop:
                chunk = r.read(188 * 64)
                if not chunk:
                    return number, False, ttfb, f"ended after {total} bytes"
                total += len(chunk)
            if total < 188 * 100:
                return number, False, ttfb, f"only {total} bytes"
            return number, True, ttfb, f"{total} bytes"
    except Exception as e:  # noqa: BLE001 — every failure counts as one
        return number, False, time.monotonic() - start, str(e)


def scrape(base):
    try:
        text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}
    wanted = ("exstreamtv_ffmpeg_pool_pressure_events_total", "exstreamtv_pipeline_starts_refused_total",
              "exstreamtv_channel_restarts_total", "exstreamtv_containment_mode",
              "exstreamtv_process_resident_memory_bytes", "exstreamtv_process_open_fds",
              "exstreamtv_pipeline_pool_in_use")
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{")[0].split(" ")[0]
        if name in wanted:
            out[name] = out.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8411")
    ap.add_argument("--channels", default="100-149", help="e.g. 100-149 or 1,2,1984.1")
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--read-seconds", type=float, default=30)
    ap.add_argument("--ttfb-timeout", type=float, default=90)
    ap.add_argument("--concurrency", type=int, default=10)
    a = ap.parse_args()
    channels = parse_channels(a.channels)
    results = {}
    for cycle in range(1, a.cycles + 1):
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(a.concurrency) as ex:
            results[cycle] = list(ex.map(lambda n: tune(a.url, n, a.read_seconds, a.ttfb_timeout), channels))
        ok = sum(1 for r in results[cycle] if r[1])
        print(f"cycle {cycle}: {ok}/{len(channels)} ok in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        for number, good, _, why in results[cycle]:
            if not good:
                print(f"  channel {number}: {why}", file=sys.stderr)

    print(f"{'':10} {'success':>9} {'baseline':>9} {'ratio':>7} {'ttfb p50':>9} {'p95':>7} {'max':>7}")
    all_ok = all_n = 0
    for cycle, rs in results.items():
        ok = sum(1 for r in rs if r[1])
        all_ok += ok
        all_n += len(rs)
        ttfb = [r[2] for r in rs if r[1]]
        rate = 100 * ok / len(rs)
        base = BASELINE.get(cycle)
        ratio = f"{rate / base:.2f}x" if base else "n/a"
        print(f"cycle {cycle:<4} {rate:8.1f}% {base if base is not None else float('nan'):8.1f}% {ratio:>7} "
              f"{pct(ttfb, 50):8.2f}s {pct(ttfb, 95):6.2f}s {max(ttfb) if ttfb else float('nan'):6.2f}s")
    rate = 100 * all_ok / max(all_n, 1)
    print(f"{'overall':10} {rate:8.1f}% {BASELINE['overall']:8.1f}% {rate / BASELINE['overall']:6.2f}x")
    print("server:", scrape(a.url))
    return 0 if rate >= 80 else 1


if __name__ == "__main__":
    sys.exit(main())
