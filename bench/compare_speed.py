"""Matcher throughput of two source trees, measured interleaved (for a loaded machine).

    python bench/compare_speed.py OLD_SRC NEW_SRC [ROUNDS]

e.g. ``git worktree add /tmp/old main`` then ``python bench/compare_speed.py /tmp/old/src
src``. Each round runs each tree once, alternately, in a fresh process: real ONS titles
(the distinct titles of ``corpus/ons-titles.tsv`` that ``bench/bench_match.py`` times) and
garbage titles, a fresh matcher per pass, timed in process CPU time (time waiting for a
core does not count). Prints every round and the best of each tree; on a shared machine the
best is the figure least disturbed by other processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus" / "ons-titles.tsv"

# The child reads the corpus itself: importing bench/eval_corpus.py would put this tree's
# src/ first on the path, and both runs would then time the same code.
_CHILD = """
import csv, json, random, sys, time
import pptaxonomy
from pptaxonomy.matcher import Matcher
with open({corpus!r}, encoding="utf-8", newline="") as fh:
    rows = list(csv.DictReader(fh, delimiter="\\t"))
real = list(dict.fromkeys(r["title"] for r in rows if r["form"] != "sds"))
rng = random.Random(10)
letters = "abcdefghijklmnopqrstuvwxyz"
garbage = [" ".join("".join(rng.choice(letters) for _ in range(rng.randint(3, 14)))
           for _ in range(rng.randint(1, 5))) for _ in range(20_000)]
tax = pptaxonomy.load()
out = {{}}
for name, titles in (("real", real), ("garbage", garbage)):
    best = 0.0
    for _ in range(2):
        m = Matcher(tax)
        m.match("warm up")
        t0 = time.process_time()
        for t in titles:
            m.match(t)
        best = max(best, len(titles) / (time.process_time() - t0))
    out[name] = best
out["src"] = pptaxonomy.__file__
print(json.dumps(out))
"""


def _run(src: str) -> dict[str, float]:
    root = Path(src).resolve()
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = _CHILD.format(corpus=str(CORPUS))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    got = json.loads(done.stdout.strip().splitlines()[-1])
    used = Path(got.pop("src")).resolve()
    if not used.is_relative_to(root):
        raise SystemExit(f"the run for {src} imported pptaxonomy from {used}")
    return got


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__)
        return 2
    old, new = argv[1], argv[2]
    rounds = int(argv[3]) if len(argv) == 4 else 3
    best = {old: {"real": 0.0, "garbage": 0.0}, new: {"real": 0.0, "garbage": 0.0}}
    for r in range(rounds):
        for src in (old, new) if r % 2 == 0 else (new, old):
            got = _run(src)
            for k, v in got.items():
                best[src][k] = max(best[src][k], v)
            print(
                f"round {r + 1} {src}: real {got['real']:,.0f}/s, garbage {got['garbage']:,.0f}/s"
            )
    for label, src in (("old", old), ("new", new)):
        b = best[src]
        print(f"best {label} ({src}): real {b['real']:,.0f}/s, garbage {b['garbage']:,.0f}/s")
    print(
        f"ratio new/old: real {best[new]['real'] / best[old]['real']:.2f}, "
        f"garbage {best[new]['garbage'] / best[old]['garbage']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
