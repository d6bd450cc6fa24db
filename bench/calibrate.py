"""Score calibration: score band vs precision of the matcher's best reading.

    python bench/calibrate.py [--part dev]

For every title of the real corpus part (default dev: never calibrate on test) and, in a
separate table, of the project's own ``tests/data/titles.tsv``, take the best reading (the
matched profession, or the first alternative of an ``unknown`` reading) and its score, and
count per score band how often that profession is the labelled one. Prints markdown tables
for docs/audit.md. Titles with no reading at all (score 0) are counted apart.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from eval_corpus import read_corpus  # noqa: E402
from pptaxonomy.matcher import THRESHOLD, matcher_for  # noqa: E402

BANDS = ((0.95, 1.01), (0.9, 0.95), (0.85, 0.9), (0.8, 0.85), (0.7, 0.8), (0.6, 0.7), (0.0, 0.6))


def table(pairs: list[tuple[str, str | None]]) -> str:
    """pairs: (title, expected profession or None for a negative) -> markdown table."""
    m = matcher_for()
    counts = {b: [0, 0] for b in BANDS}
    none = 0
    for title, want in pairs:
        r = m.match(title)
        if r.status == "ambiguous" or r.status == "not-psychological":
            continue
        pid = r.profession_id
        if pid is None and len(r.alternatives) == 1:
            pid = r.alternatives[0].profession_id
        if pid is None:
            none += 1
            continue
        for b in BANDS:
            if b[0] <= r.score < b[1]:
                counts[b][0] += 1
                counts[b][1] += pid == want
    lines = ["| score band | readings | right | precision |", "|---|---:|---:|---:|"]
    for b in BANDS:
        n, k = counts[b]
        hi = "1.00" if b[1] > 1 else f"{b[1]:.2f}"
        prec = f"{100 * k / n:.1f} %" if n else "-"
        lines.append(f"| {b[0]:.2f}-{hi} | {n} | {k} | {prec} |")
    lines.append(f"\n(threshold {THRESHOLD}; {none} titles had no single reading at all)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="dev", choices=("dev", "test"))
    args = ap.parse_args(argv)
    rows = [r for r in read_corpus() if r["part"] == args.part]
    real = [(r["title"], r["professions"] if r["label"] == "single" else None) for r in rows]
    print(f"Real corpus, {args.part} part ({len(rows)} titles):\n")
    print(table(real))
    with (ROOT / "tests" / "data" / "titles.tsv").open(encoding="utf-8") as fh:
        own = list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))
    print(f"\nProject's own titles (tests/data/titles.tsv, {len(own)}, synthetic):\n")
    print(table([(r["title"], r["expected_profession"] or None) for r in own]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
