"""Speed of ``pptaxonomy audit`` on a synthetic 1.5-million-row ESR-like extract.

    python bench/bench_audit.py [--rows 1500000] [--repeat 3] [--esr12] [--keep DIR] [--xlsx]

Prints, in one run:

* the end-to-end wall time of the ``pptaxonomy audit`` command (a subprocess, so Python's
  start-up and imports count) and its peak memory (the child's own maximum resident set,
  from ``os.wait4``); the same with ``--keep-order``;
* the DuckDB I/O floor: the same reading and writing without the matching, in a subprocess
  that times only DuckDB's work: read the file and take the distinct titles, register a
  title -> result table, ``COPY (SELECT r.*, m.* FROM read_csv(...) r LEFT JOIN m ...) TO``;
* their ratio (target: audit <= 1.5 x floor; peak memory <= 500 MB);
* the fair floor: DuckDB alone writing the audit's own output (its pp_* values, taken from
  an audit run) with the audit's read options and join shape (title, then class and code),
  and the ratio to it (target <= 1.3). Every run, audit and floors alike, writes fresh
  files (the earlier outputs are removed first);
* distinct-title matching throughput of a fresh matcher (target >= 20,000 titles/s).

``--xlsx`` instead writes the extract as an XLSX workbook (shared strings, numeric cells, a
hidden cover sheet first) and times the audit of it against the audit of the CSV (best of
``--repeat``, and the CPU time of each run, which a loaded machine stretches less; target <= 3x,
peak RSS <= 500 MB).

The extract has 8 columns and about 10,000 distinct titles (``--esr12``: 12 columns, as an
ESR staff-in-post report has, and about 30,000 distinct titles), made from the labelled titles of
``tests/data/titles.tsv`` (real variants and hard negatives) with service, place, band and
contract qualifiers; codes are a mix of right, wrong, retired, invalid and empty.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TITLES = ROOT / "tests" / "data" / "titles.tsv"
N_TITLES = 10_000
SUFFIXES = [
    "",
    " - CAMHS",
    " (Perinatal)",
    " - North",
    " - Older Adults",
    " Band 7",
    " (Fixed Term)",
    " - Adult Mental Health",
    " - Learning Disabilities",
    " (Secondment)",
    " - NHS Talking Therapies",
    " - Crisis Team",
    " - South",
    " (Bank)",
    " - Eating Disorders",
    " - Inpatients",
    " (0.8 WTE)",
    " - Community",
    " - Forensic Services",
    " - Neuro Rehab",
    " (Maternity Cover)",
    " - Primary Care",
    " - East",
    " - West",
]
ORGS = [
    f"{a} {b} NHS {c}"
    for a in (
        "Northshire",
        "Riverside",
        "Westvale",
        "Eastmoor",
        "Kingsbury",
        "Ashdown",
        "Fenwick",
        "Highmoor",
        "Lowfield",
        "Oakridge",
    )
    for b in ("Health", "Community", "Mental Health")
    for c in ("Trust", "Foundation Trust")
]
WRONG_PSYCH = ["N6E", "N0D", "S1K", "H2D", "S1C", "G2D", "S1H"]
NEG_CODES = ["N6E", "055", "155", "G2D", "H2D", "S1C", "N0D", "N4D", "H1D"]
PSYCH_CODES = ["S1L", "S1M", "S5M", "S8L", "S9L"]
INVALID = ["S1Q", "XXX", "S1", "ZZ9", "N9Q"]
RETIRED = ["S3L", "S4L"]


def make_titles(rng: random.Random, n_titles: int = N_TITLES) -> list[tuple[str, str, str]]:
    """(title, expected profession or "", expected level or "") for ~``n_titles`` distinct
    titles (past the labelled titles' combinations, a ward or team number is added)."""
    with TITLES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))
    out: dict[str, tuple[str, str, str]] = {}
    combos = [(r, s, case) for r in rows for s in SUFFIXES for case in ("as-is", "upper")]
    rng.shuffle(combos)
    for r, s, case in combos:
        title = r["title"] + s
        if case == "upper":
            title = title.upper()
        out.setdefault(title, (title, r["expected_profession"], r["expected_level"]))
        if len(out) >= n_titles:
            break
    base, team = list(out.values()), 1
    while len(out) < n_titles:
        title, pid, level = base[team % len(base)]
        out.setdefault(f"{title} (Team {team})", (f"{title} (Team {team})", pid, level))
        team += 1
    return list(out.values())


ESR12_EXTRA = ["Area of Work", "Person Type", "Assignment Category", "Effective Date"]


def generate(
    path: Path, n_rows: int, seed: int = 2024, esr12: bool = False, n_titles: int | None = None
) -> int:
    """Write the synthetic extract; returns the number of distinct titles. ``n_titles``: that
    many distinct titles, each on at least one row (the rest drawn as usual)."""
    import pptaxonomy

    tax = pptaxonomy.load()
    rng = random.Random(seed)
    titles = make_titles(rng, n_titles or (30_000 if esr12 else N_TITLES))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(titles))]  # a few titles dominate
    right: dict[tuple[str, str], list[str]] = {}
    for _t, pid, level in titles:
        if pid and (pid, level) not in right:
            lv = level if level in tax.professions[pid].level_ids else None
            right[(pid, level)] = tax.occupation_codes_for(pid, lv) or ["S1M"]
    picks = rng.choices(range(len(titles)), weights=weights, k=n_rows)
    if n_titles:  # every title at least once, in random places
        picks[: len(titles)] = range(len(titles))
        rng.shuffle(picks)
    rnd = rng.random
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Assignment Number",
                "Employee Number",
                "Position Title",
                "Occupation Code",
                "AfC Band",
                "Organisation",
                "Staff Group",
                "FTE",
                *(ESR12_EXTRA if esr12 else []),
            ]
        )
        for i, k in enumerate(picks):
            title, pid, level = titles[k]
            x = rnd()
            if pid:
                if x < 0.75:
                    code = rng.choice(right[(pid, level)])
                elif x < 0.85:
                    code = rng.choice(WRONG_PSYCH)
                elif x < 0.88:
                    code = rng.choice(RETIRED)
                elif x < 0.92:
                    code = rng.choice(INVALID)
                else:
                    code = ""
            else:
                if x < 0.85:
                    code = rng.choice(NEG_CODES)
                elif x < 0.95:
                    code = rng.choice(PSYCH_CODES)
                else:
                    code = rng.choice(INVALID)
            w.writerow(
                [
                    f"{10_000_000 + i}-1",
                    f"E{(10_000_000 + i) // 2}",
                    title,
                    code,
                    f"Band {rng.choice('4567')}",
                    ORGS[i % len(ORGS)],
                    "Add Prof Scientific and Technic" if pid else "Other",
                    rng.choice(("1.00", "0.80", "0.60", "0.50")),
                    *(
                        (
                            rng.choice(("Psychological Therapies", "NHS Talking Therapies", "")),
                            rng.choice(("Employee", "Bank")),
                            rng.choice(("Permanent", "Fixed Term Temp")),
                            f"2026-{1 + i % 12:02d}-01",
                        )
                        if esr12
                        else ()
                    ),
                ]
            )
    return len(titles)


FLOOR_SCRIPT = r"""
import json, sys, time
import duckdb
src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t0 = time.perf_counter()
rd = f"read_csv('{src}', all_varchar = true, header = true)"
titles = [r[0] for r in con.execute(f'SELECT DISTINCT "Position Title" FROM {rd}').fetchall()]
n = len(titles)
con.execute(
    "CREATE TEMP TABLE m AS SELECT unnest($1) AS t, unnest($2) AS pp_profession_id, "
    "unnest($3) AS pp_level_id, unnest($4) AS pp_score, unnest($5) AS pp_method, "
    "unnest($6) AS pp_expected_codes, unnest($7) AS pp_status",
    [titles, ["clinical-psychologist"] * n, ["qualified"] * n, ["1.00"] * n, ["exact"] * n,
     ["S1L S2L"] * n, ["consistent"] * n],
)
con.execute(
    f'COPY (SELECT r.*, m.pp_profession_id, m.pp_level_id, m.pp_score, m.pp_method, '
    f'm.pp_expected_codes, m.pp_status FROM {rd} r LEFT JOIN m ON r."Position Title" = m.t) '
    f"TO '{out}' (HEADER)"
)
print(json.dumps({"seconds": time.perf_counter() - t0, "distinct": n}))
"""


FAIR_PREP = r"""
import sys
import duckdb
audited, t_out, s_out = sys.argv[1:4]
T, C = '"Position Title"', '"Occupation Code"'
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rd = f"read_csv('{audited}', all_varchar = true, header = true)"
con.execute(
    f"CREATE TABLE x AS SELECT coalesce({T}, '') AS t, coalesce({C}, '') AS raw, "
    f"pp_profession_id, pp_level_id, pp_score, pp_method, pp_expected_codes, pp_status FROM {rd}"
)
con.execute(
    "CREATE TABLE c AS SELECT DISTINCT t, pp_profession_id, pp_level_id, pp_score, pp_method, "
    "pp_expected_codes, dense_rank() OVER (ORDER BY pp_profession_id, pp_level_id, pp_method, "
    "pp_expected_codes) AS cls FROM x"
)
con.execute(f"COPY c TO '{t_out}' (HEADER)")
con.execute(
    "COPY (SELECT c.cls, x.raw, any_value(x.pp_status) AS pp_status FROM x JOIN c USING (t) "
    f"GROUP BY ALL) TO '{s_out}' (HEADER)"
)
"""

FAIR_FLOOR_SCRIPT = r"""
import csv, json, sys, time
import duckdb
src, out, t_csv, s_csv = sys.argv[1:5]
T, C, Q = '"Position Title"', '"Occupation Code"', "'" + '"' + "'"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("SET preserve_insertion_order = false")
t0 = time.perf_counter()
with open(src, encoding="utf-8", newline="") as fh:
    header = next(csv.reader(fh))
cols = ", ".join("'" + c.replace("'", "''") + "': 'VARCHAR'" for c in header)
rd = (f"read_csv('{src}', header = true, columns = {{{cols}}}, delim = ',', quote = {Q}, "
      f"escape = {Q}, skip = 0, comment = '', auto_detect = false, ignore_errors = true)")
con.execute(f"CREATE TABLE p1 AS SELECT coalesce({T}, '') AS t, coalesce({C}, '') AS raw, "
            f"count(*) AS n FROM {rd} GROUP BY ALL")
for name, path in (("pp_t", t_csv), ("pp_s", s_csv)):
    rd_small = (f"read_csv('{path}', all_varchar = true, header = true, delim = ',', "
                f"quote = {Q}, escape = {Q}, sample_size = -1)")
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {rd_small}")
con.execute(
    "COPY (SELECT r.*, m.pp_profession_id, m.pp_level_id, m.pp_score, m.pp_method, "
    f"m.pp_expected_codes, s.pp_status FROM {rd} r "
    f"LEFT JOIN pp_t m ON coalesce(r.{T}, '') = m.t "
    f"LEFT JOIN pp_s s ON m.cls = s.cls AND coalesce(r.{C}, '') = s.raw) "
    f"TO '{out}' (FORMAT csv, HEADER true, DELIMITER ',', USE_TMP_FILE false)"
)
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def csv_to_xlsx(src: Path, dst: Path) -> None:
    """Write the CSV extract as an XLSX workbook as Excel would: text in the shared-string
    table, numbers (without leading zeros) as numeric cells, a cover sheet first (hidden)."""
    strings: dict[str, int] = {}
    sheet = dst.with_suffix(".sheet.xml")
    with src.open(encoding="utf-8", newline="") as fi, sheet.open("w", encoding="utf-8") as fo:
        rows = csv.reader(fi)
        width = 0
        fo.write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
            '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<dimension ref="A1"/><sheetData>'
        )
        for n, row in enumerate(rows, start=1):
            width = max(width, len(row))
            cells = []
            for j, value in enumerate(row):
                ref = f"{chr(65 + j)}{n}"
                if not value:
                    continue
                if _NUMBER.fullmatch(value):
                    cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                else:
                    k = strings.setdefault(value, len(strings))
                    cells.append(f'<c r="{ref}" t="s"><v>{k}</v></c>')
            fo.write(f'<row r="{n}">{"".join(cells)}</row>')
        fo.write("</sheetData></worksheet>")
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in (1, 2)
            )
            + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": f'<Relationships {pkg}><Relationship Id="rId1" Type="{rel}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} xmlns:r="{rel}"><sheets>'
        '<sheet name="Cover" sheetId="1" state="hidden" r:id="rId1"/>'
        '<sheet name="Staff" sheetId="2" r:id="rId2"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f"<Relationships {pkg}>"
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><dimension ref="A1"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Cover</t></is></c></row>'
        "</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst {ns} count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{_xml_text(t)}</t></si>" for t in strings)
        + "</sst>",
    }
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        zf.write(sheet, "xl/worksheets/sheet2.xml")
    sheet.unlink()


def bench_xlsx(src: Path, tmp: Path, repeat: int) -> None:
    """The audit of the extract as XLSX against the same data as CSV (target <= 3x, peak
    RSS <= 500 MB)."""
    book = tmp / "extract.xlsx"
    t0 = time.perf_counter()
    csv_to_xlsx(src, book)
    os.sync()
    print(
        f"workbook: {book.stat().st_size / 1e6:.0f} MB "
        f"(written in {time.perf_counter() - t0:.1f} s)"
    )
    csvs, books, rss_csv, rss_book = [], [], 0.0, 0.0
    cpu_csv, cpu_book = [], []
    for _ in range(repeat):  # interleaved, so that a busy moment hits both alike
        wall, peak, _s = run_audit(src, tmp)
        csvs.append(wall)
        cpu_csv.append(CPU_SECONDS[-1])
        rss_csv = max(rss_csv, peak)
        wall, peak, summary = run_audit(book, tmp)
        books.append(wall)
        cpu_book.append(CPU_SECONDS[-1])
        rss_book = max(rss_book, peak)
    best_csv, best_book = min(csvs), min(books)

    def runs(xs):
        return ", ".join(f"{x:.2f}" for x in xs)

    print(
        f"audit of the CSV: best {best_csv:.2f} s of {repeat} ({runs(csvs)}); "
        f"CPU {runs(cpu_csv)} s; peak RSS {rss_csv:.0f} MB"
    )
    print(
        f"audit of the XLSX (sheet {summary['input']['sheet']!r}): best {best_book:.2f} s of "
        f"{repeat} ({runs(books)}); CPU {runs(cpu_book)} s; peak RSS {rss_book:.0f} MB "
        "(target <= 500 MB)"
    )
    print(
        f"ratio XLSX / CSV: {best_book / best_csv:.2f} (target <= 3); medians "
        f"{statistics.median(books) / statistics.median(csvs):.2f}; CPU time (medians) "
        f"{statistics.median(cpu_book) / statistics.median(cpu_csv):.2f}"
    )


def fresh(*paths: Path) -> None:
    """Remove earlier outputs, so that every run writes a new file (replacing an existing
    file costs more than writing a fresh one; the audit and the floors are timed alike)."""
    for path in paths:
        path.unlink(missing_ok=True)


def run_fair_floor(src: Path, tmp: Path) -> tuple[float, float]:
    """The fair floor: DuckDB alone writing the audit's own output (its pp_* values, taken
    from an audit run) with the audit's read options and join shape (title, then class and
    code), into a fresh file. (DuckDB's own time, whole subprocess wall time.)"""
    t_csv, s_csv = tmp / "fair_t.csv", tmp / "fair_s.csv"
    if not s_csv.exists():
        subprocess.run(
            [sys.executable, "-c", FAIR_PREP, str(tmp / "audited.csv"), str(t_csv), str(s_csv)],
            check=True,
        )
    out = tmp / "fair.csv"
    fresh(out)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", FAIR_FLOOR_SCRIPT, str(src), str(out), str(t_csv), str(s_csv)],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"the fair floor failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"], wall


#: The CPU seconds (user + system) of each audit run, in order (a busy machine stretches wall
#: time far more than CPU time).
CPU_SECONDS: list[float] = []


def run_audit(src: Path, tmp: Path, *extra: str) -> tuple[float, float, dict]:
    exe = shutil.which("pptaxonomy", path=str(Path(sys.executable).parent)) or "pptaxonomy"
    cmd = [
        exe,
        "audit",
        str(src),
        "--title-column",
        "Position Title",
        "--code-column",
        "Occupation Code",
        "--key-column",
        "Assignment Number",
        "--output",
        str(tmp / "audited.csv"),
        "--report",
        str(tmp / "audit.json"),
        "--report",
        str(tmp / "audit.html"),
        *extra,
    ]
    err = tmp / "audit.stderr"
    fresh(tmp / "audited.csv", tmp / "audit.json", tmp / "audit.html")
    t0 = time.perf_counter()
    with err.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=fh)
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"audit failed ({code}): {err.read_text(errors='replace').strip()}")
    rss_mb = usage.ru_maxrss / 1024
    summary = json.loads((tmp / "audit.json").read_text(encoding="utf-8"))
    CPU_SECONDS.append(usage.ru_utime + usage.ru_stime)  # this child's CPU, all its threads
    return wall, rss_mb, summary


def run_floor(src: Path, tmp: Path) -> tuple[float, float]:
    """(DuckDB's own time, wall time of the whole subprocess including Python's start-up)."""
    fresh(tmp / "floor.csv")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT, str(src), str(tmp / "floor.csv")],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"the fair floor failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"], wall


def match_throughput(src: Path) -> tuple[int, float]:
    import duckdb

    import pptaxonomy
    from pptaxonomy.matcher import Matcher

    rd = f"read_csv('{src}', all_varchar = true, header = true)"
    titles = [r[0] for r in duckdb.sql(f'SELECT DISTINCT "Position Title" FROM {rd}').fetchall()]
    matcher = Matcher(pptaxonomy.load())  # fresh: nothing cached
    t0 = time.perf_counter()
    for t in titles:
        matcher.match(t)
    return len(titles), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_500_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the median is quoted")
    ap.add_argument("--esr12", action="store_true", help="12 columns and ~30,000 distinct titles")
    ap.add_argument("--keep", type=Path, help="keep the extract and outputs in this folder")
    ap.add_argument("--titles", type=int, help="exactly this many distinct titles (e.g. 500000)")
    ap.add_argument(
        "--xlsx", action="store_true", help="only the audit of the extract as XLSX against CSV"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pptaxonomy-bench-"))
    try:
        src = tmp / "extract.csv"
        t0 = time.perf_counter()
        n_titles = generate(src, args.rows, esr12=args.esr12, n_titles=args.titles)
        os.sync()  # else writing the new file back to disk slows the first timed runs
        size_mb = src.stat().st_size / 1e6
        print(
            f"extract: {args.rows:,} rows, {12 if args.esr12 else 8} columns, "
            f"{n_titles:,} distinct titles, "
            f"{size_mb:.0f} MB (generated in {time.perf_counter() - t0:.1f} s)"
        )
        if args.xlsx:
            bench_xlsx(src, tmp, args.repeat)
            return
        audits, ordered, floors, fairs, rss = [], [], [], [], 0.0
        summary: dict = {}
        for _ in range(args.repeat):  # interleaved, so that a busy moment hits both alike
            floors.append(run_floor(src, tmp))
            wall, peak, summary = run_audit(src, tmp)
            audits.append(wall)
            rss = max(rss, peak)
            fairs.append(run_fair_floor(src, tmp))
            ordered.append(run_audit(src, tmp, "--keep-order")[0])
        n, secs = match_throughput(src)
        audit_s = statistics.median(audits)
        floor_s = statistics.median(f[0] for f in floors)
        floor_wall = statistics.median(f[1] for f in floors)
        fair_s = statistics.median(f[0] for f in fairs)
        fair_wall = statistics.median(f[1] for f in fairs)

        def runs(xs):
            return ", ".join(f"{x:.2f}" for x in xs)

        print(f"audit (CLI, end to end): {audit_s:.2f} s median of {args.repeat} ({runs(audits)})")
        print(
            f"audit --keep-order (rows in input order): {statistics.median(ordered):.2f} s "
            f"({runs(ordered)})"
        )
        print(f"peak memory (RSS), largest of the audit runs: {rss:.0f} MB (target <= 500 MB)")
        print(
            f"DuckDB I/O floor (DuckDB's own time): {floor_s:.2f} s median "
            f"({runs(f[0] for f in floors)}); as a whole process with Python's start-up: "
            f"{floor_wall:.2f} s"
        )
        print(
            f"ratio audit / floor: {audit_s / floor_s:.2f} (target <= 1.5); "
            f"against the whole floor process: {audit_s / floor_wall:.2f}"
        )
        print(
            f"fair floor (DuckDB writing the audit's own output, its read options and join "
            f"shape, fresh file): {fair_s:.2f} s median ({runs(f[0] for f in fairs)}); "
            f"whole process: {fair_wall:.2f} s"
        )
        print(
            f"ratio audit / fair floor: {audit_s / fair_s:.2f} (target <= 1.3); against the "
            f"whole fair-floor process: {audit_s / fair_wall:.2f}"
        )
        print(
            f"distinct-title matching: {n:,} titles in {secs:.2f} s = {n / secs:,.0f} titles/s "
            "(target >= 20,000)"
        )
        print(
            f"rows audited: {summary['rows']['audited']:,}; statuses: "
            + ", ".join(f"{k} {v:,}" for k, v in summary["statuses"].items())
        )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for name in ("extract.csv", "audited.csv", "audit.json", "audit.html"):
                shutil.copy2(tmp / name, args.keep / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
