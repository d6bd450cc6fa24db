"""Build figures for docs/artefacts.md: `pptaxonomy build` against LinkML's gen-* commands.

`pptaxonomy build` writes every artefact (JSON Schema, JSON, OWL, SHACL, SKOS Turtle and
JSON-LD, CSV, SSSOM, FHIR) in one process. The comparison is the three LinkML commands that
produce only the schema artefacts, called one by one as a Makefile would (one interpreter and
one LinkML import each).

Run with `.venv/bin/python bench/bench_build.py`. Prints figures; asserts nothing (timings on
a shared machine are for reading, not for failing a build).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]
SCHEMA = str(REPO / "schema" / "pptaxonomy.yaml")
RUNS = 3
TARGET_S = 10.0

GEN_COMMANDS = [
    [str(BIN / "gen-json-schema"), "--closed", "--top-class", "Container", SCHEMA],
    [
        str(BIN / "gen-owl"),
        "--skip-vacuous-min-zero-cardinality-axioms",
        "--skip-vacuous-local-range-axioms",
        "--consolidate-cardinality-axioms",
        SCHEMA,
    ],
    [str(BIN / "gen-shacl"), "--non-closed", SCHEMA],
]


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pptaxonomy-bench-") as tmp:
        builds = []
        for i in range(RUNS):
            out = Path(tmp) / f"run{i}"  # a fresh folder each time: every file is written
            builds.append(wall([str(BIN / "pptaxonomy"), "build", "--out", str(out)]))
        n_files = sum(1 for p in Path(tmp, "run0").rglob("*") if p.is_file())
    gens = [min(wall(cmd) for _ in range(RUNS)) for cmd in GEN_COMMANDS]
    build_s = min(builds)
    print(
        f"pptaxonomy build, all {n_files} artefacts, one process (best of {RUNS}): "
        f"{build_s:5.2f} s wall  (target <= {TARGET_S:.0f} s)"
    )
    for cmd, seconds in zip(GEN_COMMANDS, gens, strict=True):
        print(f"  {Path(cmd[0]).name:16} alone (best of {RUNS}):                  {seconds:5.2f} s")
    print(
        f"gen-json-schema + gen-owl + gen-shacl one by one (3 of the {n_files} artefacts): "
        f"{sum(gens):5.2f} s wall"
    )


if __name__ == "__main__":
    main()
