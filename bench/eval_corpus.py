"""Score the matcher on the real-title corpus (``corpus/ons-titles.tsv``), per part.

    python bench/eval_corpus.py [--corpus PATH] [--errors] [--json]

Prints, for the dev and the test part: single-profession titles right, multi-profession
titles read as exactly those professions (``ambiguous`` with those alternatives), group-only
titles read as that group, negatives matched and negatives flagged ambiguous (all and hard
ones), and the level right where the title states one. ``--errors`` lists the errors of
every part but test: tune on dev, never on test. ``--corpus corpus/patterns.tsv`` scores the
separate, project-written patterns set (NHS advert shapes; not real titles).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pptaxonomy.matcher import matcher_for  # noqa: E402

CORPUS = ROOT / "corpus" / "ons-titles.tsv"


def read_corpus(path: Path = CORPUS) -> list[dict[str, str]]:
    """The corpus rows (see corpus/README.md for the columns)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def verdict(row: dict[str, str], m) -> bool:
    """Whether the matcher's reading ``m`` is right for the corpus row."""
    label = row["label"]
    if label == "single":
        return m.status == "matched" and m.profession_id == row["professions"]
    if label == "multi":
        want = set(row["professions"].split(";"))
        return m.status == "ambiguous" and {a.profession_id for a in m.alternatives} == want
    if label == "group":
        return getattr(m, "group_id", None) == row["group"] and m.status != "matched"
    return m.status != "matched"


def evaluate(rows: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    """Figures per part: counts and percentages."""
    m = matcher_for()
    out: dict[str, dict[str, object]] = {}
    for part in dict.fromkeys(r["part"] for r in rows):
        rs = [r for r in rows if r["part"] == part]
        got = [(r, m.match(r["title"])) for r in rs]

        def pct(sel, ok):
            n = len(sel)
            k = sum(1 for x in sel if ok(*x))
            return {"n": n, "k": k, "pct": round(100.0 * k / n, 1) if n else None}

        single = [x for x in got if x[0]["label"] == "single"]
        multi = [x for x in got if x[0]["label"] == "multi"]
        group = [x for x in got if x[0]["label"] == "group"]
        neg = [x for x in got if x[0]["label"] == "negative"]
        hard = [x for x in neg if x[0]["hard"] == "1"]
        lev = [x for x in got if x[0]["level"]]
        out[part] = {
            "single right": pct(single, verdict),
            "multi as those professions": pct(multi, verdict),
            "group-only as the group": pct(group, verdict),
            "negatives matched": pct(neg, lambda r, x: x.status == "matched"),
            "negatives ambiguous": pct(neg, lambda r, x: x.status == "ambiguous"),
            "hard negatives matched": pct(hard, lambda r, x: x.status == "matched"),
            "hard negatives ambiguous": pct(hard, lambda r, x: x.status == "ambiguous"),
            "level right": pct(
                lev, lambda r, x: x.status == "matched" and x.level_id == r["level"]
            ),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--errors", action="store_true", help="list the dev part's errors")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = read_corpus(args.corpus)
    res = evaluate(rows)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        parts = list(res)
        print(f"{'measure':30} " + " ".join(f"{p:>18}" for p in parts))
        for key in res[parts[0]]:
            cells = []
            for part in parts:
                v = res[part][key]
                cells.append(f"{v['pct']}% ({v['k']}/{v['n']})" if v["n"] else "-")
            print(f"{key:30} " + " ".join(f"{c:>18}" for c in cells))
    if args.errors:
        m = matcher_for()
        for r in rows:
            if r["part"] == "test":
                continue
            x = m.match(r["title"])
            bad = not verdict(r, x) or (x.status == "ambiguous" and r["label"] == "negative")
            if bad:
                want = r["professions"] or r["group"] or r["label"]
                alts = ",".join(a.profession_id for a in x.alternatives)
                print(
                    f"{r['title']!r:45} want={want:30} got={x.status}:{x.profession_id}"
                    f" grp={getattr(x, 'group_id', None)} [{alts}] {x.score} {x.reason}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
