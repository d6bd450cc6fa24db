"""The audit itself: DuckDB's two passes over the file, with Python matching in between.

See the package docstring for the passes.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import TOP_N, AuditError, AuditResult, _first_line, _lit, _problem, _q
from .inputs import InputArg, input_paths, prepare, read_head
from .outputs import (
    XLSX_MAX_ROWS,
    check_output_name,
    rewrite_header,
    write_xlsx,
    xlsx_rows_sql,
)
from .paths import check_outputs, private_folder, sweep_output_leftovers
from .reading import _find_column, _read_sql, _Source, _transcode
from .results import _Results
from .statuses import PP_COLUMNS
from .summary import _summary

if TYPE_CHECKING:
    from ..loader import Taxonomy

#: Files at least this big have the titles of their first ``EARLY_ROWS`` rows matched while
#: DuckDB's first pass reads the whole file (smaller files are read too quickly to gain).
EARLY_MIN_BYTES = 8 << 20
EARLY_ROWS = 100_000
#: DuckDB's memory limit (the audit's target is 500 MB RSS with Python's part).
SLIM_MEMORY_LIMIT = "300MB"
#: Titles matched after the first pass are registered in DuckDB this many at a time.
REGISTER_BATCH = 50_000
#: How DuckDB names a row that is not valid UTF-8 (2.x; 1.1.x).
_BAD_TEXT = ("INVALID ENCODING", "INVALID UNICODE")


def audit(
    path: InputArg,
    title_column: str | None = None,
    code_column: str | None = None,
    key_column: str | None = None,
    output: str | os.PathLike | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    top: int = TOP_N,
    keep_order: bool = False,
    temp_dir: str | os.PathLike | None = None,
    excel_csv: bool = False,
    *,
    band_column: str | None = None,
    fte_column: str | None = None,
    person_column: str | None = None,
    org_column: str | None = None,
    area_column: str | None = None,
    date_column: str | None = None,
    profile: str | None = None,
    local_titles: str | os.PathLike | None = None,
    baseline: bool = False,
) -> AuditResult:
    """Audit the extract at ``path``; write row-level results to ``output`` if given.

    ``path`` is a CSV, XLSX or Parquet file, a glob, or a list of either: several files
    (monthly snapshots) are read as one table and must have the same columns. ``output``
    ends in ``.csv`` or ``.xlsx`` (a real workbook, every cell text); ``excel_csv`` puts a
    UTF-8 BOM at the start of a CSV output, so that Excel reads it as UTF-8.

    The optional columns (``band_column`` ... ``date_column``) and ``profile`` (a shipped
    column profile's name or a profile file, ``pptaxonomy.audit.profiles``) are described in
    docs/audit.md; a column given here wins over the profile's. ``local_titles``: a CSV of
    ``title,profession_id[,level_id]`` read before the matcher (``pptaxonomy.local_titles``).
    ``baseline=True`` (implied by the FTE, person, organisation, area and date columns)
    keeps a slim row table in DuckDB and puts the baseline, the reconciliation table and the
    fix list in the result (``AuditResult.tables``).

    Raises ``AuditError`` for an input or an argument it cannot use. ``progress`` (if given)
    is called as ``progress(stage, done, total)``. The row output is written in parallel, so
    its rows may come in another order than the input's; ``keep_order=True`` keeps the
    input's order (it costs about half as much time again on a 1.5-million-row file).
    Copies of the input, when one is needed (non-UTF-8 text, XLSX), go in a private folder
    under ``temp_dir`` (default: the system's temporary folder), removed on return.
    """
    started = time.perf_counter()
    paths = input_paths(path)
    heads = [read_head(p) for p in paths]
    path = paths[0]
    from .profiles import column_names, load_profile

    chosen = load_profile(profile) if profile is not None else None
    names, from_profile = column_names(
        chosen,
        {
            "title": title_column,
            "code": code_column,
            "key": key_column,
            "person": person_column,
            "band": band_column,
            "fte": fte_column,
            "org": org_column,
            "area": area_column,
            "date": date_column,
        },
    )
    if names["title"] is None:
        raise AuditError("give --title-column, or a --profile that names the title column")
    out_path = Path(output) if output is not None else None
    if out_path is not None:
        check_output_name(out_path, excel_csv)
        check_outputs(paths, [("--output", out_path)])
        sweep_output_leftovers(out_path)
    elif excel_csv:
        raise AuditError("--excel-csv needs a .csv --output")

    note = progress or (lambda stage, done, total: None)

    with private_folder(temp_dir) as tmpdir:
        tmp = Path(tmpdir)
        src = prepare(paths, heads, encoding, sheet, tmp)
        cols = _resolve_columns(names, from_profile, chosen, src, path.name)
        title_col = cols["title"]
        slim = baseline or any(cols[r] for r in ("fte", "person", "org", "area", "date"))

        import duckdb

        con = duckdb.connect()
        running: list[_Background] = []
        tmp_name: str | None = None  # the row output, until it replaces ``out_path``
        try:
            # Pass 1 and the small tables need no order (every list is ordered later);
            # only a --keep-order COPY does (set below, once pass 1 is done).
            con.execute("SET preserve_insertion_order = false")
            con.execute(f"SET temp_directory = {_lit(str(tmp))}")
            con.execute("SET enable_progress_bar = false")
            # Joins and aggregates spill to the private folder rather than grow past the
            # audit's memory target (the slim row table, the baseline's aggregates, and at
            # hundreds of thousands of distinct titles the summary's and the row output's).
            con.execute(f"SET memory_limit = '{SLIM_MEMORY_LIMIT}'")
            if keep_order:
                # Keep the small result table as the join's build side whatever the
                # estimates say: the rows then stream out in the input's order.
                con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            note("reading", 0, 0)
            # DuckDB releases the GIL while it reads, so Python works meanwhile: it loads the
            # taxonomy while DuckDB takes the titles of the file's first rows, then matches
            # and registers those while DuckDB's first pass reads the whole file.
            early = None
            if sum(p.stat().st_size for p in src.paths) >= EARLY_MIN_BYTES:
                early = _Background(_early_titles, con, src, title_col)
                running.append(early)
            try:
                if taxonomy is None:
                    from ..loader import load

                    taxonomy = load()
                from ..matcher import matcher_for

                matcher = matcher_for(taxonomy)
                if local_titles is not None:
                    from ..local_titles import LocalTitlesError, load_local_titles

                    try:
                        matcher = load_local_titles(local_titles, taxonomy)
                    except LocalTitlesError as exc:
                        raise AuditError(f"--titles {exc}") from None
                with contextlib.suppress(ImportError):
                    import rapidfuzz.process  # noqa: F401  (the matcher's typo step needs it)
            finally:
                early_titles = early.result() if early is not None else []
            first = _Background(_pass_one, con, src, cols, path.name, slim)
            running.append(first)
            try:
                res = _Results(taxonomy, matcher)
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
            invalid = any(r[1] in _BAD_TEXT for r in rejects)
            if invalid and src.encoding == "utf-8" and not encoding:
                # Not UTF-8 after all (the first 64 KB were): read it as cp1252.
                src.paths = []
                for i, original in enumerate(paths):
                    src.paths.append(tmp / f"input-utf8{i}.csv")
                    _transcode(original, src.paths[-1], "cp1252")
                src.path, src.encoding = src.paths[0], "cp1252"
                rejects = _pass_one(con, src, cols, path.name, slim)
                res = _Results(taxonomy, matcher)  # the early titles were read as UTF-8
            names = {str(r): p.name for r, p in zip(src.paths, paths, strict=True)}
            src.problems.extend(
                _reject_problems(rejects, len(src.columns), names if len(paths) > 1 else None)
            )
            if keep_order:
                con.execute("SET preserve_insertion_order = true")

            total, batches = res.titles_to_match(con, REGISTER_BATCH)
            note("matching", 0, total)
            done = 0
            for todo in batches:
                for t in todo:
                    res.add(t, matcher.match(t))
                    done += 1
                    if done % 2000 == 0:
                        note("matching", done, total)
                # Hundreds of thousands of titles go to DuckDB in batches: one text
                # parameter of them all would double their memory for a moment.
                res.register_titles(con)
            note("matching", total, total)
            # Every title is read: the matcher's memo tables would only hold memory that
            # DuckDB's joins and aggregates need next (at 500,000 titles, about 100 MB).
            matcher.forget()
            res.register_titles(con)
            res.register_bands(con)
            res.register_statuses(con)
            if slim:
                from .baseline import register_row_view

                register_row_view(con)
            writer = None
            if out_path is not None:
                # The COPY runs on its own cursor (the result tables are regular tables of
                # this in-memory database, so it sees them) while the summary is built here.
                note("writing", 0, 0)
                cur = con.cursor()
                # The name is held before the file exists: a signal landing between
                # mkstemp's creating the file and its return would leave the file behind.
                while True:
                    tmp_name = str(out_path.parent / f".{out_path.name}.{secrets.token_hex(6)}.tmp")
                    with contextlib.suppress(FileExistsError):
                        os.close(os.open(tmp_name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                        break
                writer = _Background(
                    _copy_out, cur, src, cols, tmp_name, out_path, keep_order, excel_csv, tmp
                )
                running.append(writer)
            try:
                summary = _summary(con, path, src, cols, res, taxonomy, top, out_path)
                from .baseline import baseline_range, build_tables

                tables = build_tables(con, taxonomy, cols, slim)
                summary["baseline_range"] = baseline_range(tables)
                summary["data_quality"] = tables.pop("data_quality", None)
                summary["tables"] = {
                    k: {"columns": v["columns"], "rows": [list(r) for r in v["rows"]]}
                    for k, v in tables.items()
                }
            finally:
                if writer is not None:
                    try:
                        writer.result()
                    finally:
                        cur.close()
            if tmp_name is not None:
                # Only now, with the summary made, does the new output replace the old.
                os.replace(tmp_name, out_path)
                tmp_name = None
        except duckdb.Error as exc:
            raise AuditError(f"{path.name}: cannot read the file: {_first_line(exc)}") from None
        except BaseException:
            # Ctrl-C or a signal: stop DuckDB and wait for the threads using this connection,
            # so that it closes cleanly and the temporary files can be removed.
            for job in running:
                job.cancel()
            raise
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
    if len(paths) > 1:
        summary["input"]["file"] = f"{path.name} and {len(paths) - 1} more"
        summary["input"]["files"] = [p.name for p in paths]
    summary["elapsed_seconds"] = round(time.perf_counter() - started, 2)
    counts = dict(summary["statuses"])
    counts["skipped"] = summary["rows"]["skipped"]
    return AuditResult(summary, out_path, counts, tables)


def _resolve_columns(names, from_profile, profile, src: _Source, file: str) -> dict:
    """The DuckDB name of each role's column (``None``: not given). A column the profile
    names and the file lacks is skipped with a warning; the title column must exist."""
    cols: dict[str, str | None] = {}
    for role, name in names.items():
        try:
            cols[role] = _find_column(name, src, role, file)
        except AuditError:
            if role not in from_profile or role == "title":
                raise
            src.warnings.append(
                f"profile {profile.name}: no {role} column {name!r} in the file; not used"
            )
            cols[role] = None
    return cols


class _Background:
    """Run ``fn(*args)`` in a thread; ``result()`` waits and returns it (or raises)."""

    def __init__(self, fn, *args):
        import threading

        self._value: Any = None
        self._args = args
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn(*args)
            except BaseException as exc:  # handed to the caller by result()
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Interrupt the DuckDB call running on the connection or cursor given first, and
        wait for the thread to end."""
        con = self._args[0] if self._args else None
        with contextlib.suppress(Exception):
            con.interrupt()
        self._thread.join(timeout=30)

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _pass_one(con, src: _Source, cols: dict, name, slim: bool):
    """Table ``p1``: the distinct (title, code, band) triples with their row count and two
    example keys (an empty field is the empty title / code / band; the band is ``''`` when
    there is no band column); returns the rows DuckDB rejected. With ``slim``, table ``rw``
    first keeps, per row, only what the baseline needs (``baseline.ROW_COLUMNS``)."""
    con.execute("DROP TABLE IF EXISTS p1_rejects; DROP TABLE IF EXISTS p1_scans")
    title_col, code_col, key_col = cols["title"], cols["code"], cols["key"]
    t = f"coalesce({_q(title_col)}, '')"
    c = f"coalesce({_q(code_col)}, '')" if code_col else "''"
    b = f"coalesce({_q(cols['band'])}, '')" if cols.get("band") else "''"
    k = _q(key_col) if key_col else "NULL::VARCHAR"
    keys = f"min({k}) AS k1, max({k}) AS k2"
    group = ", ".join(x for x in (t, c if code_col else "", b if cols.get("band") else "") if x)
    import duckdb

    def run() -> None:
        if slim:
            from .baseline import slim_rows_sql

            con.execute(
                "CREATE OR REPLACE TABLE rw AS "
                + slim_rows_sql(_read_sql(src, "p1"), {**cols, "title": t, "code": c, "band": b})
            )
            con.execute(
                "CREATE OR REPLACE TABLE p1 AS SELECT t, raw, b, count(*) AS n, min(k) AS k1, "
                "max(k) AS k2 FROM rw GROUP BY t, raw, b"
            )
            return
        con.execute(
            f"CREATE OR REPLACE TABLE p1 AS SELECT {t} AS t, {c} AS raw, {b} AS b, "
            f"count(*) AS n, {keys} FROM {_read_sql(src, 'p1')} GROUP BY {group}"
        )

    try:
        run()
    except duckdb.InvalidInputException as exc:
        text = str(exc).lower()
        if src.no_sniff or ("sniffing" not in text and "maximum line size" not in text):
            raise
        # A bad record (or a line over DuckDB's 2 MB line limit) in the sniffer's sample:
        # read with the dialect we already know, so that the record is a skipped row with
        # its line, not a failed file.
        src.no_sniff = True
        con.execute("DROP TABLE IF EXISTS p1_rejects; DROP TABLE IF EXISTS p1_scans")
        run()
    if src.fmt == "parquet":
        return []  # DuckDB reads every row of a Parquet file or none
    return con.execute(
        "SELECT line, error_type, min(error_message), max(length(l) - length(replace(l, "
        "chr(10), '')) + 1), any_value(f.file_path) FROM (SELECT *, rtrim(csv_line, chr(10) "
        "|| chr(13)) AS l FROM p1_rejects) r LEFT JOIN p1_scans f USING (scan_id, file_id) "
        "GROUP BY r.file_id, line, error_type ORDER BY r.file_id, line"
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
                f"FROM {_read_sql(src, None)} LIMIT {EARLY_ROWS})"
            ).fetchall()
        ]
    except duckdb.Error:
        return []
    finally:
        cur.close()


_FOUND = re.compile(r"Found:\s*(\d+)")
_ACTUAL = re.compile(r"Actual Size:\s*(\d+)")


def _reject_problems(
    rejects, width: int, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One problem per rejected record; a record that an unterminated quote stretched over
    several lines says which lines were lost with it (``lines``: how many). With ``names``
    (the path DuckDB read -> the input file's name) each message names its file."""
    out = []
    for line, kind, message, span, *where in rejects:
        line, span = int(line), int(span or 1)
        if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            m = _FOUND.search(message or "")
            found = f"{m.group(1)} fields" if m else "a different number of fields"
            text = f"row has {found}; the header has {width}; row skipped"
            out.append(_problem(line, "ragged-row", text))
        elif kind in _BAD_TEXT:
            out.append(_problem(line, "invalid-encoding", "row is not valid text; row skipped"))
        elif kind == "UNQUOTED VALUE" and span > 1:
            last = line + span - 1
            text = (
                f"an unterminated quote runs from line {line} to line {last}; "
                f"lines {line}-{last} ({span} lines) skipped"
            )
            problem = _problem(line, "unterminated-quote", text)
            problem["lines"] = span
            out.append(problem)
        elif kind == "LINE SIZE OVER MAXIMUM":
            m = _ACTUAL.search(message or "")
            size = f" ({int(m.group(1)):,} bytes)" if m else ""
            text = f"line over the 2 MB limit for one line{size}; row skipped"
            out.append(_problem(line, "line-too-long", text))
        else:
            text = f"row cannot be read ({kind.lower()}); row skipped"
            out.append(_problem(line, "unreadable-row", text))
        if names and where and where[0] in names:
            out[-1]["message"] = f"{names[where[0]]}: {out[-1]['message']}"
    return out


def _copy(con, sql: str) -> None:
    """Run a COPY; one that does not fit in the audit's memory limit even spilled (a hash
    join's table at hundreds of thousands of titles may not) runs again without the limit,
    rewriting its file: the limit is a target for the audit's memory, not a reason to fail."""
    import duckdb

    try:
        con.execute(sql)
    except duckdb.OutOfMemoryException:
        con.execute("RESET memory_limit")
        con.execute(sql)


def _copy_out(
    con,
    src: _Source,
    cols: dict,
    tmp_name: str,
    out_path: Path,
    keep_order: bool,
    excel_csv: bool = False,
    tmp: Path | None = None,
) -> None:
    """COPY the input rows, joined to their results (the tables of ``_Results``), into the
    hidden temporary file ``tmp_name`` beside ``out_path`` (DuckDB makes no ``tmp_`` file of
    its own); the caller replaces ``out_path`` with it, or removes it. An ``.xlsx``
    ``out_path`` gets a workbook (its rows' XML made by DuckDB in the private folder
    ``tmp``); a CSV a UTF-8 BOM first if ``excel_csv``."""
    import duckdb

    con.execute("DROP TABLE IF EXISTS p2_rejects; DROP TABLE IF EXISTS p2_scans")
    title_col, code_col, band_col = cols["title"], cols["code"], cols.get("band")
    existing = [c for c in src.columns if c.casefold() in PP_COLUMNS]
    star = "r.*" if not existing else f"r.* EXCLUDE ({', '.join(_q(c) for c in existing)})"
    # An empty field (NULL) is the empty title / code / band, as in the first pass.
    code = f"coalesce(r.{_q(code_col)}, '')" if code_col else "''"
    title = f"coalesce(r.{_q(title_col)}, '')"
    if band_col:
        # The band can change the level (so the expected codes, the class and the status).
        band = f"coalesce(r.{_q(band_col)}, '')"
        joins = (
            f"LEFT JOIN pp_tid u ON {title} = u.t LEFT JOIN pp_r m ON u.rid = m.rid "
            f"LEFT JOIN pp_rb b ON m.rid = b.rid AND {band} = b.b "
            f"LEFT JOIN pp_s s ON coalesce(b.cls, m.cls) = s.cls AND {code} = s.raw"
        )

        def col(c: str) -> str:
            if c in ("pp_level_id", "pp_method", "pp_expected_codes"):
                return f"CASE WHEN b.rid IS NULL THEN m.{c} ELSE b.{c} END AS {c}"
            return f"b.{c}" if c == "pp_band_check" else f"m.{c}"
    else:
        joins = (
            f"LEFT JOIN pp_tid u ON {title} = u.t LEFT JOIN pp_r m ON u.rid = m.rid "
            f"LEFT JOIN pp_s s ON m.cls = s.cls AND {code} = s.raw"
        )

        def col(c: str) -> str:
            return "NULL::VARCHAR AS pp_band_check" if c == "pp_band_check" else f"m.{c}"

    pp = ", ".join(f"s.{c}" if c in ("pp_status", "pp_certainty") else col(c) for c in PP_COLUMNS)
    select = f"SELECT {star}, {pp} FROM {_read_sql(src, 'p2')} r {joins}"
    header = src.header or src.columns
    names = [h for h, c in zip(header, src.columns, strict=True) if c not in existing]
    names += list(PP_COLUMNS)
    columns = [c for c in src.columns if c not in existing] + list(PP_COLUMNS)
    as_xlsx = out_path.suffix.lower() == ".xlsx"
    if as_xlsx:
        rows = con.execute("SELECT coalesce(sum(n), 0) FROM p1").fetchone()[0]
        if rows + 1 > XLSX_MAX_ROWS:
            raise AuditError(
                f"{out_path}: {rows:,} rows do not fit in an XLSX sheet (at most "
                f"{XLSX_MAX_ROWS - 1:,} below the header); write CSV (--output NAME.csv)"
            )
        target = str((tmp or Path(tmp_name).parent) / "rows.xml")
        query = (
            f"COPY ({xlsx_rows_sql(select, columns)}) TO {_lit(target)} (FORMAT csv, "
            "HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '', USE_TMP_FILE false"
        )
    else:
        target = tmp_name
        query = (
            f"COPY ({select}) TO {_lit(tmp_name)} "
            "(FORMAT csv, HEADER true, DELIMITER ',', USE_TMP_FILE false"
        )
    try:
        try:
            order = "true" if keep_order else "false"
            _copy(con, f"{query}, PRESERVE_ORDER {order})")
        except duckdb.BinderException as exc:
            if "preserve_order" not in str(exc).lower():
                raise
            # Older DuckDB (1.1.3 here) has no such COPY option; its writer follows the
            # connection's preserve_insertion_order, which the caller has set.
            _copy(con, f"{query})")
        if as_xlsx:
            write_xlsx(tmp_name, names, Path(target))
        elif names != columns or excel_csv:
            rewrite_header(tmp_name, names, bom=excel_csv)
    except duckdb.Error as exc:
        errno = re.search(r'"errno":\s*"(\d+)"', str(exc))
        # DuckDB's message ends with a JSON blob; its errno says it plainly (28: disk full)
        text = os.strerror(int(errno.group(1))) if errno else _first_line(exc).split(' {"')[0]
        raise AuditError(f"{out_path}: cannot write the row output ({text})") from None
    except OSError as exc:  # the header rewrite or the workbook, on the hidden temporary file
        raise AuditError(
            f"{out_path}: cannot write the row output ({exc.strerror or exc})"
        ) from None
    finally:
        if as_xlsx:
            with contextlib.suppress(OSError):
                os.unlink(target)
