"""Load bench of ``pptaxonomy serve`` on loopback: throughput and p50/p99 per operation.

Starts the server as a subprocess on a free 127.0.0.1 port (and times its start), then drives
$lookup, $translate and $expand?filter with concurrent asyncio clients (httpx). Bounded: at
most REQUESTS requests per operation and SECONDS seconds each. On a shared machine the figures
are indicative.

    .venv/bin/python bench/bench_serve.py [--requests 3000] [--clients 50] [--seconds 20]
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


async def drive(base: str, path: str, params: dict, n: int, clients: int, seconds: float):
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        expected = (await client.get(path, params=params)).content

        async def worker() -> None:
            nonlocal errors
            for _ in counter:
                if time.monotonic() > stop:
                    return
                t = time.perf_counter()
                r = await client.get(path, params=params)
                latencies.append(time.perf_counter() - t)
                same = r.content == expected or path.endswith("$expand")
                if r.status_code != 200 or not same:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
    latencies.sort()
    return len(latencies), wall, latencies, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=50)
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
                drive(f"http://127.0.0.1:{port}", path, params, args.requests, args.clients,
                      args.seconds)
            )  # fmt: skip
            p50 = lat[len(lat) // 2] * 1000
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
            print(f"{name:16} {n:8} {n / wall:8.0f} {p50:7.1f} {p99:7.1f} {errors}")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
