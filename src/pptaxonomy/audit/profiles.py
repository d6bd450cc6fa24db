"""Column profiles: one YAML file per known extract layout, naming the columns once.

A profile is ``name``, ``description`` and ``columns``: a mapping from a column role
(``ROLES``) to the header that holds it. The shipped profiles live beside this module
(``profiles/*.yaml``); ``--profile`` takes a shipped name or a path to a profile file.
A flag given on the command line wins over the profile's column for that role.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .common import AuditError

#: The column roles the audit understands, in the order they are documented.
ROLES = ("title", "code", "key", "person", "band", "fte", "org", "area", "date")
_SHIPPED = Path(__file__).with_name("profiles")


@dataclass(frozen=True)
class ColumnProfile:
    """A named set of column headers for one extract layout."""

    name: str
    description: str
    columns: dict[str, str]
    path: Path


def shipped_profiles() -> list[str]:
    """The names of the profiles shipped with pptaxonomy, sorted."""
    return sorted(p.stem for p in _SHIPPED.glob("*.yaml"))


def load_profile(name_or_path: str) -> ColumnProfile:
    """The shipped profile called ``name_or_path``, or the profile file at that path."""
    from ..yamlsafe import parse

    path = Path(name_or_path)
    if not path.is_file():
        shipped = _SHIPPED / f"{name_or_path}.yaml"
        if "/" in name_or_path or not shipped.is_file():
            raise AuditError(
                f"--profile {name_or_path}: no such profile or file; shipped profiles: "
                + ", ".join(shipped_profiles())
            )
        path = shipped
    try:
        doc = parse(path.read_bytes())
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the profile ({exc.strerror or exc})") from None
    errors = [p for p in doc.problems if p.severity == "error"]
    if errors:
        e = errors[0]
        raise AuditError(f"{path}:{e.line}:{e.col}: not a usable YAML profile ({e.message})")
    data = doc.value
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise AuditError(f"{path}: a profile needs a 'columns' mapping (role: header)")
    columns = data["columns"]
    unknown = sorted(str(k) for k in columns if k not in ROLES)
    if unknown:
        raise AuditError(
            f"{path}: unknown column role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}"
        )
    bad = sorted(k for k, v in columns.items() if not isinstance(v, str) or not v.strip())
    if bad:
        raise AuditError(f"{path}: the header for {', '.join(bad)} must be non-empty text")
    return ColumnProfile(
        str(data.get("name") or path.stem), str(data.get("description") or ""), columns, path
    )


def column_names(
    profile: ColumnProfile | None, given: dict[str, str | None]
) -> tuple[dict[str, str | None], set[str]]:
    """The header to use for every role: the flag when given, else the profile's.

    Returns the names and the roles whose name came from the profile (a profile column the
    file lacks is skipped with a warning; a flag's column must exist)."""
    names: dict[str, str | None] = {}
    from_profile: set[str] = set()
    for role in ROLES:
        name = given.get(role)
        if name is None and profile is not None and role in profile.columns:
            name = profile.columns[role]
            from_profile.add(role)
        names[role] = name
    return names, from_profile
