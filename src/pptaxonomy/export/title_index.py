"""``mappings/title-index.csv`` and ``.parquet``: title key -> the matcher's reading, for SQL.

One row per distinct key (``pptaxonomy.sqlkey.title_key``) of every label of the taxonomy
(names, labels, level titles) and every title of the development part of the real-title
corpus (``corpus/ons-titles.tsv``, ``part=dev``; the test part is never read). Each row is
what the full matcher answers for the key, which is what it answers for every title with
that key (see ``sqlkey``), with one exception the ``comma_safe`` column marks: the matcher
reads a title with a comma a second time in natural word order ("Psychologist, clinical"),
so a title holding a comma takes its key's row only where ``comma_safe`` is true (the
second reading cannot happen for that key). Sorted by key; byte-identical from build to
build.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..matcher.index import level_title_forms
from ..sqlkey import title_key

if TYPE_CHECKING:
    from ..loader import Taxonomy
    from .common import Inputs

#: The columns, with what each holds (also the CSVW descriptions).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("title_key", "the title's key: its normalised segments joined by ' | ' (see docs/scale.md)"),
    ("profession_id", "the profession read in the title (status matched), else empty"),
    ("group_id", "the profession group the title names, else empty"),
    ("level_id", "the level read in the title, else empty"),
    ("status", "matched, ambiguous, unknown or not-psychological"),
    ("score", "the matcher's score, two decimals, as pp_score in the audit"),
    ("method", "how it was read: exact, alias, hidden label, rule or fuzzy; else empty"),
    ("expected_codes", "the NHS occupation codes that fit the reading, space-separated"),
    ("comma_safe", "true when a title with a comma and this key reads the same (see above)"),
)
CORPUS = Path("corpus") / "ons-titles.tsv"


def label_texts(tax: Taxonomy) -> set[str]:
    """Every name, label and level title (with its bracket forms) of every profession."""
    out: set[str] = set()
    for p in tax.professions.values():
        out.add(p.name)
        out.update(lab.text for lab in p.labels)
        for pl in p.levels:
            out.update(level_title_forms(pl.title))
    out.update(g.name for g in tax.groups.values())
    return out


def dev_titles(repo_root: Path) -> set[str]:
    """The titles of the corpus's development part (none when the corpus is not there)."""
    path = repo_root / CORPUS
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["title"] for r in csv.DictReader(fh, delimiter="\t") if r["part"] == "dev"}


def index_rows(tax: Taxonomy, titles: Iterable[str]) -> list[tuple[str, ...]]:
    """The rows (in ``COLUMNS`` order, as text) for the keys of ``titles``, sorted by key."""
    from ..audit import _Results
    from ..matcher import matcher_for
    from ..normalise import normalise_title

    matcher = matcher_for(tax)
    results = _Results(tax)  # the audit's own expected codes
    label_words = matcher._label_words  # what the natural-order reading needs to happen
    keys = sorted({k for k in (title_key(t) for t in titles) if k is not None})
    rows = []
    for key in keys:
        m = matcher.match(key)
        # match() reads a title with a comma a second time unless this holds (matcher.py).
        # normalise_title(key) is that of every title with this key ('|' separates words).
        sure = m.status == "matched" and m.score >= 0.95
        safe = sure or label_words.isdisjoint(normalise_title(key).split())
        rows.append(
            (
                key,
                m.profession_id or "",
                m.group_id or "",
                m.level_id or "",
                m.status,
                f"{m.score:.2f}",
                m.method or "",
                " ".join(results.expected_codes(m)),
                "true" if safe else "false",
            )
        )
    return rows


def rows_for(inputs: Inputs) -> list[tuple[str, ...]]:
    """The index of the build's taxonomy: its labels and the development corpus titles."""
    root = inputs.taxonomy_root.resolve().parent
    return index_rows(inputs.tax, label_texts(inputs.tax) | dev_titles(root))


def to_csv(rows: list[tuple[str, ...]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c for c, _ in COLUMNS])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def to_parquet(rows: list[tuple[str, ...]], metadata: dict[str, str]) -> bytes:
    """The rows as Parquet written by DuckDB (score a DOUBLE, comma_safe a BOOLEAN), with
    ``metadata`` as the file's key-value metadata; NULL where the CSV has an empty cell."""
    import duckdb

    from ..audit.results import rows_of

    names = [c for c, _ in COLUMNS]
    select, params = rows_of(
        [(n, "VARCHAR?", [r[i] for r in rows]) for i, n in enumerate(names[:-1])]
        + [("comma_safe", "VARCHAR", [r[-1] for r in rows])]
    )
    kv = ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in sorted(metadata.items()))
    fd, tmp = tempfile.mkstemp(suffix=".parquet")
    os.close(fd)
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one row group, in order: the same bytes every time
        con.execute(
            f"COPY (SELECT * REPLACE (score::DOUBLE AS score, comma_safe = 'true' AS comma_safe) "
            f"FROM ({select}) ORDER BY title_key) TO {_lit(tmp)} "
            f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{kv}}})",
            params,
        )
        return Path(tmp).read_bytes()
    finally:
        con.close()
        os.unlink(tmp)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def csvw_table(inputs: Inputs) -> dict:
    """The CSVW table description of ``title-index.csv``."""
    cols = []
    for name, description in COLUMNS:
        datatype: object = "string"
        if name == "comma_safe":
            datatype = {"base": "boolean", "format": "true|false"}
        elif name == "score":
            datatype = "decimal"
        col: dict = {"name": name, "titles": name, "datatype": datatype}
        if name in ("status", "score", "comma_safe"):
            col["required"] = True
        col["dc:description"] = description
        cols.append(col)
    return {
        "url": "title-index.csv",
        "dc:title": "pptaxonomy title index: title key to the matcher's reading",
        "tableSchema": {"columns": cols, "primaryKey": "title_key"},
    }


class TitlesFileError(ValueError):
    """A titles file ``pptaxonomy title-index`` cannot read (the message names file and line)."""


def read_titles(path: Path, title_column: str | None = None) -> list[str]:
    """The distinct non-empty titles of ``path``: one per line (UTF-8, a BOM allowed), or
    the ``title_column`` column of a CSV with a header row. In the order first seen."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TitlesFileError(f"{name}: cannot read: {exc.strerror}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TitlesFileError(f"{name}, line {line}: not UTF-8 text") from None
    if title_column is None:
        if "\x00" in text:
            raise TitlesFileError(f"{name}: a binary file, not one title a line")
        lines = text.splitlines()
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            raise TitlesFileError(f"{name}, line 1: empty file, no header row")
        if title_column not in header:
            raise TitlesFileError(
                f"{name}, line 1: no column {title_column!r} (columns: {', '.join(header)})"
            )
        i = header.index(title_column)
        lines = []
        for row in reader:
            if len(row) > i:
                lines.append(row[i])
            elif row:
                raise TitlesFileError(
                    f"{name}, line {reader.line_num}: {len(row)} fields, no {title_column!r}"
                )
    return list(dict.fromkeys(t for t in lines if t.strip()))


def write_index(tax: Taxonomy, titles: list[str], out: Path) -> tuple[int, int]:
    """Write the index rows of ``titles`` (``index_rows``) to ``out`` (``.csv`` as
    ``mappings/title-index.csv``, ``.parquet`` as its Parquet), atomically; returns (keys
    written, titles without a SQL key)."""
    from importlib.metadata import version

    from .atomic import atomic_write_bytes

    rows = index_rows(tax, titles)
    no_key = sum(1 for t in titles if title_key(t) is None)
    if out.suffix.lower() == ".parquet":
        meta = {"generator": f"pptaxonomy {version('pptaxonomy')} title-index"}
        data = to_parquet(rows, meta)
    else:
        data = to_csv(rows)
    atomic_write_bytes(out, data)
    return len(rows), no_key
