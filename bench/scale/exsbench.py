"""Shared parts of the scale benches (bench/scale/): the server, clips,
channels made through the API, a process's CPU/RSS/FDs, and an asynchronous
MPEG-TS viewer that measures its real-time progress from the stream's PCR.

Standard library only (and ffmpeg for the clips). The server class is the
control-plane bench's (bench/control-plane/), loaded from its file.
"""
import asyncio
import importlib.util
import os
import resource
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

_spec = importlib.util.spec_from_file_location(
    "bench_control_plane", os.path.join(ROOT, "bench", "control-plane", "bench-control-plane.py"))
_cp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cp)
Server = _cp.Server

PCR_HZ = 27_000_000 // 300  # the PCR base runs at 90 kHz
PCR_WRAP = 1 << 33
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def raise_fd_limit():
    """Soft FD limit to the hard one (inherited by the server); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def configure_server(**settings):
    """Server settings for the next start, as EXSTREAMTV_<SECTION>_<KEY>."""
    for key, value in settings.items():
        os.environ["EXSTREAMTV_" + key.upper()] = str(value)


def make_clip(path, seconds=60, size="1280x720", video_kbps=2500):
    """An H.264 + AAC MP4 (a moving test card and a tone), made once."""
    if os.path.exists(path):
        return path
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=s={size}:r=30",
                    "-f", "lavfi", "-i", "sine=f=440:r=48000",
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", f"{video_kbps}k", "-maxrate", f"{video_kbps}k", "-bufsize", f"{video_kbps}k",
                    "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
                    path + ".part.mp4"], check=True)
    os.rename(path + ".part.mp4", path)
    return path


def make_channels(server, media_dir, channels):
    """A library of @media_dir and one POST /api/import: a schedule flooding
    its items and @channels, a list of dicts (number, transcode_mode, ...)."""
    lib = server.api("POST", "/api/libraries",
                     {"name": "Scale", "kind": "other_videos", "paths": [media_dir]}, expect=(201,))
    deadline = time.monotonic() + 300
    while True:
        lib = server.api("GET", f"/api/libraries/{lib['id']}")
        if lib["scan"]["state"] not in ("scanning", "queued") and not lib["scan"].get("queued"):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the library scan did not finish: {lib['scan']}")
        time.sleep(0.2)
    ids = [m["id"] for m in server.api("GET", f"/api/media?library={lib['id']}&limit=500")["items"]]
    if not ids:
        raise RuntimeError(f"the library scan found nothing in {media_dir}: {lib['scan']}")
    lineup = {"version": 1,
              "schedules": [{"name": "Scale", "items": [
                  {"content": {"playlist": ids}, "order": "chronological", "mode": "flood"}]}],
              "channels": [dict({"name": f"Scale {c['number']}", "schedule": "Scale",
                                 "playout_mode": "continuous"}, **c) for c in channels]}
    server.api("POST", "/api/import", lineup)


class ProcStats:
    """CPU (user + system, all threads), RSS, FDs and threads of a process."""

    def __init__(self, pid):
        self.pid = pid

    def cpu_s(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mib(self):
        with open(f"/proc/{self.pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / (1 << 20)

    def threads(self):
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))


class Window:
    """CPU of the server and of this process (the clients) over a stretch of
    wall time, with the load average at its end."""

    def __init__(self, proc):
        self.proc = proc
        self.t0 = time.monotonic()
        self.cpu0 = proc.cpu_s()
        self.me0 = sum(os.times()[:2])

    def close(self):
        wall = time.monotonic() - self.t0
        self.wall = wall
        self.cores = (self.proc.cpu_s() - self.cpu0) / wall
        self.client_cores = (sum(os.times()[:2]) - self.me0) / wall
        self.load = os.getloadavg()
        return self


def last_pcr(buf, start, end, pid):
    """The PCR of the last packet of @pid carrying one in buf[start:end]
    (188-byte packets from @start), or None. Scans back at most 400
    packets: mpegtsmux puts a PCR every 20 ms."""
    i = end - 188
    stop = max(start, end - 400 * 188)
    while i >= stop:
        if (buf[i] == 0x47 and ((buf[i + 1] & 0x1F) << 8 | buf[i + 2]) == pid
                and buf[i + 3] & 0x20 and buf[i + 4] >= 7 and buf[i + 5] & 0x10):
            b = buf[i + 6:i + 11]
            return (b[0] << 25) | (b[1] << 17) | (b[2] << 9) | (b[3] << 1) | (b[4] >> 7)
        i -= 188
    return None


def count_frames(buf, start, end, pid):
    """Packets of @pid that start a PES in buf[start:end]: frames, on the
    video PID (both muxers write one PES per frame). Found with bytes.find,
    checked to sit on a packet boundary."""
    pattern = bytes((0x47, 0x40 | pid >> 8, pid & 0xFF))
    n = 0
    i = buf.find(pattern, start, end)
    while i >= 0:
        if (i - start) % 188 == 0:
            n += 1
        i = buf.find(pattern, i + 1, end)
    return n


def first_pcr_pid(buf, start, end):
    for i in range(start, end - 187, 188):
        if buf[i] == 0x47 and buf[i + 3] & 0x20 and buf[i + 4] >= 7 and buf[i + 5] & 0x10:
            return (buf[i + 1] & 0x1F) << 8 | buf[i + 2]
    return None


class TsViewer(asyncio.Protocol):
    """One HTTP viewer of /iptv/channel/N.ts: counts bytes and the stream
    time it received (the PCR's progress; a jump over 5 s or backwards is a
    discontinuity and adds nothing), the pictures (PES starts on the PCR PID,
    the video), and its longest pause between reads. An overloaded encoding
    channel keeps its stream time by dropping pictures: only the picture
    count shows it."""

    def __init__(self, number, host):
        self.number = number
        self.host = host
        self.status = None
        self.error = None
        self.head = b""
        self.carry = b""
        self.pcr_pid = None
        self.pcr = None
        self.media_s = 0.0
        self.pictures = 0
        self.bytes = 0
        self.discontinuities = 0
        self.last_read = None
        self.max_gap = 0.0
        self.mark = None  # (wall, media) at the start of the measured window
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(f"GET /iptv/channel/{self.number}.ts HTTP/1.1\r\nHost: {self.host}\r\n"
                        f"User-Agent: exstreamtv-bench-scale\r\n\r\n".encode())

    def data_received(self, data):
        now = time.monotonic()
        if self.last_read is not None and self.status == 200:
            self.max_gap = max(self.max_gap, now - self.last_read)
        self.last_read = now
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > 8192:
                    self.fail("no HTTP header in 8 KiB")
                return
            self.status = int(self.head.split(b" ", 2)[1])
            if self.status != 200:
                self.fail(f"HTTP {self.status}: {self.head[end + 4:end + 200]!r}")
                return
            data = self.head[end + 4:]
            self.head = b""
        self.bytes += len(data)
        buf = self.carry + data if self.carry else data
        start = 0
        if buf[:1] != b"\x47":
            start = buf.find(b"\x47")
            if start < 0:
                self.carry = b""
                return
        end = start + (len(buf) - start) // 188 * 188
        if self.pcr_pid is None:
            self.pcr_pid = first_pcr_pid(buf, start, end)
        if self.pcr_pid is not None:
            self.pictures += count_frames(buf, start, end, self.pcr_pid)
            pcr = last_pcr(buf, start, end, self.pcr_pid)
            if pcr is not None:
                if self.pcr is not None:
                    d = (pcr - self.pcr) % PCR_WRAP
                    if 0 < d <= 5 * PCR_HZ:
                        self.media_s += d / PCR_HZ
                    elif d:
                        self.discontinuities += 1
                self.pcr = pcr
        self.carry = buf[end:]

    def fail(self, why):
        self.error = why
        self.transport.close()

    def connection_lost(self, exc):
        if self.error is None and exc is not None:
            self.error = str(exc)
        if not self.closed.done():
            self.closed.set_result(None)

    def start_window(self):
        self.mark = (time.monotonic(), self.media_s, self.bytes, self.pictures)

    def window(self):
        """(real-time ratio, Mb/s, pictures per second) since start_window()."""
        t0, m0, b0, p0 = self.mark
        wall = time.monotonic() - t0
        return (self.media_s - m0) / wall, (self.bytes - b0) * 8 / wall / 1e6, (self.pictures - p0) / wall

    def close(self):
        if self.transport:
            self.transport.close()


async def open_viewer(port, number, timeout=60):
    loop = asyncio.get_running_loop()
    _, viewer = await asyncio.wait_for(
        loop.create_connection(lambda: TsViewer(number, f"127.0.0.1:{port}"), "127.0.0.1", port), timeout)
    return viewer


async def wait_streaming(viewers, timeout=120):
    """Waits until every viewer has stream time (or failed); raises on failures."""
    deadline = time.monotonic() + timeout
    while True:
        failed = [v for v in viewers if v.error]
        if failed:
            raise RuntimeError(f"{len(failed)} viewers failed, e.g. channel {failed[0].number}: {failed[0].error}")
        if all(v.media_s > 0 for v in viewers):
            return
        if time.monotonic() > deadline:
            late = [v.number for v in viewers if v.media_s <= 0]
            raise RuntimeError(f"{len(late)} viewers got no stream time in {timeout} s: {late[:10]}")
        await asyncio.sleep(0.2)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p * (len(s) - 1)))))] if s else float("nan")


def load_line():
    return "load average %.1f %.1f %.1f" % os.getloadavg()
