#!/usr/bin/env python3
"""Channels and viewers at full scale (issue 21), on the real server.

Run by hand (bench/README.md):
  nice python3 bench/scale/bench-scale.py channels [--remux 100] [--encoding auto|N] [--quick]
  nice python3 bench/scale/bench-scale.py channels --encoding 8 --rss-trace   (overload: memory stays bounded)
  nice python3 bench/scale/bench-scale.py viewers [--one 500] [--spread 2000 --over 20] [--quick]

Both start build/src/app/exstreamtv on a temporary --data-dir, port 0, and
make the library, schedule and channels through its API (POST /api/libraries,
POST /api/import). Every viewer is an HTTP client of /iptv/channel/N.ts in
this one asyncio process; its real-time ratio is the stream time it received
(the PCR's progress) over the wall time of the measured window.

channels: REMUX remux channels with a viewer each, measured alone; then
encoding channels (720p profile) with a viewer each — `auto` adds one at a
time until a viewer of any channel falls below 99 % of real time, or an
encoding channel's viewer below 99 % of its 30 pictures a second (the engine
keeps stream time under load by dropping pictures), over a probe window, and
takes the last one away — then everything for SECONDS (300). The
per-channel CPU and RSS come from this run: remux = the remux-only window over
REMUX; encoding = what the encoding channels added, over their number.

viewers: ONE viewers of one channel and SPREAD viewers over OVER channels.
Server CPU is measured with one viewer per channel, then with all; the slope
is the CPU per extra viewer (goal 0.05 % of a core).
Standard library and ffmpeg only; the FD limit is raised to the hard limit.
"""
import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exsbench as xb  # noqa: E402

REAL_TIME = 0.99
FPS = 30  # the clips' and the 720p profile's frame rate


def start_server(binary, data_dir, viewers_per_channel):
    xb.configure_server(server_max_connections=20000, server_max_connections_per_client=20000,
                        session_manager_max_sessions_per_channel=viewers_per_channel,
                        pipeline_pool_max_pipelines=400, pipeline_pool_spawns_per_second=50,
                        channels_linger_seconds=1)
    server = xb.Server(binary, data_dir)
    server.start()
    return server


async def open_viewers(port, numbers, batch=50):
    """Opens a viewer per entry of @numbers, @batch at a time."""
    viewers = []
    for i in range(0, len(numbers), batch):
        viewers += await asyncio.gather(*(xb.open_viewer(port, n) for n in numbers[i:i + batch]))
        await asyncio.sleep(0.05)
    return viewers


async def measure(proc, viewers, seconds, sample=None):
    """Server CPU over @seconds with the viewers' windows; max RSS/FDs/threads."""
    for v in viewers:
        v.start_window()
    w = xb.Window(proc)
    peak = {"rss": 0.0, "fds": 0, "threads": 0}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(min(5.0, max(0.0, end - time.monotonic())))
        peak["rss"] = max(peak["rss"], proc.rss_mib())
        peak["fds"] = max(peak["fds"], proc.fds())
        peak["threads"] = max(peak["threads"], proc.threads())
        if sample:
            sample()
        failed = [v for v in viewers if v.error]
        if failed:
            raise RuntimeError(f"{len(failed)} viewers lost their stream, e.g. channel {failed[0].number}: "
                               f"{failed[0].error}")
    w.close()
    w.ratios = [v.window()[0] for v in viewers]
    w.mbps = sum(v.window()[1] for v in viewers)
    w.fps = {v.number: v.window()[2] for v in viewers}
    w.peak = peak
    return w


def picture_ratio(w, viewers):
    """The lowest share of the profile's FPS pictures that @viewers got."""
    return min(w.fps[v.number] / FPS for v in viewers) if viewers else 1.0


def ratio_line(label, w):
    r = w.ratios
    ok = sum(1 for x in r if x >= REAL_TIME)
    return (f"{label:<34} {ok:>5}/{len(r):<5} {min(r):7.3f} {xb.percentile(r, 0.01):7.3f} "
            f"{xb.percentile(r, 0.5):7.3f}  {w.cores:6.3f} {w.client_cores:6.3f} "
            f"{w.peak['rss']:8.1f} {w.peak['fds']:6d} {w.peak['threads']:5d}  {w.load[0]:5.1f}")


RATIO_HEADER = (f"{'window':<34} {'>=99%':>11} {'min':>7} {'p1':>7} {'median':>7}  {'server':>6} {'client':>6} "
                f"{'RSS MiB':>8} {'FDs':>6} {'thr':>5}  {'load1':>5}\n"
                f"{'':<34} {'':>11} {'real-time ratio':>23}  {'cores':>6} {'cores':>6}")


def pipelines(server, numbers):
    kinds = {}
    for n in numbers:
        h = server.api("GET", f"/api/channels/{n}/health")
        kinds[h.get("pipeline")] = kinds.get(h.get("pipeline"), 0) + 1
    return kinds


def pipeline_counts(pid):
    """(all pipelines, encoding ones) of the server, from its threads' names:
    each pipeline has one mpegtsmux src thread, each encoding one a
    compositor src thread. Cheap enough to ask every few seconds under load,
    when 100 API calls are not."""
    names = []
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return sum(n == "mux:src" for n in names), sum(n == "comp:src" for n in names)


def rss_trace(proc, t0):
    """A line per sample: RSS, threads and pipelines (--rss-trace)."""
    def sample():
        n, enc = pipeline_counts(proc.pid)
        print(f"  t={time.monotonic() - t0:6.0f} s  RSS {proc.rss_mib():8.1f} MiB  threads {proc.threads():5d}  "
              f"pipelines {n:4d} (encoding {enc:3d})  {xb.load_line()}", flush=True)
    return sample


async def run_channels(args, server, proc):
    remux = [str(1000 + i) for i in range(args.remux)]
    encoding = [str(2000 + i) for i in range(args.max_encoding)]
    port = server.port
    idle = xb.Window(proc)
    await asyncio.sleep(3)
    idle.close()
    idle_rss, idle_fds = proc.rss_mib(), proc.fds()
    print(f"server idle: {idle.cores:.4f} cores, RSS {idle_rss:.1f} MiB, {idle_fds} FDs; {xb.load_line()}")

    t0 = time.monotonic()
    viewers = await open_viewers(port, remux)
    await xb.wait_streaming(viewers)
    print(f"{len(remux)} remux channels streaming to a viewer each after {time.monotonic() - t0:.1f} s; "
          f"pipelines {pipelines(server, remux)}")
    await asyncio.sleep(5)
    w_remux = await measure(proc, viewers, args.remux_seconds)
    print(RATIO_HEADER)
    print(ratio_line(f"{len(remux)} remux, {args.remux_seconds:.0f} s", w_remux))
    rss_remux = w_remux.peak["rss"]

    enc_viewers = []
    if args.encoding == "auto":
        for n in encoding:
            v = (await open_viewers(port, [n]))[0]
            await xb.wait_streaming([v])
            await asyncio.sleep(5)
            w = await measure(proc, viewers + enc_viewers + [v], args.probe_seconds)
            pictures = picture_ratio(w, enc_viewers + [v])
            print(ratio_line(f"{len(remux)} remux + {len(enc_viewers) + 1} encoding, probe", w)
                  + f"  pictures {pictures:.3f}")
            # stream time alone is kept by dropping pictures: both must hold
            if min(w.ratios) < REAL_TIME or pictures < REAL_TIME:
                v.close()
                await v.closed
                break
            enc_viewers.append(v)
        print(f"encoding channels that fit beside {len(remux)} remux channels: {len(enc_viewers)}")
        await asyncio.sleep(3)  # the one taken away lingers 1 s, then stops
    else:
        enc_viewers = await open_viewers(port, encoding[:int(args.encoding)])
        await xb.wait_streaming(enc_viewers)
    if enc_viewers:
        print(f"pipelines of the encoding channels: {pipelines(server, [v.number for v in enc_viewers])}")
        await asyncio.sleep(5)

    everyone = viewers + enc_viewers
    w_all = await measure(proc, everyone, args.seconds,
                          rss_trace(proc, time.monotonic()) if args.rss_trace else None)
    print(RATIO_HEADER)
    print(ratio_line(f"{len(remux)} remux + {len(enc_viewers)} encoding, {args.seconds:.0f} s", w_all))
    lost = sum(v.discontinuities for v in everyone)
    print(f"viewers' stream: {w_all.mbps:.1f} Mb/s in all; PCR discontinuities seen {lost}; "
          f"longest pause between reads {max(v.max_gap for v in everyone):.2f} s")

    n_enc = len(enc_viewers)
    rows = [("viewers at >= 99 % of real time, whole run", f"{sum(r >= REAL_TIME for r in w_all.ratios)}/"
             f"{len(everyone)}", f"{len(everyone)}/{len(everyone)}"),
            ("lowest real-time ratio", f"{min(w_all.ratios):.4f}", f"{REAL_TIME}"),
            ("lowest picture ratio (pictures / 30 per s)",
             f"{picture_ratio(w_all, everyone):.4f}", f"{REAL_TIME}"),
            ("server CPU, everything (cores)", f"{w_all.cores:.3f}", "2 (the machine)"),
            ("server RSS, everything (MiB)", f"{w_all.peak['rss']:.1f}", ""),
            ("server FDs / threads, everything", f"{w_all.peak['fds']} / {w_all.peak['threads']}", ""),
            ("remux: CPU per channel (cores)", f"{w_remux.cores / len(remux):.4f}", ""),
            ("remux: RSS per channel (MiB)", f"{(rss_remux - idle_rss) / len(remux):.2f}", ""),
            ("remux: FDs per channel", f"{(w_remux.peak['fds'] - idle_fds) / len(remux):.2f}", "")]
    if n_enc:
        rows += [("encoding: CPU per channel (cores)", f"{(w_all.cores - w_remux.cores) / n_enc:.3f}", ""),
                 ("encoding: RSS per channel (MiB)", f"{(w_all.peak['rss'] - rss_remux) / n_enc:.1f}", "")]
    print(f"\n{'figure (this run)':<44} {'measured':>14} {'goal':>16}")
    for label, value, goal in rows:
        print(f"{label:<44} {value:>14} {goal:>16}")
    print(f"clients (this process): {w_all.client_cores:.3f} cores; {xb.load_line()}")
    for v in everyone:
        v.close()
    return all(r >= REAL_TIME for r in w_all.ratios) and picture_ratio(w_all, everyone) >= REAL_TIME


async def slope_run(server, proc, label, channels, per_channel, seconds):
    """One viewer per channel, then @per_channel: the CPU slope per viewer."""
    port = server.port
    first = await open_viewers(port, channels)
    await xb.wait_streaming(first)
    await asyncio.sleep(5)
    w1 = await measure(proc, first, seconds)
    print(ratio_line(f"{label}: {len(first)} viewer(s)", w1))
    more = await open_viewers(port, [c for c in channels for _ in range(per_channel - 1)])
    await xb.wait_streaming(more)
    await asyncio.sleep(5)
    everyone = first + more
    wn = await measure(proc, everyone, seconds)
    print(ratio_line(f"{label}: {len(everyone)} viewers", wn))
    slope = (wn.cores - w1.cores) / (len(everyone) - len(first)) * 100
    for v in everyone:
        v.close()
    await asyncio.gather(*(v.closed for v in everyone))
    return {"label": label, "n": len(everyone), "ok": sum(r >= REAL_TIME for r in wn.ratios),
            "min": min(wn.ratios), "cpu1": w1.cores, "cpun": wn.cores, "slope": slope,
            "client": wn.client_cores, "mbps": wn.mbps, "load": wn.load[0]}


async def run_viewers(args, server, proc):
    print(RATIO_HEADER)
    results = [await slope_run(server, proc, "one channel", ["1000"], args.one, args.seconds)]
    print(f"pipelines: {pipelines(server, ['1000'])}")
    await asyncio.sleep(3)
    spread = [str(1001 + i) for i in range(args.over)]
    results.append(await slope_run(server, proc, f"{args.over} channels", spread,
                                   args.spread // args.over, args.seconds))
    print(f"pipelines: {pipelines(server, spread)}")
    print(f"\n{'run':<16} {'viewers':>8} {'>=99%':>7} {'min ratio':>9} {'Mb/s':>7} {'CPU at 1/chan':>13} "
          f"{'CPU at all':>10} {'% core per viewer':>17} {'goal':>5} {'ratio':>6} {'client':>7} {'load1':>6}")
    ok = True
    for r in results:
        print(f"{r['label']:<16} {r['n']:>8} {r['ok']:>7} {r['min']:>9.3f} {r['mbps']:>7.0f} {r['cpu1']:>13.3f} "
              f"{r['cpun']:>10.3f} {r['slope']:>17.4f} {0.05:>5} {r['slope'] / 0.05:>6.2f} {r['client']:>7.3f} "
              f"{r['load']:>6.1f}")
        ok = ok and r["ok"] == r["n"] and r["slope"] <= 0.05
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("channels", "viewers"))
    ap.add_argument("--bin", default=os.path.join(xb.ROOT, "build", "src", "app", "exstreamtv"))
    ap.add_argument("--clips", help="keep the clips in this folder for the next run")
    ap.add_argument("--quick", action="store_true", help="short windows, fewer viewers: for trying")
    ap.add_argument("--remux", type=int, default=100, help="channels: remux channels (100)")
    ap.add_argument("--encoding", default="auto", help="channels: encoding channels, or auto (add until one falls "
                    "below real time)")
    ap.add_argument("--max-encoding", type=int, default=12, help="channels: most encoding channels tried (12)")
    ap.add_argument("--seconds", type=float, help="the measured window (channels 300, viewers 60)")
    ap.add_argument("--remux-seconds", type=float, default=60, help="channels: the remux-only window (60)")
    ap.add_argument("--probe-seconds", type=float, default=30, help="channels: each auto probe (30)")
    ap.add_argument("--one", type=int, default=500, help="viewers: viewers of one channel (500)")
    ap.add_argument("--spread", type=int, default=2000, help="viewers: viewers over --over channels (2000)")
    ap.add_argument("--over", type=int, default=20, help="viewers: channels for --spread (20)")
    ap.add_argument("--rss-trace", action="store_true", help="channels: print RSS, threads and pipelines (all, "
                    "encoding) every 5 s of the measured window: on an overloaded machine they must stay flat")
    ap.add_argument("--clip-kbps", type=int, help="the clips' video bit rate (channels 2500, viewers 500)")
    args = ap.parse_args()
    if args.seconds is None:
        args.seconds = 300 if args.what == "channels" else 60
    if args.quick:
        args.seconds, args.remux_seconds, args.probe_seconds = 20, 10, 10
        if args.what == "viewers":
            args.one, args.spread = min(args.one, 100), min(args.spread, 400)
    fd_limit = xb.raise_fd_limit()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin}: not built (meson compile -C build)")

    tmp = tempfile.mkdtemp(prefix="exs-bench-scale-")
    clips = args.clips or os.path.join(tmp, "clips")
    os.makedirs(clips, exist_ok=True)
    if args.what == "channels":
        kbps, size = args.clip_kbps or 2500, "1280x720"
    else:
        # the remux channels' profile is 720p: a clip of another size does not
        # fit the remux path and its channel encodes (the first runs measured
        # encoding channels that way)
        kbps, size = args.clip_kbps or 500, "1280x720"
    for i in range(2):
        xb.make_clip(os.path.join(clips, f"scale-{size}-{kbps}k-{i}.mp4"), 60 + 7 * i, size, kbps)
    media = os.path.join(tmp, "media")
    os.makedirs(media)
    for name in os.listdir(clips):
        if name.startswith(f"scale-{size}-{kbps}k-") and name.endswith(".mp4"):
            os.symlink(os.path.join(clips, name), os.path.join(media, name))

    per_channel = max(args.one, args.spread // max(1, args.over)) + 10
    server = start_server(args.bin, os.path.join(tmp, "data"), per_channel)
    try:
        proc = xb.ProcStats(server.proc.pid)
        if args.what == "channels":
            chans = ([{"number": str(1000 + i), "transcode_mode": "remux", "profile": "720p"}
                      for i in range(args.remux)]
                     + [{"number": str(2000 + i), "transcode_mode": "transcode", "profile": "720p"}
                        for i in range(args.max_encoding)])
        else:
            chans = [{"number": str(1000 + i), "transcode_mode": "remux", "profile": "720p"}
                     for i in range(args.over + 1)]
        xb.make_channels(server, media, chans)
        print(f"bench-scale {args.what}: {len(chans)} channels made through the API; clips {size} "
              f"{kbps} kb/s H.264 + AAC; FD limit {fd_limit}; {os.cpu_count()} CPUs; {xb.load_line()}")
        run = run_channels if args.what == "channels" else run_viewers
        ok = asyncio.run(run(args, server, proc))
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
