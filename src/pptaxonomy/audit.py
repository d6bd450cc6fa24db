"""Audit a staff extract: which rows are psychological professionals, and do their codes fit?

    >>> from pptaxonomy.audit import audit
    >>> result = audit("extract.csv", title_column="Position Title",
    ...                code_column="Occupation Code", output="audited.csv")  # doctest: +SKIP
    >>> result.summary["statuses"]["code-mismatch"]  # doctest: +SKIP

The rows are read, joined and written by DuckDB; Python only matches each *distinct* title
once (``pptaxonomy.matcher``). Two passes over the file:

1. ``CREATE TABLE p1 AS SELECT title, code, count(*), min(key), max(key) ... GROUP BY``:
   the distinct (title, code) pairs with their row counts, kept inside DuckDB (Python fetches
   only the distinct titles); rows DuckDB cannot place (ragged rows) are collected with their
   line numbers (header = line 1) and skipped. The summary is aggregated by DuckDB from this
   table; every top-N list is ordered by rows, then by value, whatever the input's order.
   DuckDB keeps Python idle while it reads, so for a file of ``EARLY_MIN_BYTES`` or more the
   distinct titles of its first ``EARLY_ROWS`` rows are taken first (cheap) and matched
   while pass 1 runs; the titles that first appear later are matched after it.
2. The results are registered as two small tables, title -> pp_* columns and the title's
   class, and (class, code) -> status (a status depends only on the title's reading and the
   code), and ``COPY (SELECT r.*, m.pp_..., s.pp_status FROM read_csv(...) r LEFT JOIN m ON
   title LEFT JOIN s ON (class, code)) TO out.csv`` writes the row-level output to a
   temporary file that then replaces ``out.csv`` (atomic). The input is never modified.
   The COPY runs on a second cursor of the same in-memory database (so its tables are
   ordinary tables, not TEMP ones) while the summary is aggregated on the first.

Encodings: UTF-8 (with or without a BOM) is read directly; UTF-16 (with a BOM), cp1252 (or
whatever ``encoding`` names) is first transcoded to a temporary UTF-8 copy. XLSX files are
read with openpyxl (read-only) into a temporary CSV and then take the same path.

Row status (``pp_status``), in order of precedence, is documented in ``row_status``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import heapq
import io
import json
import os
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PPTaxonomyError

if TYPE_CHECKING:
    from .loader import Taxonomy

__all__ = [
    "PP_COLUMNS",
    "STATUSES",
    "AuditError",
    "AuditResult",
    "audit",
    "row_status",
    "write_report",
]

#: Every value ``pp_status`` can take.
STATUSES = (
    "consistent",
    "code-mismatch",
    "psych-code-unrecognised-title",
    "not-psychological",
    "ambiguous",
    "invalid-code",
    "retired-code",
    "no-code",
)
#: The columns the audit adds to each row.
PP_COLUMNS = (
    "pp_profession_id",
    "pp_level_id",
    "pp_score",
    "pp_method",
    "pp_expected_codes",
    "pp_status",
)
TOP_N = 20
MAX_PROBLEMS = 1000
_DELIMITERS = (",", ";", "\t", "|")
_PSYCH_CODE = re.compile(r"^S[0-9A-Z][LMH]$")
_SAMPLE_BYTES = 1 << 16
#: Files at least this big have the titles of their first ``EARLY_ROWS`` rows matched while
#: DuckDB's first pass reads the whole file (smaller files are read too quickly to gain).
EARLY_MIN_BYTES = 8 << 20
EARLY_ROWS = 100_000


class AuditError(PPTaxonomyError):
    """The input or the arguments cannot be used (the CLI exits 2 with this message)."""

    code = "audit-input"


@dataclass
class AuditResult:
    """What an audit found: the summary (JSON-ready) and where the row output went."""

    summary: dict[str, Any]
    output: Path | None = None
    status_counts: dict[str, int] = field(default_factory=dict)


# -- status precedence -----------------------------------------------------------------------


def code_state(code: str, taxonomy: Taxonomy) -> str:
    """``none``, ``invalid`` (not in the NHS code list), ``retired`` or ``valid``."""
    if not code:
        return "none"
    oc = taxonomy.occupation_code(code)
    if oc is None:
        return "invalid"
    return "valid" if oc.is_valid else "retired"


def clean_code(raw: str | None) -> str:
    """Codes compare upper-case without spaces; ``55`` (a spreadsheet ate the zero) is 055."""
    if not raw:
        return ""
    code = raw.strip().upper()
    if code.isdigit() and len(code) < 3:
        code = code.zfill(3)
    return code


def row_status(title_status: str, expected: Iterable[str], state: str, code: str) -> str:
    """The ``pp_status`` of a row, from its title's reading and its code.

    Precedence:

    * Title matched to a profession: ``no-code`` (no code), ``invalid-code`` (not in the NHS
      list), ``retired-code``, then ``consistent`` when the code is one of the profession's
      expected codes at the matched level (any level when none is evident), else
      ``code-mismatch``.
    * Title ambiguous: ``invalid-code``, ``retired-code``; ``code-mismatch`` when the code fits
      none of the candidate professions; otherwise ``ambiguous``.
    * Title not a psychological profession, or not recognised: a valid psychological code
      (S?L, S?M, S?H) gives ``psych-code-unrecognised-title``; then ``invalid-code``,
      ``retired-code``; an unrecognised title without a code is ``no-code``; everything else
      is ``not-psychological``.
    """
    expected = tuple(expected)
    if title_status == "matched":
        if state == "none":
            return "no-code"
        if state == "invalid":
            return "invalid-code"
        if state == "retired":
            return "retired-code"
        return "consistent" if code in expected else "code-mismatch"
    if title_status == "ambiguous":
        if state == "invalid":
            return "invalid-code"
        if state == "retired":
            return "retired-code"
        if state == "valid" and expected and code not in expected:
            return "code-mismatch"
        return "ambiguous"
    if state == "valid" and _PSYCH_CODE.match(code):
        return "psych-code-unrecognised-title"
    if state == "invalid":
        return "invalid-code"
    if state == "retired":
        return "retired-code"
    if state == "none" and title_status == "unknown":
        return "no-code"
    return "not-psychological"


# -- input preparation --------------------------------------------------------------------


@dataclass
class _Source:
    path: Path  # a UTF-8 CSV DuckDB can read
    columns: list[str]
    delimiter: str
    encoding: str
    fmt: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        base = name.strip() or f"column{i + 1}"
        cand, n = base, 2
        while cand.casefold() in seen:
            cand = f"{base}_{n}"
            n += 1
        seen.add(cand.casefold())
        out.append(cand)
    return out


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:50]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line
    best, best_key = ",", (-1, -1)
    for d in _DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agree = sum(1 for r in rows[1:] if len(r) == width)
        key = (agree, width)
        if key > best_key:
            best, best_key = d, key
    return best


def _is_xlsx(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04")


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    with (
        open(src, encoding=encoding, errors="replace", newline="") as fi,
        open(dst, "w", encoding="utf-8", newline="") as fo,
    ):
        while chunk := fi.read(1 << 22):
            fo.write(chunk)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head
    if len(head) == _SAMPLE_BYTES:  # may end inside a character
        cut = head.rfind(b"\n")
        sample = head[: cut + 1] if cut > 0 else head
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _prepare_csv(path: Path, head: bytes, encoding: str | None, tmp: Path) -> _Source:
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise AuditError(f"unknown encoding {encoding!r}") from None
    enc = encoding or _detect_encoding(head)
    if enc in ("utf-8", "utf-8-sig"):
        readable = path
    else:
        readable = tmp / "input-utf8.csv"
        _transcode(path, readable, "utf-16" if enc.startswith("utf-16") and not encoding else enc)
    with open(readable, encoding="utf-8-sig", errors="replace", newline="") as fh:
        text = fh.read(_SAMPLE_BYTES)
    if not text.strip():
        raise AuditError(f"{path.name}: the file is empty")
    delimiter = _sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise AuditError(f"{path.name}: cannot read a header row ({exc})") from None
    return _Source(readable, _unique(header), delimiter, enc, "csv")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _prepare_xlsx(path: Path, sheet: str | None, tmp: Path) -> _Source:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise AuditError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise AuditError(
                    f"{path.name}: no sheet {sheet!r}; sheets found: {', '.join(wb.sheetnames)}"
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        out = tmp / "input-from-xlsx.csv"
        problems: list[dict[str, Any]] = []
        header: list[str] | None = None
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for line, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in row]
                if header is None:
                    while cells and cells[-1] == "":
                        cells.pop()
                    if not cells:
                        raise AuditError(f"{path.name}: the first row of the sheet is empty")
                    header = _unique(cells)
                    writer.writerow(header)
                    continue
                if not any(cells):
                    continue
                width = len(header)
                if len(cells) > width and any(cells[width:]):
                    problems.append(
                        _problem(
                            line,
                            "ragged-row",
                            f"row has values in {len(cells) - width} column(s) beyond the header; "
                            "row skipped",
                        )
                    )
                    continue
                cells = (cells + [""] * width)[:width]
                writer.writerow(cells)
    finally:
        wb.close()
    if header is None:
        raise AuditError(f"{path.name}: the sheet is empty")
    return _Source(out, header, ",", "xlsx", "xlsx", problems, ws.title)


def _problem(line: int | None, code: str, message: str, severity: str = "warning") -> dict:
    return {"line": line, "code": code, "severity": severity, "message": message}


def _find_column(name: str | None, columns: list[str], what: str, file: str) -> str | None:
    if name is None:
        return None
    if name in columns:
        return name
    folded = {c.strip().casefold(): c for c in columns}
    found = folded.get(name.strip().casefold())
    if found is not None:
        return found
    raise AuditError(
        f"{file}: no {what} column {name!r}; columns found: " + ", ".join(repr(c) for c in columns)
    )


# -- the audit -----------------------------------------------------------------------------


def audit(
    path: str | os.PathLike,
    title_column: str,
    code_column: str | None = None,
    key_column: str | None = None,
    output: str | os.PathLike | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    top: int = TOP_N,
    keep_order: bool = False,
) -> AuditResult:
    """Audit the extract at ``path``; write row-level results to ``output`` if given.

    Raises ``AuditError`` for an input or an argument it cannot use. ``progress`` (if given)
    is called as ``progress(stage, done, total)``. The row output is written in parallel, so
    its rows may come in another order than the input's; ``keep_order=True`` keeps the
    input's order (it costs about half as much time again on a 1.5-million-row file).
    """
    started = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise AuditError(f"{path}: no such file")
    if not path.is_file():
        raise AuditError(f"{path}: not a file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not head:
        raise AuditError(f"{path.name}: the file is empty")
    out_path = Path(output) if output is not None else None
    if out_path is not None:
        if out_path.exists() and out_path.resolve() == path.resolve():
            raise AuditError("the output file must not be the input file")
        if not out_path.parent.exists():
            raise AuditError(f"{out_path.parent}: the output folder does not exist")
        if out_path.is_dir():
            raise AuditError(f"{out_path}: is a folder; give a file name for --output")

    note = progress or (lambda stage, done, total: None)

    with tempfile.TemporaryDirectory(prefix="pptaxonomy-audit-") as tmpdir:
        tmp = Path(tmpdir)
        if _is_xlsx(path, head):
            src = _prepare_xlsx(path, sheet, tmp)
        else:
            src = _prepare_csv(path, head, encoding, tmp)
        title_col = _find_column(title_column, src.columns, "title", path.name)
        code_col = _find_column(code_column, src.columns, "code", path.name)
        key_col = _find_column(key_column, src.columns, "key", path.name)

        import duckdb

        con = duckdb.connect()
        try:
            # Pass 1 and the small tables need no order (every list is ordered later);
            # only a --keep-order COPY does (set below, once pass 1 is done).
            con.execute("SET preserve_insertion_order = false")
            con.execute(f"SET temp_directory = {_lit(str(tmp))}")
            con.execute("SET enable_progress_bar = false")
            if keep_order:
                # Keep the small result table as the join's build side whatever the
                # estimates say: the rows then stream out in the input's order.
                con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            note("reading", 0, 0)
            # DuckDB releases the GIL while it reads, so Python works meanwhile: it loads the
            # taxonomy while DuckDB takes the titles of the file's first rows, then matches
            # and registers those while DuckDB's first pass reads the whole file.
            early = None
            if path.stat().st_size >= EARLY_MIN_BYTES:
                early = _Background(_early_titles, con, src, title_col)
            try:
                if taxonomy is None:
                    from .loader import load

                    taxonomy = load()
                from .matcher import matcher_for

                matcher = matcher_for(taxonomy)
                with contextlib.suppress(ImportError):
                    import rapidfuzz.process  # noqa: F401  (the matcher's typo step needs it)
            finally:
                early_titles = early.result() if early is not None else []
            first = _Background(_pass_one, con, src, title_col, code_col, key_col, path.name)
            try:
                res = _Results(taxonomy)
                if early_titles:
                    for t in early_titles:
                        res.add(t, matcher.match(t))
                    early_cur = con.cursor()
                    try:
                        res.register_titles(early_cur)
                    finally:
                        early_cur.close()
            finally:
                rejects = first.result()
            if any(r[1] == "INVALID ENCODING" for r in rejects) and src.encoding == "utf-8":
                # Not UTF-8 after all (the first 64 KB were): read it as cp1252.
                readable = tmp / "input-utf8.csv"
                _transcode(path, readable, "cp1252")
                src.path, src.encoding = readable, "cp1252"
                rejects = _pass_one(con, src, title_col, code_col, key_col, path.name)
                res = _Results(taxonomy)  # the early titles were read as UTF-8
            src.problems.extend(_reject_problems(rejects, len(src.columns)))
            if keep_order:
                con.execute("SET preserve_insertion_order = true")

            todo = res.titles_to_match(con)
            note("matching", 0, len(todo))
            for i, t in enumerate(todo, 1):
                res.add(t, matcher.match(t))
                if i % 2000 == 0:
                    note("matching", i, len(todo))
            note("matching", len(todo), len(todo))
            res.register_titles(con)
            res.register_statuses(con)
            writer = None
            if out_path is not None:
                # The COPY runs on its own cursor (the result tables are regular tables of
                # this in-memory database, so it sees them) while the summary is built here.
                note("writing", 0, 0)
                cur = con.cursor()
                writer = _Background(_copy_out, cur, src, title_col, code_col, out_path, keep_order)
            try:
                summary = _summary(
                    con, path, src, title_col, code_col, key_col, res, taxonomy, top, out_path
                )
            finally:
                if writer is not None:
                    try:
                        writer.result()
                    finally:
                        cur.close()
        except duckdb.Error as exc:
            raise AuditError(f"{path.name}: cannot read the file: {_first_line(exc)}") from None
        finally:
            con.close()
    summary["elapsed_seconds"] = round(time.perf_counter() - started, 2)
    return AuditResult(summary, out_path, dict(summary["statuses"]))


class _Background:
    """Run ``fn(*args)`` in a thread; ``result()`` waits and returns it (or raises)."""

    def __init__(self, fn, *args):
        import threading

        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # handed to the caller by result()
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _read_csv_sql(src: _Source, name: str | None) -> str:
    """``read_csv(...)`` of the source, every column as text. Rows that cannot be placed are
    skipped; with a ``name`` they are also kept in the tables ``{name}_rejects`` and
    ``{name}_scans``."""
    cols = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in src.columns)
    rejects = (
        f"store_rejects = true, rejects_table = '{name}_rejects', rejects_scan = '{name}_scans'"
        if name
        else "ignore_errors = true"
    )
    return (
        f"read_csv({_lit(str(src.path))}, header = true, "
        f"columns = {{{cols}}}, delim = {_lit(src.delimiter)}, quote = '\"', escape = '\"', "
        f"skip = 0, comment = '', {rejects})"
    )


def _pass_one(con, src: _Source, title_col, code_col, key_col, name):
    """Table ``p1``: the distinct (title, code) pairs with their row count and two example
    keys (an empty field is the empty title / code); returns the rows DuckDB rejected."""
    con.execute("DROP TABLE IF EXISTS p1_rejects; DROP TABLE IF EXISTS p1_scans")
    t = f"coalesce({_q(title_col)}, '')"
    c = f"coalesce({_q(code_col)}, '')" if code_col else "''"
    k = _q(key_col) if key_col else "NULL::VARCHAR"
    keys = f"min({k}) AS k1, max({k}) AS k2"
    group = f"{t}, {c}" if code_col else t
    con.execute(
        f"CREATE OR REPLACE TABLE p1 AS SELECT {t} AS t, {c} AS raw, count(*) AS n, "
        f"{keys} FROM {_read_csv_sql(src, 'p1')} GROUP BY {group}"
    )
    return con.execute(
        "SELECT line, error_type, min(error_message) FROM p1_rejects "
        "GROUP BY line, error_type ORDER BY line"
    ).fetchall()


def _early_titles(con, src: _Source, title_col: str) -> list[str]:
    """The distinct titles of the file's first ``EARLY_ROWS`` rows, read on a cursor of its
    own while the taxonomy loads; ``[]`` if they cannot be read (pass 1 then reports why)."""
    import duckdb

    cur = con.cursor()
    try:
        return [
            row[0]
            for row in cur.execute(
                f"SELECT DISTINCT coalesce(t, '') FROM (SELECT {_q(title_col)} AS t "
                f"FROM {_read_csv_sql(src, None)} LIMIT {EARLY_ROWS})"
            ).fetchall()
        ]
    except duckdb.Error:
        return []
    finally:
        cur.close()


_FOUND = re.compile(r"Found:\s*(\d+)")


def _reject_problems(rejects, width: int) -> list[dict[str, Any]]:
    out = []
    for line, kind, message in rejects:
        if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            m = _FOUND.search(message or "")
            found = f"{m.group(1)} fields" if m else "a different number of fields"
            text = f"row has {found}; the header has {width}; row skipped"
            out.append(_problem(int(line), "ragged-row", text))
        elif kind == "INVALID ENCODING":
            out.append(
                _problem(int(line), "invalid-encoding", "row is not valid text; row skipped")
            )
        else:
            text = f"row cannot be read ({kind.lower()}); row skipped"
            out.append(_problem(int(line), "unreadable-row", text))
    return out


class _Results:
    """What the audit made of the distinct titles, registered in DuckDB as small tables.

    ``pp_t``: title -> pp_* columns, the reading's status and the title's class;
    ``pp_s``: (class, raw code) -> clean code and ``pp_status``; ``pp_pairs``: ``p1`` with
    each pair's reading and status, for the summary. A status depends only on the title's
    class (reading status and expected codes) and the code, so it is worked out once per
    (class, code), and the row output joins on the title, then on (class, code).

    Titles can be added in batches (``add`` then ``register_titles``): the titles read early
    are registered while DuckDB's first pass is still running.
    """

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.readings: dict[str, Any] = {}  # title -> Match
        self.expected: dict[str, tuple[str, ...]] = {}  # title -> expected codes
        self._codes_of: dict[tuple, tuple[str, ...]] = {}
        self._classes: dict[tuple[str, tuple[str, ...]], int] = {}
        # Few distinct readings among many titles: those go in as a small table ``pp_r``
        # and DuckDB joins them to the titles (fewer, shorter Python lists are quicker).
        self._rows: dict[tuple, int] = {}
        self._titles: list[str] = []
        self._rids: list[int] = []
        self._registered = False

    def add(self, title: str, m: Any) -> None:
        exp = self._expected_codes(m)
        self.readings[title] = m
        self.expected[title] = exp
        c = self._classes.setdefault((m.status, exp), len(self._classes))
        row = (
            m.profession_id or None,
            m.level_id or None,
            f"{m.score:.2f}",
            m.method or None,
            " ".join(exp) or None,
            c,
            m.status,
        )
        self._titles.append(title)
        self._rids.append(self._rows.setdefault(row, len(self._rows)))

    def titles_to_match(self, con) -> list[str]:
        """The titles of ``p1`` not read yet; forgets readings of titles that are not in
        ``p1`` (the rows they left in ``pp_t`` join to nothing)."""
        if not self._registered:
            return [row[0] for row in con.execute("SELECT DISTINCT t FROM p1").fetchall()]
        for (t,) in con.execute("SELECT t FROM pp_t ANTI JOIN p1 USING (t)").fetchall():
            self.readings.pop(t, None)
            self.expected.pop(t, None)
        return [
            row[0]
            for row in con.execute("SELECT DISTINCT t FROM p1 ANTI JOIN pp_t USING (t)").fetchall()
        ]

    def _expected_codes(self, m: Any) -> tuple[str, ...]:
        """Its profession's codes at its level; all candidates' codes if ambiguous."""
        if m.status == "matched":
            key = ((m.profession_id, m.level_id),)
        elif m.status == "ambiguous":
            key = tuple((a.profession_id, a.level_id) for a in m.alternatives)
        else:
            return ()
        found = self._codes_of.get(key)
        if found is None:
            codes: set[str] = set()
            for pid, level in key:
                p = self.taxonomy.professions.get(pid)
                if p is not None:
                    lv = level if level in p.level_ids else None
                    codes.update(self.taxonomy.occupation_codes_for(pid, lv))
            found = self._codes_of[key] = tuple(sorted(codes))
        return found

    def register_titles(self, con) -> None:
        """Add the titles added since the last call to ``pp_t``."""
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * 7
        con.execute(
            "CREATE OR REPLACE TABLE pp_r AS SELECT unnest($1::INTEGER[]) AS rid, "
            "unnest($2::VARCHAR[]) AS pp_profession_id, unnest($3::VARCHAR[]) AS pp_level_id, "
            "unnest($4::VARCHAR[]) AS pp_score, unnest($5::VARCHAR[]) AS pp_method, "
            "unnest($6::VARCHAR[]) AS pp_expected_codes, unnest($7::INTEGER[]) AS cls, "
            "unnest($8::VARCHAR[]) AS st",
            [list(range(len(self._rows))), *(list(col) for col in cols)],
        )
        verb = "INSERT INTO pp_t" if self._registered else "CREATE OR REPLACE TABLE pp_t AS"
        con.execute(
            f"{verb} SELECT u.t, r.* EXCLUDE (rid) FROM (SELECT unnest($1::VARCHAR[]) AS t, "
            "unnest($2::INTEGER[]) AS rid) u JOIN pp_r r USING (rid)",
            [self._titles, self._rids],
        )
        self._registered = True
        self._titles, self._rids = [], []

    def register_statuses(self, con) -> None:
        """``pp_s`` and ``pp_pairs``, once every title of ``p1`` is in ``pp_t``."""
        class_list = list(self._classes)
        keys = con.execute(
            "SELECT DISTINCT m.cls, p.raw FROM p1 p JOIN pp_t m USING (t)"
        ).fetchall()
        codes, statuses = [], []
        for c, raw in keys:
            title_status, exp = class_list[c]
            code = clean_code(raw)
            codes.append(code)
            statuses.append(row_status(title_status, exp, code_state(code, self.taxonomy), code))
        con.execute(
            "CREATE OR REPLACE TABLE pp_s AS SELECT unnest($1::INTEGER[]) AS cls, "
            "unnest($2::VARCHAR[]) AS raw, unnest($3::VARCHAR[]) AS code, "
            "unnest($4::VARCHAR[]) AS pp_status",
            [[k[0] for k in keys], [k[1] for k in keys], codes, statuses],
        )
        con.execute(
            "CREATE OR REPLACE VIEW pp_pairs AS SELECT p.t, p.raw, p.n, p.k1, p.k2, m.st, "
            "m.pp_profession_id AS pid, m.pp_level_id AS lv, s.code, s.pp_status AS status "
            "FROM p1 p JOIN pp_t m USING (t) JOIN pp_s s ON m.cls = s.cls AND p.raw = s.raw"
        )


def _copy_out(con, src: _Source, title_col, code_col, out_path: Path, keep_order: bool) -> None:
    """COPY the input rows, joined to their results (the tables of ``_Results``), to ``out_path``.

    DuckDB writes a temporary file in the output's folder, which then replaces ``out_path``.
    """
    con.execute("DROP TABLE IF EXISTS p2_rejects; DROP TABLE IF EXISTS p2_scans")
    existing = [c for c in src.columns if c.casefold() in PP_COLUMNS]
    star = "r.*" if not existing else f"r.* EXCLUDE ({', '.join(_q(c) for c in existing)})"
    pp = ", ".join(f"m.{c}" for c in PP_COLUMNS if c != "pp_status")
    # An empty field (NULL) is the empty title / code, as in the first pass.
    code = f"coalesce(r.{_q(code_col)}, '')" if code_col else "''"
    joins = (
        f"LEFT JOIN pp_t m ON coalesce(r.{_q(title_col)}, '') = m.t "
        f"LEFT JOIN pp_s s ON m.cls = s.cls AND {code} = s.raw"
    )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    try:
        con.execute(
            f"COPY (SELECT {star}, {pp}, s.pp_status "
            f"FROM {_read_csv_sql(src, 'p2')} r {joins}) "
            f"TO {_lit(tmp_name)} (FORMAT csv, HEADER true, DELIMITER ',', "
            f"PRESERVE_ORDER {'true' if keep_order else 'false'})"
        )
        os.replace(tmp_name, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


# -- summary ---------------------------------------------------------------------------------


def _top(items, top: int, key) -> list:
    """The first ``top`` of ``items`` by ``key`` (a total order, so ties never depend on the
    order in which DuckDB's parallel groups came out)."""
    return heapq.nsmallest(top, items, key=key)


def _summary(
    con, path, src, title_col, code_col, key_col, res: _Results, taxonomy, top, out_path
) -> dict[str, Any]:
    """The JSON-ready summary, aggregated by DuckDB from ``pp_pairs`` (one row per distinct
    (title, code) pair). Every top-N list is ordered by rows (descending), then by value, so
    the report does not depend on the input's row order."""
    from . import __version__

    readings = res.readings
    statuses = dict.fromkeys(STATUSES, 0)
    bad: dict[str, list[tuple[str, int]]] = {"invalid-code": [], "retired-code": []}
    for status, code, n in con.execute(
        "SELECT status, code, sum(n) FROM pp_pairs GROUP BY ALL"
    ).fetchall():
        statuses[status] += int(n)
        if status in bad:
            bad[status].append((code, int(n)))
    total = sum(statuses.values())
    invalid, retired = (_top(bad[s], top, lambda x: (-x[1], x[0])) for s in bad)

    title_rows = {
        t: int(n) for t, n in con.execute("SELECT t, sum(n) FROM p1 GROUP BY t").fetchall()
    }
    by_prof: dict[str, Counter] = defaultdict(Counter)
    for t, n in title_rows.items():
        m = readings[t]
        if m.profession_id:
            by_prof[m.profession_id][m.level_id or ""] += n

    def top_titles(status: str) -> list[str]:
        found = (t for t, m in readings.items() if m.status == status)
        return _top(found, top, lambda t: (-title_rows[t], t))

    unrec, amb = top_titles("unknown"), top_titles("ambiguous")
    title_codes: dict[str, Counter] = defaultdict(Counter)
    title_keys: dict[str, set] = defaultdict(set)
    if unrec or amb:
        for t, code, n, k1, k2 in con.execute(
            "SELECT t, code, n, k1, k2 FROM pp_pairs WHERE t IN (SELECT unnest($1::VARCHAR[]))",
            [unrec + amb],
        ).fetchall():
            title_codes[t][code] += n
            if key_col:
                title_keys[t].update(k for k in (k1, k2) if k)

    # All the flagged pairs that might make a top list (ties at the cut included); each list
    # is then ordered here by rows, title, code, raw code and keys.
    flagged: dict[str, list[tuple]] = {"code-mismatch": [], "psych-code-unrecognised-title": []}
    for status, *row in con.execute(
        "SELECT status, n, t, code, raw, k1, k2 FROM pp_pairs WHERE status IN ($1, $2) "
        "QUALIFY rank() OVER (PARTITION BY status ORDER BY n DESC) <= $3",
        [*flagged, top],
    ).fetchall():
        flagged[status].append(row)
    mismatches, psych_unrec = (
        _top(rows, top, lambda x: (-x[0], x[1], x[2], x[3], x[4] or "", x[5] or ""))
        for rows in flagged.values()
    )

    def keys(k1, k2):
        return sorted({k for k in (k1, k2) if k}) if key_col else []

    def codes_of(t):
        counts = _top(title_codes[t].items(), 3, lambda kv: (-kv[1], kv[0]))
        return [{"code": c, "rows": n} for c, n in counts]

    professions = []
    level_order = {lv: i for i, lv in enumerate(taxonomy.levels)}
    for pid in sorted(by_prof, key=lambda p: (-sum(by_prof[p].values()), p)):
        p = taxonomy.professions.get(pid)
        levels = sorted(by_prof[pid].items(), key=lambda kv: (level_order.get(kv[0], 99), kv[0]))
        professions.append(
            {
                "profession_id": pid,
                "name": p.name if p else pid,
                "rows": sum(by_prof[pid].values()),
                "levels": {lv or "(none)": n for lv, n in levels},
            }
        )
    problems = src.problems
    return {
        "report": "pptaxonomy audit",
        "pptaxonomy_version": __version__,
        "data_version": taxonomy.data_version,
        "input": {
            "file": path.name,
            "format": src.fmt,
            "encoding": src.encoding,
            "delimiter": src.delimiter if src.fmt == "csv" else None,
            "sheet": src.sheet,
        },
        "columns": {"title": title_col, "code": code_col, "key": key_col},
        "output": str(out_path) if out_path else None,
        "rows": {
            "audited": total,
            "skipped": sum(1 for p in problems if p["line"] is not None),
        },
        "distinct_titles": len(readings),
        "threshold": _threshold(),
        "statuses": statuses,
        "professions": professions,
        "top_unrecognised_titles": [
            {
                "title": t,
                "rows": title_rows[t],
                "codes": codes_of(t),
                "reason": readings[t].reason,
                "example_keys": sorted(title_keys[t])[:3],
            }
            for t in unrec
        ],
        "top_ambiguous_titles": [
            {
                "title": t,
                "rows": title_rows[t],
                "alternatives": [a.profession_id for a in readings[t].alternatives],
                "example_keys": sorted(title_keys[t])[:3],
            }
            for t in amb
        ],
        "top_mismatches": [
            {
                "title": t,
                "code": code,
                "rows": n,
                "profession_id": readings[t].profession_id,
                "level_id": readings[t].level_id,
                "expected_codes": list(res.expected[t]),
                "example_keys": keys(k1, k2),
            }
            for n, t, code, _raw, k1, k2 in mismatches
        ],
        "top_psych_codes_with_unrecognised_titles": [
            {
                "title": t,
                "code": code,
                "rows": n,
                "title_status": readings[t].status,
                "example_keys": keys(k1, k2),
            }
            for n, t, code, _raw, k1, k2 in psych_unrec
        ],
        "invalid_codes": [{"code": c, "rows": n} for c, n in invalid],
        "retired_codes": [{"code": c, "rows": n} for c, n in retired],
        "problems": problems[:MAX_PROBLEMS],
        "problems_total": len(problems),
        "problems_partial": len(problems) > MAX_PROBLEMS,
        "elapsed_seconds": 0.0,
    }


def _threshold() -> float:
    from .matcher import THRESHOLD

    return THRESHOLD


# -- reports -------------------------------------------------------------------------------


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_report(summary: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the summary as JSON (``.json``) or a self-contained HTML page (``.html``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    elif suffix in (".html", ".htm"):
        from .report_html import render

        text = render(summary)
    else:
        raise AuditError(f"{path}: a report must end in .json or .html")
    if not path.parent.exists():
        raise AuditError(f"{path.parent}: the report folder does not exist")
    atomic_write_text(path, text)
    return path


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a plain-text table for the terminal."""
    lines = []
    inp = summary["input"]
    rows = summary["rows"]
    lines.append(
        f"{inp['file']}: {rows['audited']:,} rows audited, {summary['distinct_titles']:,} "
        f"distinct titles ({inp['format']}, {inp['encoding']}"
        + (f", delimiter {inp['delimiter']!r}" if inp.get("delimiter") else "")
        + f"); taxonomy data {summary['data_version']}"
    )
    if summary["problems_total"]:
        lines.append(
            f"{summary['problems_total']:,} row(s) skipped (ragged or unreadable); "
            "the report lists their line numbers"
        )
        for p in summary["problems"][:5]:
            lines.append(f"  line {p['line']}: {p['message']}")
    lines.append("")
    lines.append(f"{'status':32} {'rows':>12} {'share':>7}")
    total = max(rows["audited"], 1)
    for status, n in summary["statuses"].items():
        lines.append(f"{status:32} {n:>12,} {100 * n / total:>6.1f}%")
    if summary["professions"]:
        lines.append("")
        lines.append(f"{'profession':44} {'rows':>10}  levels")
        for p in summary["professions"]:
            levels = ", ".join(f"{lv} {n:,}" for lv, n in p["levels"].items())
            lines.append(f"{p['profession_id']:44} {p['rows']:>10,}  {levels}")
    if summary["top_unrecognised_titles"]:
        lines.append("")
        lines.append("most frequent unrecognised titles:")
        for u in summary["top_unrecognised_titles"][:10]:
            lines.append(f"  {u['rows']:>8,}  {_safe(u['title'])}")
    if summary["top_mismatches"]:
        lines.append("")
        lines.append("most frequent code mismatches (title, code -> expected):")
        for m in summary["top_mismatches"][:10]:
            lines.append(
                f"  {m['rows']:>8,}  {_safe(m['title'])} [{m['code']}] -> "
                f"{m['profession_id'] or '(ambiguous)'}/{m['level_id'] or '-'} expects "
                f"{' '.join(m['expected_codes']) or '(no code)'}"
            )
    return "\n".join(lines)


def _safe(text: str, width: int = 70) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


# -- command line (``pptaxonomy audit``) ------------------------------------------------------


def _progress_printer():
    """A stderr progress display for terminals; None (quiet) otherwise."""
    import sys

    if not sys.stderr.isatty():
        return None
    state = {"stage": None}

    def show(stage: str, done: int, total: int) -> None:
        if stage != state["stage"] and state["stage"] is not None:
            sys.stderr.write("\n")
        state["stage"] = stage
        if total:
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{stage:9} [{bar}] {done:,}/{total:,} distinct titles")
        else:
            sys.stderr.write(f"\r{stage:9} ...")
        sys.stderr.flush()

    def close() -> None:
        if state["stage"] is not None:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()

    show.close = close  # type: ignore[attr-defined]
    return show


def cli_audit(
    file: str,
    title_column: str,
    code_column: str | None,
    key_column: str | None,
    output: str | None,
    reports: tuple[str, ...],
    encoding: str | None,
    sheet: str | None,
    fail_on: tuple[str, ...],
    as_json: bool = False,
    keep_order: bool = False,
) -> int:
    """Run an audit for the CLI; returns the exit code (0 ran, 1 --fail-on hit, 2 unusable)."""
    import sys

    for report in reports:
        if Path(report).suffix.lower() not in (".json", ".html", ".htm"):
            print(
                f"error: --report {report}: the file name must end in .json or .html",
                file=sys.stderr,
            )
            return 2
    progress = _progress_printer()
    try:
        result = audit(
            file,
            title_column=title_column,
            code_column=code_column,
            key_column=key_column,
            output=output,
            encoding=encoding,
            sheet=sheet,
            progress=progress,
            keep_order=keep_order,
        )
        written = [write_report(result.summary, r) for r in reports]
    except AuditError as exc:
        if progress:
            progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if progress:
            progress.close()
        print(f"error: {exc.filename or file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if progress:
        progress.close()
    if as_json:
        print(json.dumps(result.summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(result.summary))
        if result.output:
            print(f"\nrow-level output: {result.output}")
        for w in written:
            print(f"report: {w}")
    hits = {s: result.status_counts.get(s, 0) for s in fail_on}
    if any(hits.values()):
        found = ", ".join(f"{s} {n:,}" for s, n in hits.items() if n)
        print(f"--fail-on: rows found with {found}", file=sys.stderr)
        return 1
    return 0
