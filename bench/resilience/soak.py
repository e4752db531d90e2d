#!/usr/bin/env python3
"""The 2-hour soak: RSS, open FDs and running pipelines must stay flat.

Keeps --viewers clients tuned to --channels (re-tuning when a stream ends,
rotating channels every --rotate-seconds so channels start and stop), and
scrapes /metrics every 30 s: exstreamtv_process_resident_memory_bytes,
exstreamtv_process_open_fds, exstreamtv_pipeline_pool_in_use,
exstreamtv_containment_mode. The first --warmup-minutes (10) are the baseline:
the first pipelines allocate what every later one reuses (encoder tables,
thread stacks, the heap's arenas), so growth is measured from the end of the
warm-up, not from the idle server. At the end it prints the start (idle),
baseline, end and max of each, and the RSS slope (MB per hour, least squares
over the second half), and fails if RSS grew more than --max-rss-growth-mb
(100, the containment threshold) over the baseline, if FDs or pipelines after
the viewers left exceed the idle start by more than a few, or if containment
mode was ever entered.

Run (a server with channels to tune; linger short so channels stop often):
  EXSTREAMTV_CHANNELS_LINGER_SECONDS=5 exstreamtv --demo &
  python3 bench/resilience/soak.py --url http://127.0.0.1:8411 \
      --channels 100,101,1984.1 --viewers 2 --rotate-seconds 40 --hours 2
Standard library only.
"""
import argparse
import random
import sys
import threading
import time
import urllib.request

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from reliability import parse_channels  # noqa: E402

WANTED = ("exstreamtv_process_resident_memory_bytes", "exstreamtv_process_open_fds",
          "exstreamtv_pipeline_pool_in_use", "exstreamtv_containment_mode")


def scrape(base):
    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            if name in WANTED:
                out[name] = float(line.rsplit(" ", 1)[1])
    return out


def viewer(base, channels, stop, rotate, counts):
    while not stop.is_set():
        number = random.choice(channels)
        until = time.monotonic() + rotate
        try:
            with urllib.request.urlopen(f"{base}/iptv/channel/{number}.ts", timeout=90) as r:
                while time.monotonic() < until and not stop.is_set():
                    if not r.read(188 * 64):
                        break
                    counts["bytes"] += 188 * 64
            counts["tunes"] += 1
        except Exception:  # noqa: BLE001
            counts["errors"] += 1
            time.sleep(1)


def slope_mb_per_hour(samples):
    half = samples[len(samples) // 2:]
    if len(half) < 2:
        return 0.0
    xs = [t for t, _ in half]
    ys = [s["exstreamtv_process_resident_memory_bytes"] / 2**20 for _, s in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 3600


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8411")
    ap.add_argument("--channels", default="100-109")
    ap.add_argument("--viewers", type=int, default=20)
    ap.add_argument("--hours", type=float, default=2)
    ap.add_argument("--rotate-seconds", type=float, default=120)
    ap.add_argument("--max-rss-growth-mb", type=float, default=100)
    ap.add_argument("--warmup-minutes", type=float, default=10)
    a = ap.parse_args()
    channels = parse_channels(a.channels)
    stop = threading.Event()
    counts = {"bytes": 0, "tunes": 0, "errors": 0}
    samples = [(0.0, scrape(a.url))]
    threads = [threading.Thread(target=viewer, args=(a.url, channels, stop, a.rotate_seconds, counts), daemon=True)
               for _ in range(a.viewers)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < a.hours * 3600:
            time.sleep(30)
            samples.append((time.monotonic() - t0, scrape(a.url)))
            s = samples[-1][1]
            print(f"{samples[-1][0]:7.0f}s RSS {s['exstreamtv_process_resident_memory_bytes'] / 2**20:7.1f} MB  "
                  f"FDs {s['exstreamtv_process_open_fds']:5.0f}  pipelines {s['exstreamtv_pipeline_pool_in_use']:4.0f}  "
                  f"containment {s['exstreamtv_containment_mode']:.0f}  tunes {counts['tunes']} errors {counts['errors']}",
                  file=sys.stderr)
    finally:
        stop.set()
    time.sleep(35)  # viewers gone, channels past their linger
    samples.append((time.monotonic() - t0, scrape(a.url)))

    first, last = samples[0][1], samples[-1][1]
    warm = [s for t, s in samples if t >= a.warmup_minutes * 60]
    base = warm[0] if warm else first
    print(f"{'':14} {'idle start':>11} {'baseline':>11} {'end':>11} {'max':>11}")
    for name in WANTED[:3]:
        scale = 2**20 if name == WANTED[0] else 1
        unit = " MB" if scale > 1 else ""
        print(f"{name.replace('exstreamtv_', ''):14.14} {first[name] / scale:11.0f} {base[name] / scale:11.0f} "
              f"{last[name] / scale:11.0f} {max(s[name] for _, s in samples) / scale:11.0f}{unit}")
    growth = (max(s[WANTED[0]] for s in warm[len(warm) * 3 // 4:] or [last]) - base[WANTED[0]]) / 2**20
    slope = slope_mb_per_hour(samples)
    contained = any(s[WANTED[3]] for _, s in samples)
    print(f"tunes {counts['tunes']}, errors {counts['errors']}, {counts['bytes'] / 2**30:.2f} GiB read")
    print(f"RSS growth over the baseline {growth:.1f} MB (last quarter's max), slope {slope:.1f} MB/h "
          f"(second half), containment entered: {contained}")
    ok = growth < a.max_rss_growth_mb and last[WANTED[1]] <= first[WANTED[1]] + 8 \
        and last[WANTED[2]] <= first[WANTED[2]] and not contained
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
