#!/usr/bin/env python3
"""nginx in front of the server's HLS (issue 21, "beyond one machine").

Run by hand (bench/README.md; needs `apt install nginx`):
  nice python3 bench/scale/bench-hls-cache.py [--clients 1000] [--seconds 60] [--quick]

Starts the real server (temporary --data-dir, port 0) with one encoding
channel made through the API, on a small profile (320x180, 200 kb/s: the
figure here is requests, not bandwidth), and nginx on loopback (its own
prefix in a temp dir, port 18453) running data/nginx/exstreamtv-hls.conf with
only its cache path, origin port and listen port replaced. CLIENTS HLS
clients (asyncio, keep-alive) then play the channel through nginx for
SECONDS like players: reload the playlist (every 2 s after a new segment,
1 s otherwise), fetch every new segment, start 3 segments from the end.

Counts, per distinct segment: requests from the clients, requests nginx made
to the origin (its access log's $upstream_addr), and the bytes the server
itself says it sent (GET /api/sessions, the HLS viewer's bytes) over the
distinct segments' bytes. Goal: about one origin request per segment, not
one per client. Also prints segments each client missed (404 or fell out of
the playlist) and nginx's and the server's CPU.
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exsbench as xb  # noqa: E402

CONF = os.path.join(xb.ROOT, "data", "nginx", "exstreamtv-hls.conf")
CHANNEL = "3000"


class HlsClient:
    """One player over one keep-alive connection."""

    def __init__(self, host, port, path):
        self.host, self.port, self.path = host, port, path
        self.next_seq = None
        self.segments = {}  # uri -> size, what this client fetched
        self.media_s = 0.0
        self.missed = 0
        self.requests = 0
        self.errors = []

    async def get(self, path):
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                          f"User-Agent: exstreamtv-bench-hls\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict((k.strip().lower(), v.strip()) for k, _, v in (h.partition(":") for h in lines[1:] if h))
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                body += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
            body = body[:-2]
        else:
            body = b""
        self.requests += 1
        return status, body

    async def run(self, until):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        try:
            while time.monotonic() < until:
                status, body = await self.get(self.path)
                if status != 200:
                    self.errors.append(f"playlist {status}")
                    await asyncio.sleep(1)
                    continue
                text = body.decode()
                sequence = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
                entries = re.findall(r"#EXTINF:([\d.]+),\n(\S+)", text)
                if self.next_seq is None:
                    self.next_seq = sequence + max(0, len(entries) - 3)
                if self.next_seq < sequence:
                    self.missed += sequence - self.next_seq
                    self.next_seq = sequence
                new = False
                for i, (seconds, uri) in enumerate(entries):
                    if sequence + i < self.next_seq:
                        continue
                    status, data = await self.get(uri)
                    if status == 200:
                        self.segments[uri] = len(data)
                        self.media_s += float(seconds)
                    else:
                        self.missed += 1
                        self.errors.append(f"segment {status}")
                    self.next_seq = sequence + i + 1
                    new = True
                await asyncio.sleep(2.0 if new else 1.0)
        finally:
            self.writer.close()


def nginx_conf(prefix, origin_port, listen_port):
    """The shipped configuration with this run's paths and ports, inside a
    minimal main nginx.conf."""
    with open(CONF) as f:
        site = f.read()
    site = site.replace("/var/cache/nginx/exstreamtv-hls", os.path.join(prefix, "cache"))
    site = re.sub(r"server 127\.0\.0\.1:8411;", f"server 127.0.0.1:{origin_port};", site)
    site = re.sub(r"listen 8080;", f"listen 127.0.0.1:{listen_port};", site)
    with open(os.path.join(prefix, "exstreamtv-hls.conf"), "w") as f:
        f.write(site)
    user = "user root;\n" if os.getuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {prefix}/tmp-body;
    proxy_temp_path {prefix}/tmp-proxy;
    fastcgi_temp_path {prefix}/tmp-fcgi;
    uwsgi_temp_path {prefix}/tmp-uwsgi;
    scgi_temp_path {prefix}/tmp-scgi;
    log_format bench '$request_uri $status $upstream_cache_status $upstream_addr';
    access_log {prefix}/access.log bench;
    keepalive_requests 100000;
    include {prefix}/exstreamtv-hls.conf;
}}
"""


def start_nginx(prefix, origin_port, listen_port):
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(nginx_conf(prefix, origin_port, listen_port))
    proc = subprocess.Popen(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"),
                             "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            with open(os.path.join(prefix, "nginx.pid")) as f:
                if f.read().strip():
                    break
        except FileNotFoundError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    return proc


def nginx_cpu(master):
    """CPU seconds of nginx's master and workers."""
    pids = [master.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True,
                                                          text=True).stdout.split()]
    return sum(xb.ProcStats(p).cpu_s() for p in pids)


def origin_requests(prefix):
    """(segment requests, playlist requests) nginx sent to the origin, and
    what its clients asked for."""
    origin, client = {"segment": 0, "playlist": 0}, {"segment": 0, "playlist": 0}
    statuses = {}
    with open(os.path.join(prefix, "access.log")) as f:
        for line in f:
            uri, status, cache, upstream = line.split()
            kind = "segment" if uri.endswith(".ts") else "playlist"
            client[kind] += 1
            statuses[f"{kind} {status} {cache}"] = statuses.get(f"{kind} {status} {cache}", 0) + 1
            if upstream != "-":
                origin[kind] += 1
    return origin, client, statuses


def hls_bytes(server):
    sessions = server.api("GET", "/api/sessions")
    items = sessions if isinstance(sessions, list) else sessions.get("sessions", sessions.get("items", []))
    return sum(s.get("bytes", 0) for s in items if s.get("kind") == "hls")


async def play(clients, seconds, stagger):
    until = time.monotonic() + seconds

    async def one(i, c):
        await asyncio.sleep(stagger * i / len(clients))
        await c.run(until)

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(xb.ROOT, "build", "src", "app", "exstreamtv"))
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--port", type=int, default=18453, help="nginx's port (18453)")
    ap.add_argument("--clips", help="keep the clips in this folder for the next run")
    ap.add_argument("--quick", action="store_true", help="100 clients, 20 s")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.seconds = min(args.clients, 100), 20
    if shutil.which("nginx") is None:
        sys.exit("nginx is not installed (apt install nginx)")
    fd_limit = xb.raise_fd_limit()

    tmp = tempfile.mkdtemp(prefix="exs-bench-hls-")
    clips = args.clips or os.path.join(tmp, "clips")
    media = os.path.join(tmp, "media")
    os.makedirs(clips, exist_ok=True)
    os.makedirs(media)
    clip = xb.make_clip(os.path.join(clips, "scale-640x360-500k-0.mp4"), 60, "640x360", 500)
    os.symlink(clip, os.path.join(media, os.path.basename(clip)))
    prefix = os.path.join(tmp, "nginx")
    os.makedirs(prefix)

    xb.configure_server(channels_linger_seconds=1)
    server = xb.Server(args.bin, os.path.join(tmp, "data"))
    server.start()
    nginx = None
    try:
        server.api("POST", "/api/profiles", {"name": "bench-hls", "width": 320, "height": 180,
                                             "video_bitrate_kbps": 200, "audio_bitrate_kbps": 64},
                   expect=(200, 201))
        xb.make_channels(server, media, [{"number": CHANNEL, "transcode_mode": "transcode",
                                          "profile": "bench-hls"}])
        nginx = start_nginx(prefix, server.port, args.port)
        print(f"bench-hls-cache: {args.clients} HLS clients of channel {CHANNEL} through nginx on "
              f"127.0.0.1:{args.port} (data/nginx/exstreamtv-hls.conf), origin on port {server.port}; "
              f"FD limit {fd_limit}; {xb.load_line()}")
        proc = xb.ProcStats(server.proc.pid)
        clients = [HlsClient("127.0.0.1", args.port, f"/iptv/channel/{CHANNEL}.m3u8") for _ in range(args.clients)]
        w = xb.Window(proc)
        nginx0 = nginx_cpu(nginx)
        t0 = time.monotonic()
        asyncio.run(play(clients, args.seconds, stagger=2.0))
        wall = time.monotonic() - t0
        w.close()
        nginx_cores = (nginx_cpu(nginx) - nginx0) / wall
        sent = hls_bytes(server)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(30)
        server.stop()

    origin, asked, statuses = origin_requests(prefix)
    distinct = {}
    for c in clients:
        distinct.update(c.segments)
    distinct_bytes = sum(distinct.values())
    fetched = sum(len(c.segments) for c in clients)
    missed = sum(c.missed for c in clients)
    errors = [e for c in clients for e in c.errors]
    media = [c.media_s / wall for c in clients]
    shutil.rmtree(tmp, ignore_errors=True)

    n = len(distinct)
    print(f"\n{'figure':<52} {'measured':>10} {'without cache':>14} {'ratio':>7}")
    rows = [("distinct segments played", n, n, None),
            ("segment requests from the clients (nginx log)", asked["segment"], asked["segment"], None),
            ("segment requests to the origin (nginx log)", origin["segment"], asked["segment"], True),
            ("origin requests per segment", origin["segment"] / max(1, n), asked["segment"] / max(1, n), True),
            ("origin bytes (server's /api/sessions) / segment bytes", sent / max(1, distinct_bytes),
             fetched and asked["segment"] / max(1, n), True),
            ("playlist requests from the clients", asked["playlist"], asked["playlist"], None),
            ("playlist requests to the origin, per second", origin["playlist"] / wall, asked["playlist"] / wall, True)]
    for label, ours, without, ratio in rows:
        fmt = ".2f" if isinstance(ours, float) else "d"
        print(f"{label:<52} {ours:>10{fmt}} {without:>14{fmt}} {ours / without if ratio and without else 1:>7.3f}")
    print(f"\nclients: {len(clients)}, {fetched} segments fetched, {missed} missed, {len(errors)} errors "
          f"({', '.join(sorted(set(errors))[:5])}); media fetched / wall per client: min {min(media):.3f} "
          f"median {xb.percentile(media, 0.5):.3f} (each starts 3 segments back)")
    print("nginx's answers: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    print(f"CPU (cores): server {w.cores:.3f}, nginx {nginx_cores:.3f}, clients {w.client_cores:.3f}; "
          f"{xb.load_line()}")
    ok = n > 0 and origin["segment"] <= 1.1 * n and missed == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
