"""Load bench of ``pptaxonomy serve`` on loopback: throughput and p50/p99 per operation.

Starts the server as a subprocess on a free 127.0.0.1 port (and times its start), then drives
$lookup, $translate and $expand?filter with concurrent asyncio clients, each on its own
keep-alive HTTP/1.1 connection. The clients write the request bytes and read the answer by
its Content-Length: an httpx client costs more CPU per request than the server does (it held
the figure near 250 requests/s on this 2-core machine), so with it the bench measured the
client. Every answer is checked (status 200, and the same body as httpx's first answer for
$lookup and $translate). Bounded: at most REQUESTS requests per operation and SECONDS seconds
each. On a shared machine the figures are indicative.

    .venv/bin/python bench/bench_serve.py [--requests 6000] [--clients 10] [--seconds 20]
    .venv/bin/python bench/bench_serve.py --clients 200   # nothing lost or wrong
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

TAX = "https://w3id.org/pptaxonomy/fhir/CodeSystem/pptaxonomy"
NHS = "https://w3id.org/pptaxonomy/fhir/CodeSystem/nhs-occupation-code"
CASES = {
    "$lookup": ("/CodeSystem/$lookup", {"system": NHS, "code": "S8L"}),
    "$translate": (
        "/ConceptMap/$translate",
        {"system": TAX, "code": "clinical-psychologist/trainee", "targetsystem": NHS},
    ),
    "$expand?filter": (
        "/ValueSet/pptaxonomy-professions/$expand",
        {"filter": "psych", "count": 10},
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    exe = Path(sys.executable).parent / "pptaxonomy"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/$versions", timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.TransportError:
            time.sleep(0.01)
    proc.kill()
    raise RuntimeError("server did not start")


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def drive(port: int, path: str, params: dict, n: int, clients: int, seconds: float):
    target = f"{path}?{urlencode(params)}"
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    expected = httpx.get(f"http://127.0.0.1:{port}{target}", timeout=30).content
    check_body = not path.endswith("$expand")  # an expansion carries its timestamp
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    counter = iter(range(n))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < stop and next(counter, None) is not None:
                t = time.perf_counter()
                writer.write(request)
                try:
                    status, body = await _answer(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1  # a lost answer; this client stops
                    return
                latencies.append(time.perf_counter() - t)
                if status != 200 or (check_body and body != expected):
                    errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - t0
    latencies.sort()
    return len(latencies), wall, latencies, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    port = _free_port()
    proc, started = start_server(port)
    try:
        print(f"server start (process spawn to first answer): {started:.2f} s")
        print(f"cpus: {os.cpu_count()}; {args.clients} concurrent clients, loopback, 1 worker")
        print(f"{'operation':16} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} errors")
        for name, (path, params) in CASES.items():
            n, wall, lat, errors = asyncio.run(
                drive(port, path, params, args.requests, args.clients, args.seconds)
            )
            p50 = lat[len(lat) // 2] * 1000
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
            print(f"{name:16} {n:8} {n / wall:8.0f} {p50:7.1f} {p99:7.1f} {errors}")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
