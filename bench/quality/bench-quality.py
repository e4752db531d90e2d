#!/usr/bin/env python3
"""Encoding quality per CPU (issue 21): EXStreamTV against the peers' ffmpeg.

Run by hand (bench/README.md), never in the test suite:
  nice python3 bench/quality/bench-quality.py [--bin build/src/app/exstreamtv]
      [--runs 2] [--seconds 30] [--warm 5] [--clip FILE] [--workdir DIR]

The same 720p30 source goes through three encoders at the same bit rate
(3 Mb/s video, AAC 192 kb/s), each at real-time pace:
  - EXStreamTV: a real channel (profile 720p, transcode_mode transcode) of
    the real server, set up through its API, watched over
    /iptv/channel/N.ts by curl;
  - ffmpeg -re ... -preset ultrafast -tune zerolatency (the engine bench's
    baseline);
  - ffmpeg -re ... -preset veryfast (ErsatzTV's and Tunarr's default).
CPU is the encoding process's utime + stime (/proc/PID/stat) over the same
SECONDS of output after WARM seconds, per second of video produced (real
time: cores). Quality is SSIM and PSNR (ffmpeg's ssim and psnr filters) of
that window of the decoded output against the decoded source, the two
aligned by picture content (the channel's first frames are its "Starting"
screen, and where it starts in the clip is the playout's business). Runs
interleave the three (RUNS rounds) and the table gives the medians, the
load average beside them, and the ratios to veryfast: our CPU / its CPU,
our SSIM - its SSIM. Goal: SSIM >= veryfast's at <= 0.8x its CPU.

The default clip (made once with GStreamer into WORKDIR): 45 s of a moving
SMPTE background, a bouncing ball and a moving zone plate in windows, with a
film grain (snow at 12 %), H.264 at quantizer 12 (near-transparent) +
AAC, a keyframe every 97 frames. Not 60: an encoder whose own keyframes fall
on the source's (every 60 frames, as the ffmpeg peers started at the clip's
first frame had) re-encodes the source's best pictures at their best, and
scored 1.3 dB more PSNR than the same encoder 23 frames off; a channel
starts anywhere in the clip. 97 is prime: no 60-frame GOP meets it again
within the clip. --clip takes any other 1280x720 30 fps file with audio.
Standard library, ffmpeg, ffprobe, gst-launch-1.0 and curl.
"""
import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIP_SECONDS = 45
FPS = 30
VIDEO_KBPS = 3000
AUDIO = ["-c:a", "aac", "-b:a", "192k"]
# what the peers' defaults look like: rate, cap and a buffer of twice the rate
RATE = ["-b:v", f"{VIDEO_KBPS}k", "-maxrate", f"{VIDEO_KBPS}k", "-bufsize", f"{2 * VIDEO_KBPS}k", "-g", "60"]
PEERS = {
    "ffmpeg ultrafast": ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"] + RATE,
    "ffmpeg veryfast": ["-c:v", "libx264", "-preset", "veryfast"] + RATE,
}
# --same: ffmpeg with the channel's own x264 settings (src/streaming/exs-encoder.c), so that what the
# channel costs beyond its encoder shows apart from the encoder's settings
SAME = {
    "ffmpeg as the channel": ["-c:v", "libx264", "-preset", "superfast", "-tune", "zerolatency", "-threads", "2",
                              "-x264-params", "scenecut=0:subme=2", "-b:v", f"{VIDEO_KBPS}k",
                              "-maxrate", f"{VIDEO_KBPS}k", "-bufsize", f"{VIDEO_KBPS}k", "-g", "60"],
}
ALIGN_W, ALIGN_H, ALIGN_FRAMES = 32, 18, 8


def load_server_class():
    """The control-plane bench's Server (start on port 0, token, API calls)."""
    path = os.path.join(HERE, "..", "control-plane", "bench-control-plane.py")
    spec = importlib.util.spec_from_file_location("bench_control_plane", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Server


def make_clip(path):
    n = CLIP_SECONDS * FPS
    video = "video/x-raw,framerate=30/1"
    desc = (
        "compositor name=c background=black sink_1::xpos=700 sink_1::ypos=40 sink_1::width=520 "
        "sink_1::height=300 sink_2::xpos=60 sink_2::ypos=380 sink_2::width=560 sink_2::height=300 "
        "sink_3::alpha=0.12 ! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 "
        "! x264enc pass=qual quantizer=12 speed-preset=ultrafast key-int-max=97 ! h264parse ! queue "
        f"! mp4mux name=m ! filesink location={path} "
        f"videotestsrc num-buffers={n} pattern=smpte horizontal-speed=3 ! {video},width=1280,height=720 ! c.sink_0 "
        f"videotestsrc num-buffers={n} pattern=ball motion=wavy animation-mode=frames "
        f"! {video},width=520,height=300 ! c.sink_1 "
        f"videotestsrc num-buffers={n} pattern=zone-plate kx2=20 ky2=20 kt=2 ! {video},width=560,height=300 "
        "! c.sink_2 "
        f"videotestsrc num-buffers={n} pattern=snow ! {video},width=1280,height=720 ! c.sink_3 "
        f"audiotestsrc num-buffers={CLIP_SECONDS * 48000 // 1024 + 1} samplesperbuffer=1024 wave=pink-noise "
        "volume=0.3 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac bitrate=128000 ! aacparse "
        "! queue ! m.")
    subprocess.run(["gst-launch-1.0", "-q", "-e"] + desc.split(), check=True, stdout=subprocess.DEVNULL)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# ---- the encoders ----

def run_ours(server, number, out, warm, seconds):
    """Tunes the channel with curl for WARM + SECONDS; the server's CPU over the last SECONDS.
    The playout starts over first: an on-demand clock goes on from where the last run left it, and a
    window that crosses the clip's end holds a programme boundary, which is not what is measured."""
    server.api("POST", f"/api/channels/{number}/playout/reset", {})
    url = f"http://127.0.0.1:{server.port}/iptv/channel/{number}.ts"
    curl = subprocess.Popen(["curl", "-s", "--max-time", str(warm + seconds + 1), "-o", out, url])
    time.sleep(warm)
    c0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
    time.sleep(seconds)
    cpu, wall = cpu_seconds(server.proc.pid) - c0, time.monotonic() - t0
    curl.wait()
    return cpu / wall


def ffmpeg_out_time(line, current):
    m = re.match(rb"out_time_us=(\d+)", line)
    return int(m.group(1)) / 1e6 if m else current


def run_ffmpeg(clip, args, out, warm, seconds):
    """ffmpeg -re over the clip; its CPU per second of video made over the window."""
    p = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1",
                          "-stats_period", "0.25", "-re", "-i", clip] + args + AUDIO
                         + ["-t", str(warm + seconds + 1), "-f", "mpegts", "-y", out],
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.set_blocking(p.stdout.fileno(), False)
    made, marks = 0.0, []
    start = time.monotonic()
    for goal in (warm, warm + seconds):
        while time.monotonic() - start < goal:
            time.sleep(0.05)
            for line in (p.stdout.read() or b"").splitlines():
                made = ffmpeg_out_time(line, made)
        marks.append((cpu_seconds(p.pid), made))
    os.set_blocking(p.stdout.fileno(), True)
    p.communicate()
    cpu = marks[1][0] - marks[0][0]
    video = marks[1][1] - marks[0][1]
    return cpu / video if video > 0 else float("nan")


# ---- quality ----

def gray_frames(path, vf, count=None):
    """Frames of @path as tiny grey pictures (bytes), after the filter @vf."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf", f"{vf},scale={ALIGN_W}:{ALIGN_H},format=gray"]
    if count:
        args += ["-frames:v", str(count)]
    raw = subprocess.run(args + ["-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    size = ALIGN_W * ALIGN_H
    return [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]


def window(warm, seconds=None):
    """The output's measured window: timestamps from 0, snapped to the 1/30 s grid (the channel's are
    in 90 kHz units, a hair off it, and the comparison pairs frames by time; a dropped frame leaves its
    gap, so the frame before it is compared, as a viewer sees it), WARM s cut off."""
    trim = f"start={warm}" + (f":duration={seconds}" if seconds else "")
    return f"setpts=PTS-STARTPTS,setpts=round(round(T*{FPS})/({FPS}*TB)),trim={trim},setpts=PTS-STARTPTS"


def align(out, clip_frames, warm):
    """The source frame that the output's first frame after WARM s shows."""
    probe = gray_frames(out, window(warm), ALIGN_FRAMES)
    if len(probe) < ALIGN_FRAMES:
        raise RuntimeError(f"{out}: fewer than {ALIGN_FRAMES} frames after {warm} s")
    best, best_k = None, 0
    for k in range(len(clip_frames) // 2):  # the clip twice: one copy's starts suffice
        sad = 0
        for i in range(ALIGN_FRAMES):
            a, b = probe[i], clip_frames[k + i]
            sad += sum(abs(x - y) for x, y in zip(a, b))
            if best is not None and sad >= best:
                break
        if best is None or sad < best:
            best, best_k = sad, k
    return best_k, best / (ALIGN_FRAMES * ALIGN_W * ALIGN_H)


def quality(out, clip, start_frame, warm, seconds):
    """(SSIM, PSNR dB) of SECONDS of @out after WARM s against the source from @start_frame."""
    graph = (f"[0:v]{window(warm, seconds)},split[a][b];"
             f"[1:v]trim=start_frame={start_frame},setpts=PTS-STARTPTS,setpts=round(round(T*{FPS})/({FPS}*TB)),split[c][d];"
             "[a][c]ssim=shortest=1;[b][d]psnr=shortest=1")
    r = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", out, "-stream_loop", "1", "-i", clip,
                        "-lavfi", graph, "-f", "null", "-"], capture_output=True, text=True)
    ssim = re.search(r"SSIM .* All:([0-9.]+)", r.stderr)
    psnr = re.search(r"PSNR .* average:([0-9.inf]+)", r.stderr)
    if r.returncode != 0 or not ssim or not psnr:
        raise RuntimeError(f"ssim/psnr of {out} failed: {r.stderr[-600:]}")
    return float(ssim.group(1)), float(psnr.group(1))


def video_kbps(out, warm, seconds):
    """The video stream's bit rate over the window (packet sizes, not the TS around them)."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,size",
                        "-of", "compact=p=0", out], check=True, capture_output=True, text=True)
    rows = [dict(kv.split("=", 1) for kv in line.split("|") if "=" in kv) for line in r.stdout.split()]
    pts = [(float(row["pts_time"]), int(row["size"])) for row in rows if row.get("pts_time", "N/A") != "N/A"]
    t0 = min(t for t, _ in pts)
    total = sum(s for t, s in pts if warm <= t - t0 < warm + seconds)
    return total * 8 / seconds / 1000


# ---- the server's channel ----

def set_up_channel(server, clip_dir, number):
    lib = server.api("POST", "/api/libraries", {"name": "Quality", "kind": "other_videos", "paths": [clip_dir]},
                     expect=(201,))
    deadline = time.monotonic() + 300
    while True:
        lib = server.api("GET", f"/api/libraries/{lib['id']}")
        if lib["scan"]["state"] not in ("scanning", "queued") and not lib["scan"].get("queued"):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the library scan did not finish in 300 s")
        time.sleep(0.2)
    media = server.api("GET", f"/api/media?library={lib['id']}&limit=10")
    ids = [m["id"] for m in media["items"]]
    if len(ids) != 1:
        raise RuntimeError(f"the library holds {len(ids)} items, not the clip alone: {lib['scan']}")
    server.api("POST", "/api/import", {
        "version": 1,
        "schedules": [{"name": "Quality", "items": [{"content": {"playlist": ids}, "mode": "flood"}]}],
        "channels": [{"number": number, "name": "Quality", "profile": "720p", "transcode_mode": "transcode",
                      "schedule": "Quality", "playout_mode": "on_demand", "seed": 1}],
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/src/app/exstreamtv")
    ap.add_argument("--runs", type=int, default=2, help="rounds of the three encoders, interleaved")
    ap.add_argument("--seconds", type=float, default=30, help="the measured window")
    ap.add_argument("--warm", type=float, default=5, help="seconds before the window (start-up, the slate)")
    ap.add_argument("--clip", help="a 1280x720 30 fps source with audio (default: made once in WORKDIR)")
    ap.add_argument("--workdir", help="keeps the clip and the outputs (default: a temporary folder)")
    ap.add_argument("--only", choices=["ours"], help="measure EXStreamTV alone (trying a lever)")
    ap.add_argument("--same", action="store_true",
                    help="also ffmpeg with the channel's own x264 settings (what the channel costs beyond x264)")
    a = ap.parse_args()

    work = a.workdir or tempfile.mkdtemp(prefix="exs-quality-")
    os.makedirs(work, exist_ok=True)
    clip_dir = os.path.join(work, "clip")
    os.makedirs(clip_dir, exist_ok=True)
    if a.clip:
        clip = os.path.join(clip_dir, os.path.basename(a.clip))
        if not os.path.exists(clip):
            shutil.copyfile(a.clip, clip)
    else:
        clip = os.path.join(clip_dir, "quality-720p30-k97.mp4")  # k97: not the old 60-frame GOP's clip
        if not os.path.exists(clip):
            print(f"making a {CLIP_SECONDS} s 720p30 clip (GStreamer)...", flush=True)
            make_clip(clip + ".part.mp4")
            os.rename(clip + ".part.mp4", clip)
    if a.warm + a.seconds + 1 > CLIP_SECONDS and not a.clip:
        print(f"note: the window runs past the clip's {CLIP_SECONDS} s; the channel loops it")
    gray = os.path.join(work, os.path.basename(clip) + ".gray")
    if not os.path.exists(gray):
        with open(gray, "wb") as f:
            f.write(b"".join(gray_frames(clip, "null")))
    with open(gray, "rb") as f:
        raw = f.read()
    size = ALIGN_W * ALIGN_H
    clip_frames = [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]
    clip_frames += clip_frames  # the channel floods the clip: it may wrap

    os.environ["EXSTREAMTV_CHANNELS_LINGER_SECONDS"] = "0"  # each round starts the channel afresh
    Server = load_server_class()
    server = Server(os.path.abspath(a.bin), os.path.join(work, f"data-{os.getpid()}"))
    os.makedirs(server.data_dir, exist_ok=True)
    peers = dict(PEERS, **(SAME if a.same else {}))
    names = ["EXStreamTV"] + ([] if a.only else list(peers))
    results = {n: [] for n in names}
    loads = []
    try:
        server.start()
        set_up_channel(server, clip_dir, "900")
        time.sleep(2)
        c0 = cpu_seconds(server.proc.pid)
        time.sleep(5)
        idle = (cpu_seconds(server.proc.pid) - c0) / 5
        for run in range(a.runs):
            for name in names:
                out = os.path.join(work, f"{name.replace(' ', '-')}-{run}.ts")
                loads.append(loadavg())
                if name == "EXStreamTV":
                    cores = run_ours(server, "900", out, a.warm, a.seconds)
                    time.sleep(2)  # linger, if any: the next round starts the channel afresh
                else:
                    cores = run_ffmpeg(clip, peers[name], out, a.warm, a.seconds)
                k, sad = align(out, clip_frames, a.warm)
                ssim, psnr = quality(out, clip, k, a.warm, a.seconds)
                kbps = video_kbps(out, a.warm, a.seconds)
                results[name].append((cores, ssim, psnr, kbps))
                # an encoder starved of CPU drops frames (the channel) or falls behind (-re): not a fair run
                behind = "  BEHIND REAL TIME: the machine is too loaded" if kbps < 0.8 * VIDEO_KBPS else ""
                if sad > 8:
                    behind += "  NOT THE CLIP: the window shows something else (the error screen?)"
                print(f"run {run + 1} {name:21s} CPU {cores:.3f} cores  SSIM {ssim:.4f}  PSNR {psnr:.2f} dB  "
                      f"video {kbps:.0f} kb/s  (source frame {k}, alignment error {sad:.1f}/255, "
                      f"load {loads[-1]:.1f}){behind}", flush=True)
    finally:
        server.stop()

    med = {n: [statistics.median(r[i] for r in results[n]) for i in range(4)] for n in names}
    print(f"\n720p30 -> 3 Mb/s, {a.seconds:.0f} s at real time, median of {a.runs}, load average "
          f"{statistics.median(loads):.1f} ({min(loads):.1f}-{max(loads):.1f}); server idle {idle:.3f} cores")
    print(f"{'':21s} {'CPU (cores)':>12s} {'SSIM':>8s} {'PSNR (dB)':>10s} {'video kb/s':>11s}")
    for n in names:
        cores, ssim, psnr, kbps = med[n]
        print(f"{n:21s} {cores:12.3f} {ssim:8.4f} {psnr:10.2f} {kbps:11.0f}")
    if not a.only:
        ours, vf = med["EXStreamTV"], med["ffmpeg veryfast"]
        uf = med["ffmpeg ultrafast"]
        print(f"\nEXStreamTV / veryfast CPU   {ours[0] / vf[0]:.2f}   (goal <= 0.80)")
        print(f"EXStreamTV - veryfast SSIM  {ours[1] - vf[1]:+.4f}  (goal >= 0)")
        print(f"EXStreamTV - veryfast PSNR  {ours[2] - vf[2]:+.2f} dB")
        print(f"EXStreamTV / ultrafast CPU  {ours[0] / uf[0]:.2f}   SSIM {ours[1] - uf[1]:+.4f}")
        if a.same:
            same = med["ffmpeg as the channel"]
            print(f"EXStreamTV / ffmpeg as the channel CPU  {ours[0] / same[0]:.2f}   SSIM {ours[1] - same[1]:+.4f}"
                  "   (the channel's cost beyond x264)")
        met = ours[0] <= 0.8 * vf[0] and ours[1] >= vf[1]
        print("goal met" if met else "goal NOT met")
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
