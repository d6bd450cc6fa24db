"""Start-up figures for the README: `pptaxonomy --help` and `import pptaxonomy; load()`.

Run with `make bench` or `.venv/bin/python bench/bench_foundation.py`. Prints figures; asserts
nothing (timings on a shared machine are for reading, not for failing a build).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
RUNS = 7


def best_wall(cmd: list[str], runs: int = RUNS) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def in_process_load(runs: int = RUNS) -> tuple[float, float]:
    """Best time of `import pptaxonomy; pptaxonomy.load()` inside a fresh interpreter."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import pptaxonomy; t1 = time.perf_counter()\n"
        "pptaxonomy.load(); t2 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t0)\n"
    )
    best_import = best_total = float("inf")
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        imp, total = map(float, out.stdout.split())
        best_import, best_total = min(best_import, imp), min(best_total, total)
    return best_import, best_total


def main() -> None:
    help_s = best_wall([str(BIN / "pptaxonomy"), "--help"])
    bare = best_wall([sys.executable, "-c", "pass"])
    imp, total = in_process_load()
    print(
        f"pptaxonomy --help wall (best of {RUNS}):       {help_s * 1000:6.0f} ms  (target <= 300)"
    )
    print(f"  of which a bare interpreter start:            {bare * 1000:6.0f} ms")
    print(f"import pptaxonomy (best of {RUNS}):                {imp * 1000:6.1f} ms")
    print(f"import pptaxonomy; load() (best):            {total * 1000:6.1f} ms  (target <= 150)")


if __name__ == "__main__":
    main()
