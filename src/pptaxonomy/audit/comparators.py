"""National comparators: published workforce figures to read beside an extract's baseline.

A comparator file is ``name``, ``description`` and ``figures``, each figure with ``id``,
``label``, ``value``, ``measure``, ``date``, ``scope``, ``source`` and ``confidence`` (``url``
and ``approximate`` optional). The shipped files live beside this module (``national/*.yaml``);
``--comparators`` takes a shipped name or a path. The report shows them as figures counted
with other definitions, never as a total the extract is a share of.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import AuditError

__all__ = ["load_comparators", "shipped_comparators"]

_SHIPPED = Path(__file__).with_name("national")
_REQUIRED = ("id", "label", "value", "measure", "date", "scope", "source", "confidence")
_CONFIDENCE = ("verified", "inferred", "unverified")


def shipped_comparators() -> list[str]:
    """The names of the comparator files shipped with pptaxonomy, sorted."""
    return sorted(p.stem for p in _SHIPPED.glob("*.yaml"))


def load_comparators(name_or_path: str) -> dict[str, Any]:
    """The shipped comparators called ``name_or_path``, or the comparator file at that path:
    ``{"name", "description", "file", "figures": [...]}``. Raises AuditError naming the file
    (and line, for YAML errors) when it cannot be used."""
    from ..yamlsafe import parse

    path = Path(name_or_path)
    if not path.is_file():
        shipped = _SHIPPED / f"{name_or_path}.yaml"
        if "/" in name_or_path or not shipped.is_file():
            raise AuditError(
                f"--comparators {name_or_path}: no such comparator set or file; shipped: "
                + ", ".join(shipped_comparators())
            )
        path = shipped
    try:
        doc = parse(path.read_bytes())
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the comparators ({exc.strerror or exc})") from None
    errors = [p for p in doc.problems if p.severity == "error"]
    if errors:
        e = errors[0]
        raise AuditError(f"{path}:{e.line}:{e.col}: not a usable YAML file ({e.message})")
    data = doc.value
    figures = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(figures, list) or not figures:
        raise AuditError(f"{path}: a comparator file needs a non-empty 'figures' list")
    seen: set[str] = set()
    out = []
    for i, fig in enumerate(figures, 1):
        where = f"{path}: figure {i}"
        if not isinstance(fig, dict):
            raise AuditError(f"{where}: each figure must be a mapping")
        missing = [k for k in _REQUIRED if fig.get(k) in (None, "")]
        if missing:
            raise AuditError(f"{where}: missing {', '.join(missing)}")
        value = fig["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise AuditError(f"{where} ({fig['id']}): value must be a number of 0 or more")
        if fig["confidence"] not in _CONFIDENCE:
            raise AuditError(
                f"{where} ({fig['id']}): confidence must be one of {', '.join(_CONFIDENCE)}"
            )
        if fig["id"] in seen:
            raise AuditError(f"{where}: id {fig['id']} is used twice")
        seen.add(str(fig["id"]))
        out.append(
            {
                **{k: str(fig[k]) for k in _REQUIRED if k != "value"},
                "value": value,
                "approximate": bool(fig.get("approximate", False)),
                "url": str(fig["url"]) if fig.get("url") else None,
            }
        )
    return {
        "name": str(data.get("name") or path.stem),
        "description": str(data.get("description") or ""),
        "file": path.name,
        "figures": out,
    }
