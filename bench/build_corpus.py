"""Build the real-title corpus (``corpus/ons-titles.tsv``) from the ONS SOC 2020 coding index.

    python bench/build_corpus.py [--ons PATH] [--labels corpus/ons-labels.tsv]
                                 [--sds PATH] [--sds-labels corpus/sds-labels.tsv] [--out PATH]

Every index entry gives up to two titles: ONS's natural word order ("Clinical psychologist")
and its inverted form ("Psychologist, clinical"). Labels come only from the hand-labelled
``corpus/ons-labels.tsv`` (written from the SOC codes and the taxonomy's definitions, before
the matcher was run on them); every title not in it is a negative. An entry whose SOC 2020
code is a psychological-profession code (2224, 2225, 2226, 3224, 2229/02/04/05/08/09/99,
2259/06) must be in the labels file, so no such entry is labelled negative by default.

The SDS job role names (UK Core CodeSystem ``UKCore-SDSJobRoleName``, 392 NHS role names,
``form=sds``) are added the same way: labels from ``corpus/sds-labels.tsv`` (written from the
role names and the taxonomy's level titles before the matcher was run on them), every other
role a negative. They bring level-stated titles ("Art Therapist Consultant") that the ONS
index, which lists jobs rather than grades, hardly has.

The split is deterministic: SHA-1 of the normalised natural title, even first byte -> dev,
odd -> test, so both forms of one entry land in the same part. Exit code 2 on bad input.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pptaxonomy.normalise import normalise_title  # noqa: E402

DEFAULT_ONS = ROOT.parent / "shared" / "reference" / "ons-soc2020-coding-index-v12.csv"
LABELS = ROOT / "corpus" / "ons-labels.tsv"
DEFAULT_SDS = ROOT.parent / "shared" / "reference" / "sds-job-role-codes.csv"
SDS_LABELS = ROOT / "corpus" / "sds-labels.tsv"
OUT = ROOT / "corpus" / "ons-titles.tsv"
PSY_UNITS = {"2224", "2225", "2226", "3224"}
PSY_SUBS = {"2229/02", "2229/04", "2229/05", "2229/08", "2229/09", "2229/99", "2259/06"}
LABEL_KINDS = ("single", "multi", "group", "negative")
#: Words that make a negative a hard one: it looks like a psychological profession.
HARD = re.compile(
    r"counsel|councill|therap|psycholog|psychother|practitioner|wellbeing|analyst"
    r"|mental health|psych|cbt|behaviour",
    re.I,
)
COLUMNS = (
    "title",
    "form",
    "label",
    "professions",
    "level",
    "group",
    "hard",
    "soc_2020_ext",
    "part",
)


def part_of(key: str) -> str:
    """dev or test, from the normalised natural title."""
    return "dev" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "test"


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    """The hand labels, keyed by normalised title; raises ValueError naming file and line."""
    out: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh, delimiter="\t")
        header = next(rows)
        for n, row in enumerate(rows, start=2):
            row = (row + [""] * 6)[:6]
            rec = dict(zip(header, row, strict=True))
            key = normalise_title(rec["title"])
            if rec["label"] not in LABEL_KINDS:
                raise ValueError(f"{path}:{n}: label {rec['label']!r} not one of {LABEL_KINDS}")
            if key in out:
                raise ValueError(f"{path}:{n}: duplicate title {rec['title']!r}")
            out[key] = rec
    return out


def build(ons: Path, labels_path: Path) -> list[dict[str, str]]:
    labels = read_labels(labels_path)
    used: set[str] = set()
    seen: dict[str, dict[str, str]] = {}
    missing = []
    with ons.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            natural = row["indexocc___natural_word_order"].strip()
            nkey = normalise_title(natural)
            if not nkey:
                continue
            lab = labels.get(nkey)
            psy = row["soc_2020"] in PSY_UNITS or row["soc_2020_ext"] in PSY_SUBS
            if psy and lab is None:
                missing.append(natural)
            if lab is not None:
                used.add(nkey)
            for form, text in (("natural", natural), ("inverted", row["indexocc"].strip())):
                key = normalise_title(text)
                if not key or key in seen:
                    continue
                rec = lab or {"label": "negative", "professions": "", "level": "", "group": ""}
                seen[key] = {
                    "title": text,
                    "form": form,
                    "label": rec["label"],
                    "professions": rec["professions"],
                    "level": rec["level"],
                    "group": rec["group"],
                    "hard": "1" if HARD.search(text) else "0",
                    "soc_2020_ext": row["soc_2020_ext"],
                    "part": part_of(nkey),
                }
    if missing:
        raise ValueError(
            f"{labels_path}: entries with a psychological SOC code are not labelled: "
            + "; ".join(sorted(set(missing)))
        )
    unused = set(labels) - used
    if unused:
        raise ValueError(f"{labels_path}: labels for titles not in the index: {sorted(unused)}")
    return sorted(seen.values(), key=lambda r: (r["part"], normalise_title(r["title"])))


def add_sds(rows: list[dict[str, str]], sds: Path, labels_path: Path) -> list[dict[str, str]]:
    """``rows`` plus the SDS job role names not already there (``form=sds``)."""
    labels = read_labels(labels_path)
    seen = {normalise_title(r["title"]) for r in rows}
    used: set[str] = set()
    added = []
    with sds.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row["display"].strip()
            key = normalise_title(text)
            if not key:
                continue
            lab = labels.get(key)
            if lab is not None:
                used.add(key)
            if key in seen:
                continue
            seen.add(key)
            rec = lab or {"label": "negative", "professions": "", "level": "", "group": ""}
            added.append(
                {
                    "title": text,
                    "form": "sds",
                    "label": rec["label"],
                    "professions": rec["professions"],
                    "level": rec["level"],
                    "group": rec["group"],
                    "hard": "1" if HARD.search(text) else "0",
                    "soc_2020_ext": "",
                    "part": part_of(key),
                }
            )
    unused = set(labels) - used
    if unused:
        raise ValueError(f"{labels_path}: labels for roles not in the list: {sorted(unused)}")
    return sorted([*rows, *added], key=lambda r: (r["part"], normalise_title(r["title"])))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ons", type=Path, default=DEFAULT_ONS)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--sds", type=Path, default=DEFAULT_SDS)
    ap.add_argument("--sds-labels", type=Path, default=SDS_LABELS)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    try:
        rows = add_sds(build(args.ons, args.labels), args.sds, args.sds_labels)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(args.out)
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(r["part"], r["label"])] = counts.get((r["part"], r["label"]), 0) + 1
    print(
        f"{args.out}: {len(rows)} titles; "
        + ", ".join(f"{p}/{k} {v}" for (p, k), v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
