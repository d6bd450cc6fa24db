"""Validation speed for the README: `pptaxonomy validate` against `linkml validate`.

Both commands check every shipped taxonomy file against the schema; ours also checks the
integrity rules and YAML safety. Wall time of the whole process, best of several runs.
Run with `.venv/bin/python bench/bench_validate.py`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def best_wall(cmd: list[str], runs: int) -> tuple[float, int]:
    best = float("inf")
    code = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True)
        best = min(best, time.perf_counter() - t0)
        code = proc.returncode
    return best, code


def main() -> None:
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "taxonomy").rglob("*.yaml"))
    ours, ours_code = best_wall([str(BIN / "pptaxonomy"), "validate"], 5)
    linkml_cmd = [
        str(BIN / "linkml"),
        "validate",
        "-s",
        "schema/pptaxonomy.yaml",
        "-C",
        "Container",
        *files,
    ]
    theirs, theirs_code = best_wall(linkml_cmd, 3)
    print(f"taxonomy files:                         {len(files):6d}")
    print(
        f"pptaxonomy validate wall (best of 5):   {ours * 1000:6.0f} ms  "
        f"(exit {ours_code}; target <= 500)"
    )
    print(f"linkml validate wall (best of 3):       {theirs * 1000:6.0f} ms  (exit {theirs_code})")
    print(f"ratio linkml / pptaxonomy:              {theirs / ours:6.1f}x  (target >= 3)")


if __name__ == "__main__":
    main()
