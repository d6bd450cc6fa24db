"""``pptaxonomy audit`` on the command line: progress display, errors and exit codes."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from .common import AuditError
from .engine import audit
from .paths import check_outputs, remove_own_folders
from .report import format_summary, write_report


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


#: Set by the signal handler: a DuckDB call it interrupts may raise its own error instead of
#: KeyboardInterrupt, and that is still an interrupted audit (exit 130).
_signalled: list[int] = []


def _interrupt_on_sigterm() -> None:
    """Let SIGINT, SIGTERM and SIGHUP unwind alike, so the temporary files are removed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        _signalled.append(signum)
        raise KeyboardInterrupt

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)


def cli_audit(
    file: str | tuple[str, ...],
    title_column: str | None,
    code_column: str | None,
    key_column: str | None,
    output: str | None,
    reports: tuple[str, ...],
    encoding: str | None,
    sheet: str | None,
    fail_on: tuple[str, ...],
    as_json: bool = False,
    keep_order: bool = False,
    temp_dir: str | None = None,
    excel_csv: bool = False,
    band_column: str | None = None,
    fte_column: str | None = None,
    person_column: str | None = None,
    org_column: str | None = None,
    area_column: str | None = None,
    date_column: str | None = None,
    profile: str | None = None,
    local_titles: str | None = None,
    baselines: tuple[str, ...] = (),
    fixes: tuple[str, ...] = (),
    reconciliations: tuple[str, ...] = (),
    suppress_below: int | None = None,
    comparators: str | None = None,
) -> int:
    """Run an audit for the CLI; returns the exit code (0 ran, 1 --fail-on hit, 2 unusable,
    130 interrupted). Every error is one line on stderr. ``file``: one or several files or
    globs, read as one table."""
    import sys

    from .inputs import input_paths
    from .outputs import check_output_name

    progress = None

    def fail(message: str, code: int = 2) -> int:
        if progress:
            progress.close()
        print(f"error: {message}", file=sys.stderr)
        return code

    try:
        _interrupt_on_sigterm()
        for report in reports:
            if Path(report).suffix.lower() not in (".json", ".html", ".htm"):
                return fail(f"--report {report}: the file name must end in .json or .html")
        if output:
            check_output_name(output, excel_csv)
        elif excel_csv:
            return fail("--excel-csv needs a .csv --output")
        from .tables_out import check_table_path, write_table

        tables_asked = [
            *(("--baseline", "baseline", b) for b in baselines),
            *(("--fixes", "fixes", f) for f in fixes),
            *(("--reconciliation", "reconciliation", r) for r in reconciliations),
        ]
        for option, _, target in tables_asked:
            check_table_path(option, target)
        if suppress_below is not None and suppress_below < 1:
            return fail(f"--suppress-below {suppress_below}: give a whole number of 1 or more")
        national = None
        if comparators is not None:
            from .comparators import load_comparators

            national = load_comparators(comparators)
        outputs = [("--output", output)] if output else []
        outputs += [("--report", r) for r in reports]
        outputs += [(option, target) for option, _, target in tables_asked]
        paths = input_paths(file)
        check_outputs(paths, outputs)
        progress = _progress_printer()
        result = audit(
            paths,
            title_column=title_column,
            code_column=code_column,
            key_column=key_column,
            output=output,
            encoding=encoding,
            sheet=sheet,
            progress=progress,
            keep_order=keep_order,
            temp_dir=temp_dir,
            excel_csv=excel_csv,
            band_column=band_column,
            fte_column=fte_column,
            person_column=person_column,
            org_column=org_column,
            area_column=area_column,
            date_column=date_column,
            profile=profile,
            local_titles=local_titles,
            baseline=bool(baselines or reconciliations),
        )
        if suppress_below is not None:
            result.summary["suppress_below"] = suppress_below
        if national is not None:
            result.summary["comparators"] = national
        written = [write_report(result.summary, r) for r in reports]
        tables_written = []
        for _, name, target in tables_asked:
            tables_written += write_table(name, result.tables[name], target)
    except KeyboardInterrupt:
        remove_own_folders(temp_dir)
        return fail("interrupted; no output was written or replaced", 130)
    except AuditError as exc:
        remove_own_folders(temp_dir)
        if _signalled:
            return fail("interrupted; no output was written or replaced", 130)
        return fail(str(exc))
    except OSError as exc:
        where = exc.filename or "a file"
        return fail(f"{where}: {exc.strerror or exc}")
    except Exception as exc:  # a last resort: never a traceback on the terminal
        remove_own_folders(temp_dir)
        if _signalled:
            return fail("interrupted; no output was written or replaced", 130)
        return fail(f"{result_name(file)}: the audit failed ({_one_line(exc)})")
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
        for w in tables_written:
            print(f"table: {w}")
    rows = result.summary["rows"]
    if rows["skipped"] and not rows["audited"]:
        return fail(
            f"{result.summary['input']['file']}: every row was skipped ({rows['skipped']:,}); "
            "nothing audited"
        )
    hits = {s: result.status_counts.get(s, 0) for s in fail_on}
    if any(hits.values()):
        found = ", ".join(f"{s} {n:,}" for s, n in hits.items() if n)
        print(f"--fail-on: rows found with {found}", file=sys.stderr)
        return 1
    return 0


def result_name(file: str | tuple[str, ...]) -> str:
    """The input's name for a message: the file's, or the first of several."""
    files = [file] if isinstance(file, str) else list(file)
    name = Path(files[0]).name if files else "the input"
    return name if len(files) <= 1 else f"{name} and {len(files) - 1} more"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
