"""Regression harness for the matcher: every field of every answer on a fixed title set.

    python bench/match_regression.py dump /tmp/before.tsv   # record the answers
    python bench/match_regression.py check /tmp/before.tsv  # exit 1 on any difference

The title set: every title of ``corpus/*.tsv``, ``tests/data/titles.tsv``, deterministic
misspelt variants of the positive ones (a letter dropped, doubled, swapped or changed) and a
few edge cases (empty, long, punctuation only, inverted ONS forms). Titles are read by one
fresh matcher in a fixed order, then again in reverse order by another, so that an answer
which depended on what the memo tables already held shows up as a difference. Use it to
check that a speed change changes no answer.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Misspelt variants generated from the positive titles.
N_VARIANTS = 4000


def _column(path: Path, name: str, positives_only: bool = False) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        out = []
        for row in rows:
            if positives_only and not (row.get("professions") or row.get("expected_profession")):
                continue
            out.append(row[name])
        return out


def _misspell(rng: random.Random, title: str) -> str:
    words = title.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long_words:
        return title + "x"
    i = rng.choice(long_words)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    op = rng.randrange(4)
    if op == 0:
        w = w[:k] + w[k + 1 :]
    elif op == 1:
        w = w[:k] + w[k] + w[k:]
    elif op == 2:
        w = w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
    else:
        w = w[:k] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[k + 1 :]
    words[i] = w
    return " ".join(words)


def titles() -> list[str]:
    """The fixed title set, in its fixed order (duplicates kept out)."""
    out: list[str] = []
    positives: list[str] = []
    for path in sorted((ROOT / "corpus").glob("*.tsv")):
        out.extend(_column(path, "title"))
        positives.extend(_column(path, "title", positives_only=True))
    data = ROOT / "tests" / "data" / "titles.tsv"
    out.extend(_column(data, "title"))
    positives.extend(_column(data, "title", positives_only=True))
    rng = random.Random(20261202)
    positives = sorted(set(positives))
    out.extend(_misspell(rng, rng.choice(positives)) for _ in range(N_VARIANTS))
    out.extend(
        [
            "",
            " ",
            "---",
            "()",
            "Psychologist, clinical, consultant",
            "Counsellor, bank",
            "Clinical Psychologist " * 45,
            "x" * 1001,
            "Pyschologizt " * 20,
            "Snr Clin Psych - CAMHS (Band 8a) / Team Lead",
            "Café Psychothérapeute – enfants",
        ]
    )
    return list(dict.fromkeys(out))


def _row(m) -> str:
    alts = ";".join(f"{a.profession_id}|{a.level_id}|{a.score!r}" for a in m.alternatives)
    fields = (
        m.title,
        m.profession_id,
        m.level_id,
        repr(m.score),
        m.status,
        m.method,
        alts,
        m.reason,
        m.group_id,
    )
    return "\t".join("" if f is None else str(f).replace("\t", "\\t") for f in fields)


def answers() -> list[str]:
    """One line per title with every ``Match`` field, forward order then reverse order."""
    import pptaxonomy
    from pptaxonomy.matcher import Matcher

    tax = pptaxonomy.load()
    todo = titles()
    forward = Matcher(tax)
    lines = [_row(forward.match(t)) for t in todo]
    backward = Matcher(tax)
    lines.extend(_row(backward.match(t)) for t in reversed(todo))
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("dump", "check"):
        print(__doc__)
        return 2
    lines = answers()
    path = Path(argv[2])
    if argv[1] == "dump":
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines)} answers written to {path}")
        return 0
    old = path.read_text(encoding="utf-8").splitlines()
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(old, lines, strict=False)) if a != b]
    if len(old) != len(lines):
        print(f"answer count differs: {len(old)} recorded, {len(lines)} now")
    for _, a, b in diffs[:20]:
        print(f"- {a}\n+ {b}")
    if diffs or len(old) != len(lines):
        print(f"{len(diffs)} answers differ")
        return 1
    print(f"all {len(lines)} answers identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
