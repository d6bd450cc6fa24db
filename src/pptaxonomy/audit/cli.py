"""``pptaxonomy audit`` on the command line: progress display, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from .common import AuditError
from .engine import audit
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
