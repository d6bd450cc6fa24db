"""What every part of the audit shares: its error, its result, its limits and SQL quoting."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PPTaxonomyError

TOP_N = 20
MAX_PROBLEMS = 1000


class AuditError(PPTaxonomyError):
    """The input or the arguments cannot be used (the CLI exits 2 with this message)."""

    code = "audit-input"


@dataclass
class AuditResult:
    """What an audit found: the summary (JSON-ready) and where the row output went."""

    summary: dict[str, Any]
    output: Path | None = None
    status_counts: dict[str, int] = field(default_factory=dict)
    #: ``baseline``, ``reconciliation`` (when the slim rows were kept) and ``fixes``: each
    #: ``{"columns": [...], "rows": [...], "metadata": {...}}`` (``pptaxonomy.audit.baseline``).
    tables: dict[str, Any] = field(default_factory=dict)


def _problem(line: int | None, code: str, message: str, severity: str = "warning") -> dict:
    return {"line": line, "code": code, "severity": severity, "message": message}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
