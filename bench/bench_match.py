"""Accuracy of the title matcher on ``tests/data/titles.tsv``, with a confusion summary.

    python bench/bench_match.py

Prints the figures the README quotes: positives matched to the right profession, hard
negatives wrongly matched, level right; then, by kind of title, how each fared, and every
miss (expected -> got). ``tests/test_matcher.py`` asserts the thresholds.
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from pathlib import Path

TITLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "titles.tsv"


def main() -> None:
    import pptaxonomy
    from pptaxonomy.matcher import Matcher

    with TITLES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))
    matcher = Matcher(pptaxonomy.load())
    t0 = time.perf_counter()
    got = {r["title"]: matcher.match(r["title"]) for r in rows}
    secs = time.perf_counter() - t0

    pos = [r for r in rows if r["expected_profession"]]
    neg = [r for r in rows if not r["expected_profession"]]
    right = [r for r in pos if got[r["title"]].profession_id == r["expected_profession"]]
    level = [r for r in right if (got[r["title"]].level_id or "") == r["expected_level"]]
    wrong_neg = [r for r in neg if got[r["title"]].profession_id is not None]
    rejected = [r for r in neg if got[r["title"]].status == "not-psychological"]

    print(f"titles: {len(rows)} ({len(pos)} positives, {len(neg)} hard negatives)")
    print(f"profession right: {len(right)}/{len(pos)} = {len(right) / len(pos):.1%} (>= 97%)")
    print(
        f"negatives wrongly matched: {len(wrong_neg)}/{len(neg)} = "
        f"{len(wrong_neg) / len(neg):.1%} (<= 2%); rejected as not-psychological: "
        f"{len(rejected)}/{len(neg)}"
    )
    print(
        f"level right (of the professions right): {len(level)}/{len(right)} = "
        f"{len(level) / len(right):.1%} (>= 95%)"
    )
    print(f"speed: {len(rows) / secs:,.0f} titles/s (fresh matcher, {len(rows)} titles)")

    print("\nby kind of title (status counts):")
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        m = got[r["title"]]
        if r["expected_profession"]:
            ok = m.profession_id == r["expected_profession"]
            by_kind[r["kind"]]["right" if ok else f"wrong:{m.status}"] += 1
        else:
            by_kind[r["kind"]][m.status] += 1
    for kind in sorted(by_kind):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(by_kind[kind].items()))
        print(f"  {kind:28} {counts}")

    print("\nconfusion (expected -> got) for every miss:")
    misses = 0
    for r in rows:
        m = got[r["title"]]
        exp = r["expected_profession"] or "(not psychological)"
        if r["expected_profession"]:
            bad = m.profession_id != r["expected_profession"]
            lvl = not bad and (m.level_id or "") != r["expected_level"]
        else:
            bad, lvl = m.profession_id is not None, False
        if bad or lvl:
            misses += 1
            what = (
                f"level {m.level_id or '-'} (expected {r['expected_level'] or '-'})"
                if lvl
                else (f"{m.status} {m.profession_id or ''}".strip())
            )
            print(f"  {r['title']!r}: {exp} -> {what}")
    if not misses:
        print("  none")

    print("\nmethods used for the right answers:")
    methods = Counter(got[r["title"]].method for r in right)
    print("  " + ", ".join(f"{k} {v}" for k, v in methods.most_common()))


if __name__ == "__main__":
    main()
