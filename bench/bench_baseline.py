"""Cost of the workforce baseline: the audit with every new column and table against the plain
audit of the same file.

    python bench/bench_baseline.py [--rows 1500000] [--repeat 3] [--keep DIR]

Generates a 12-column ESR-like extract (persons holding 1-3 assignments, two census dates,
bands, FTE, organisations, areas of work; titles and codes as ``bench_audit.py`` makes them)
and prints, per run and as medians:

* the plain audit (title, code, key; row CSV and JSON report), wall time and peak RSS;
* the full audit (``--profile esr-staff-in-post`` plus the date and area columns, the
  baseline as CSV, the reconciliation and the fix list), wall time and peak RSS;
* their ratio (target: full <= 1.3 x plain; peak RSS <= 500 MB).

Both are subprocesses of the installed ``pptaxonomy`` command. Timings on a shared machine
are noisy: compare the ratio from one run, and re-run on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_audit

HEADER = [
    "Assignment Number",
    "Employee Number",
    "Position Title",
    "Occupation Code",
    "AfC Band",
    "Organisation",
    "Staff Group",
    "FTE",
    "Area of Work",
    "Census Date",
    "Assignment Category",
    "Start Date",
]
AREAS = ["NHS Talking Therapies", "Mental Health", "Learning Disabilities", "CAMHS", "Other"]
BANDS = ["Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Band 8b", "Band 8c", "Band 9", ""]


def generate(path: Path, n_rows: int, seed: int = 2025) -> None:
    import pptaxonomy

    tax = pptaxonomy.load()
    rng = random.Random(seed)
    titles = bench_audit.make_titles(rng)
    cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(titles))))
    idx = range(len(titles))
    right: dict[tuple[str, str], list[str]] = {}
    for _t, pid, level in titles:
        if pid and (pid, level) not in right:
            lv = level if level in tax.professions[pid].level_ids else None
            right[(pid, level)] = tax.occupation_codes_for(pid, lv) or ["S1M"]
    written, person = 0, 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        while written < n_rows:
            person += 1
            date = "2025-03-31" if person % 2 else "2025-09-30"
            org = bench_audit.ORGS[person % len(bench_audit.ORGS)]
            for a in range(min(rng.choice((1, 1, 1, 2, 3)), n_rows - written)):
                title, pid, level = titles[rng.choices(idx, cum_weights=cum)[0]]
                x = rng.random()
                if pid:
                    code = (
                        rng.choice(right[(pid, level)])
                        if x < 0.8
                        else rng.choice(bench_audit.WRONG_PSYCH)
                    )
                else:
                    code = rng.choice(bench_audit.NEG_CODES + bench_audit.PSYCH_CODES[:2])
                w.writerow(
                    [
                        f"{person:08d}-{a + 1}",
                        f"{person:08d}",
                        title,
                        code,
                        rng.choice(BANDS),
                        org,
                        "Add Prof Scientific and Technic" if pid else "Other",
                        rng.choice(("1.00", "0.80", "0.60", "0.50", "0.00", "")),
                        rng.choice(AREAS),
                        date,
                        rng.choice(("Permanent", "Fixed Term Temp", "Bank")),
                        f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-01",
                    ]
                )
                written += 1


def run(cmd: list[str], tmp: Path) -> tuple[float, float]:
    for f in tmp.glob("out*"):
        f.unlink()
    err = tmp / "stderr"
    t0 = time.perf_counter()
    with err.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh)
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"audit failed: {err.read_text(errors='replace').strip()}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--keep", type=Path, help="keep the extract in this folder (reused when already there)"
    )
    args = ap.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-baseline-"))
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "extract.csv"
    t0 = time.perf_counter()
    if not src.exists():
        generate(src, args.rows)
    print(
        f"extract: {args.rows:,} rows, 12 columns, {src.stat().st_size / 1e6:.0f} MB "
        f"(ready in {time.perf_counter() - t0:.1f} s; --keep reuses an extract already there)"
    )
    exe = shutil.which("pptaxonomy", path=str(Path(sys.executable).parent)) or "pptaxonomy"
    base = [exe, "audit", str(src), "--output", str(tmp / "out-rows.csv")]
    plain = [
        *base,
        "--title-column", "Position Title", "--code-column", "Occupation Code",
        "--key-column", "Assignment Number", "--report", str(tmp / "out.json"),
    ]  # fmt: skip
    full = [
        *base,
        "--profile", "esr-staff-in-post", "--date-column", "Census Date",
        "--report", str(tmp / "out.json"), "--baseline", str(tmp / "out-baseline.csv"),
        "--reconciliation", str(tmp / "out-recon.csv"), "--fixes", str(tmp / "out-fixes.csv"),
    ]  # fmt: skip
    plains, fulls, rss_p, rss_f = [], [], 0.0, 0.0
    for i in range(args.repeat):
        wp, rp = run(plain, tmp)
        wf, rf = run(full, tmp)
        plains.append(wp)
        fulls.append(wf)
        rss_p, rss_f = max(rss_p, rp), max(rss_f, rf)
        print(f"run {i + 1}: plain {wp:.2f} s ({rp:.0f} MB), full {wf:.2f} s ({rf:.0f} MB)")
    mp, mf = statistics.median(plains), statistics.median(fulls)
    print(f"plain audit, median: {mp:.2f} s; peak RSS {rss_p:.0f} MB")
    print(f"full audit with baseline, median: {mf:.2f} s; peak RSS {rss_f:.0f} MB (target <= 500)")
    print(f"ratio full / plain: {mf / mp:.2f} (target <= 1.3)")
    if args.keep is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
