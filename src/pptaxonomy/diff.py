"""Semantic diff of two taxonomy releases, and the identifier policy it enforces.

``pptaxonomy diff OLD NEW`` calls ``run_cli``; Python callers use ``diff_taxonomies`` on two
loaded ``Taxonomy`` objects, or ``load_side`` to read a directory or a git ref.

Each side is a taxonomy directory (or a repository root holding ``taxonomy/``) or a git ref
(``main``, ``v0.1.0``, a commit), read with ``git archive`` into a temporary directory; no
network. The output is deterministic: changes are sorted, and nothing depends on the clock.

Policy rules (a breach makes the command exit 1; see docs/policy.md):

``id-removed``
    An identifier of OLD (other than a source) is not defined in NEW, neither active nor
    deprecated.
``id-reused``
    An identifier names an entity of another kind in NEW than in OLD (a profession id that now
    names a group).
``id-reactivated``
    An entity deprecated in OLD is active again in NEW: a retired identifier is being given a
    meaning again, which consumers holding it cannot tell apart from the old one.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .export.atomic import atomic_write_bytes
from .loader import Taxonomy, load
from .model import Register

# Change types, in the order the report lists them, with the data release each one calls for.
CHANGE_TYPES: dict[str, str] = {
    "removed": "major",
    "reused": "major",
    "reactivated": "major",
    "deprecated": "major",
    "label-removed": "major",
    "level-removed": "major",
    "band-changed": "major",
    "mapping-removed": "major",
    "mapping-retargeted": "major",
    "added": "minor",
    "relabelled": "minor",
    "label-added": "minor",
    "level-added": "minor",
    "regulator-changed": "minor",
    "register-changed": "minor",
    "mapping-added": "minor",
    "mapping-changed": "minor",
    "replacement-changed": "minor",
    "description-changed": "patch",
    "changed": "patch",
}
HEADINGS: dict[str, str] = {
    "removed": "Removed identifiers (policy breach)",
    "reused": "Reused identifiers (policy breach)",
    "reactivated": "Reactivated identifiers (policy breach)",
    "deprecated": "Deprecated",
    "label-removed": "Labels removed",
    "level-removed": "Levels removed",
    "band-changed": "Bands changed",
    "mapping-removed": "Mappings removed",
    "mapping-retargeted": "Mappings re-targeted",
    "added": "Added",
    "relabelled": "Relabelled",
    "label-added": "Labels added",
    "level-added": "Levels added",
    "regulator-changed": "Regulator changed",
    "register-changed": "Registers changed",
    "mapping-added": "Mappings added",
    "mapping-changed": "Mappings changed",
    "replacement-changed": "Replacement changed",
    "description-changed": "Descriptions changed",
    "changed": "Other changes",
}
POLICY_RULES: dict[str, str] = {
    "id-removed": "an identifier of the old release is no longer defined (deprecate it instead)",
    "id-reused": "an identifier names an entity of another kind than before",
    "id-reactivated": "a deprecated identifier is active again (mint a new identifier)",
}
_BUMP_ORDER = ("major", "minor", "patch")
# Entity lists of a Taxonomy and the kind each holds (the schema's class names).
_KINDS = {
    "professions": "Profession",
    "groups": "ProfessionGroup",
    "levels": "Level",
    "registers": "Register",
    "regulators": "Regulator",
    "professional_bodies": "ProfessionalBody",
    "code_systems": "CodeSystem",
    "sources": "Source",
}
# Kinds outside the identifier policy: sources are citations, not identifiers consumers store.
UNPOLICED_KINDS = frozenset({"Source"})
_DEPRECATION_FIELDS = ("deprecated", "replaced_by", "consider", "deprecation_reason")
_QUIET_FIELDS = {"id"}


class DiffUsageError(Exception):
    """A side that is neither a taxonomy directory nor a git ref with a taxonomy."""


@dataclass(frozen=True, slots=True, order=True)
class Change:
    change: str  # a key of CHANGE_TYPES
    kind: str  # Profession, Level, ..., or Mapping
    id: str  # the entity's identifier, or the mapping's profession
    detail: str = ""  # what changed, in words
    old: str = ""
    new: str = ""
    rule: str = ""  # the policy rule this change breaks, if any

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class Diff:
    old_label: str
    new_label: str
    old_version: str
    new_version: str
    changes: list[Change]

    @property
    def breaches(self) -> list[Change]:
        return [c for c in self.changes if c.rule]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.change] = out.get(c.change, 0) + 1
        return {k: out[k] for k in CHANGE_TYPES if k in out}

    @property
    def bump(self) -> str:
        """The data release these changes call for: major, minor, patch or none."""
        levels = {CHANGE_TYPES[c.change] for c in self.changes}
        return next((b for b in _BUMP_ORDER if b in levels), "none")

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": {"side": self.old_label, "data_version": self.old_version},
            "new": {"side": self.new_label, "data_version": self.new_version},
            "summary": {
                "changes": len(self.changes),
                "breaches": len(self.breaches),
                "release": self.bump,
                **self.counts,
            },
            "breaches": [c.as_dict() for c in self.breaches],
            "changes": [c.as_dict() for c in self.changes],
        }


# -- reading a side -------------------------------------------------------------------------


def _git(args: list[str], cwd: Path, binary: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=not binary, check=False
    )


def _empty_dir(tmp: Path) -> Path:
    root = tmp / "taxonomy"
    root.mkdir(parents=True, exist_ok=True)
    return root


def load_side(spec: str, tmp: Path, repo: Path | None = None, subdir: str = "taxonomy") -> Taxonomy:
    """The taxonomy at ``spec``: a directory, a repository root, or a git ref of ``repo``.

    A ref whose tree has no ``taxonomy/`` (an early commit) reads as an empty taxonomy.
    """
    path = Path(spec)
    if path.is_dir():
        if not (path / "VERSION").is_file() and (path / subdir).is_dir():
            path = path / subdir
        return load(path)
    repo = repo or Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], repo)
    if top.returncode != 0:
        raise DiffUsageError(f"{spec}: not a directory, and {repo} is not in a git repository")
    top_dir = Path(top.stdout.strip())
    commit = _git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"], top_dir)
    if commit.returncode != 0:
        raise DiffUsageError(f"{spec}: neither a directory nor a git ref")
    sha = commit.stdout.strip()
    dest = tmp / sha[:12]
    dest.mkdir(parents=True, exist_ok=True)
    listed = _git(["ls-tree", "--name-only", sha, "--", subdir], top_dir)
    if not listed.stdout.strip():
        return Taxonomy(_empty_dir(dest), [])
    archive = _git(["archive", "--format=tar", sha, "--", subdir], top_dir, binary=True)
    if archive.returncode != 0:
        msg = archive.stderr.decode("utf-8", "replace").strip()
        raise DiffUsageError(f"{spec}: git archive failed: {msg}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return load(dest / subdir)


# -- comparing ------------------------------------------------------------------------------


def _entities(tax: Taxonomy) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for attr, kind in _KINDS.items():
        for ident, entity in getattr(tax, attr).items():
            out[ident] = (kind, entity)
    return out


def _is_deprecated(entity: Any) -> bool:
    if hasattr(entity, "is_deprecated"):
        return bool(entity.is_deprecated)
    return bool(getattr(entity, "deprecated", False))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _replacement(entity: Any) -> str:
    parts = []
    if getattr(entity, "replaced_by", None):
        parts.append(f"replaced by {entity.replaced_by}")
    if getattr(entity, "consider", ()):
        parts.append(f"consider {', '.join(entity.consider)}")
    if getattr(entity, "deprecation_reason", None):
        parts.append(f"reason: {entity.deprecation_reason}")
    return "; ".join(parts)


def _band(pl: Any) -> str:
    lo, hi = getattr(pl, "band_min", None), getattr(pl, "band_max", None)
    if lo is None:
        return ""
    return lo if hi in (None, lo) else f"{lo}-{hi}"


def _labels(entity: Any) -> set[tuple[str, str]]:
    labels = getattr(entity, "labels", ())
    if isinstance(entity, Register):
        labels = entity.protected_titles
    return {(lab.kind, lab.text) for lab in labels}


def _compare_entity(kind: str, ident: str, a: Any, b: Any) -> list[Change]:
    out: list[Change] = []
    handled = set(_QUIET_FIELDS)
    was, now = _is_deprecated(a), _is_deprecated(b)
    handled |= {*_DEPRECATION_FIELDS, "status"} if kind == "Profession" else {*_DEPRECATION_FIELDS}
    if not was and now:
        out.append(Change("deprecated", kind, ident, _replacement(b), new=_replacement(b)))
    elif was and not now:
        out.append(
            Change(
                "reactivated", kind, ident, "deprecated before, active now", rule="id-reactivated"
            )
        )
    elif was and now and _replacement(a) != _replacement(b):
        out.append(
            Change("replacement-changed", kind, ident, "", old=_replacement(a), new=_replacement(b))
        )
    if kind == "Profession" and not (was or now) and a.status != b.status:
        out.append(Change("changed", kind, ident, "profession_status", a.status, b.status))
    handled.add("name")
    if a.name != b.name:
        out.append(Change("relabelled", kind, ident, "", a.name, b.name))
    handled.add("description")
    if getattr(a, "description", None) != getattr(b, "description", None):
        out.append(Change("description-changed", kind, ident, "", "", ""))
    handled |= {"labels", "protected_titles"}
    la, lb = _labels(a), _labels(b)
    for lk, text in sorted(lb - la):
        out.append(Change("label-added", kind, ident, lk, new=text))
    for lk, text in sorted(la - lb):
        out.append(Change("label-removed", kind, ident, lk, old=text))
    if kind == "Profession":
        handled.add("levels")
        old_levels = {pl.level: pl for pl in a.levels}
        new_levels = {pl.level: pl for pl in b.levels}
        for lvl in sorted(new_levels.keys() - old_levels.keys()):
            out.append(Change("level-added", kind, ident, lvl, new=_band(new_levels[lvl])))
        for lvl in sorted(old_levels.keys() - new_levels.keys()):
            out.append(Change("level-removed", kind, ident, lvl, old=_band(old_levels[lvl])))
        for lvl in sorted(old_levels.keys() & new_levels.keys()):
            pa, pb = old_levels[lvl], new_levels[lvl]
            if (_band(pa), pa.pay_scale) != (_band(pb), pb.pay_scale):
                out.append(Change("band-changed", kind, ident, lvl, _band(pa), _band(pb)))
            elif pa != pb:
                out.append(Change("changed", kind, ident, f"level {lvl}", "", ""))
        handled.add("registrations")
        ra = sorted(r.register for r in a.registrations)
        rb = sorted(r.register for r in b.registrations)
        if ra != rb:
            out.append(
                Change("register-changed", kind, ident, "", _text(tuple(ra)), _text(tuple(rb)))
            )
        elif a.registrations != b.registrations:
            out.append(Change("changed", kind, ident, "registrations", "", ""))
    if kind == "Level":
        handled |= {"band_min", "band_max"}
        if _band(a) != _band(b):
            out.append(Change("band-changed", kind, ident, "", _band(a), _band(b)))
    if kind in ("Profession", "Register"):
        handled.add("regulator")
        if a.regulator != b.regulator:
            out.append(
                Change("regulator-changed", kind, ident, "", _text(a.regulator), _text(b.regulator))
            )
    other = [
        f.name
        for f in dataclasses.fields(a)
        if f.name not in handled and getattr(a, f.name) != getattr(b, f.name)
    ]
    for name in other:
        va, vb = _text(getattr(a, name)), _text(getattr(b, name))
        short = len(va) <= 60 and len(vb) <= 60
        out.append(Change("changed", kind, ident, name, va if short else "", vb if short else ""))
    return out


def _mapping_target(m: Any) -> str:
    return "(no match)" if m.no_match or not m.code else m.code


def _compare_mappings(old: Taxonomy, new: Taxonomy) -> list[Change]:
    out: list[Change] = []
    groups: dict[tuple[str, str, str], tuple[dict, dict]] = {}
    for side, tax in ((0, old), (1, new)):
        for m in tax.mappings:
            key = (m.profession, m.level or "", m.code_system)
            groups.setdefault(key, ({}, {}))[side][_mapping_target(m)] = m
    for (prof, level, system), (a, b) in sorted(groups.items()):
        where = f"{level or '*'} {system}"
        gone, came = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
        if len(gone) == 1 and len(came) == 1:
            out.append(Change("mapping-retargeted", "Mapping", prof, where, gone[0], came[0]))
        else:
            out += [Change("mapping-removed", "Mapping", prof, where, old=c) for c in gone]
            out += [Change("mapping-added", "Mapping", prof, where, new=c) for c in came]
        for code in sorted(a.keys() & b.keys()):
            ma, mb = a[code], b[code]
            if ma != mb:
                fields = [
                    f.name
                    for f in dataclasses.fields(ma)
                    if getattr(ma, f.name) != getattr(mb, f.name)
                ]
                detail = f"{where} {code}: {', '.join(fields)}"
                pa, pb = (ma.predicate, mb.predicate) if "predicate" in fields else ("", "")
                out.append(Change("mapping-changed", "Mapping", prof, detail, pa, pb))
    return out


def diff_taxonomies(
    old: Taxonomy, new: Taxonomy, old_label: str = "old", new_label: str = "new"
) -> Diff:
    """Every semantic change from ``old`` to ``new``, sorted, with policy breaches marked."""
    ea, eb = _entities(old), _entities(new)
    changes: list[Change] = []
    for ident in sorted(ea.keys() | eb.keys()):
        if ident not in eb:
            kind, _ = ea[ident]
            rule = "" if kind in UNPOLICED_KINDS else "id-removed"
            detail = "no longer defined" + ("" if rule else " (not an identifier under policy)")
            changes.append(Change("removed", kind, ident, detail, rule=rule))
        elif ident not in ea:
            kind, entity = eb[ident]
            detail = "deprecated on arrival" if _is_deprecated(entity) else ""
            changes.append(Change("added", kind, ident, detail, new=entity.name))
        else:
            (ka, a), (kb, b) = ea[ident], eb[ident]
            if ka != kb:
                changes.append(Change("reused", kb, ident, f"was a {ka}", ka, kb, "id-reused"))
            else:
                changes += _compare_entity(ka, ident, a, b)
    changes += _compare_mappings(old, new)
    order = {k: i for i, k in enumerate(CHANGE_TYPES)}
    changes.sort(key=lambda c: (order[c.change], c.kind, c.id, c.detail, c.old, c.new))
    return Diff(old_label, new_label, old.data_version, new.data_version, changes)


# -- output ---------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_md(d: Diff) -> str:
    lines = [
        f"# Taxonomy changes: {d.old_label} ({d.old_version}) to {d.new_label} ({d.new_version})",
        "",
    ]
    if not d.changes:
        lines += ["No changes.", ""]
        return "\n".join(lines)
    lines += [
        f"{len(d.changes)} changes; this calls for a **{d.bump}** data release "
        "(see docs/policy.md).",
        "",
        "| change | count |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {n} |" for k, n in d.counts.items()]
    lines.append("")
    if d.breaches:
        lines += ["## Identifier policy breaches", ""]
        for c in d.breaches:
            lines.append(f"- **{c.rule}**: {c.kind} `{c.id}`: {_md_cell(POLICY_RULES[c.rule])}")
        lines.append("")
    current = None
    for c in d.changes:
        if c.change != current:
            if current is not None:
                lines.append("")
            lines += [f"## {HEADINGS[c.change]}", ""]
            current = c.change
        lines.append(f"- {_md_line(c)}")
    lines.append("")
    return "\n".join(lines)


def _md_line(c: Change) -> str:
    head = f"{c.kind} `{c.id}`"
    detail = f" {_md_cell(c.detail)}" if c.detail else ""
    if c.old and c.new:
        return f"{head}{detail}: {_md_cell(c.old)} → {_md_cell(c.new)}"
    if c.new:
        return f"{head}{detail}: {_md_cell(c.new)}"
    if c.old:
        return f"{head}{detail}: {_md_cell(c.old)}"
    return f"{head}{detail}"


def format_tsv(d: Diff) -> str:
    cols = ("change", "kind", "id", "detail", "old", "new", "rule")
    rows = ["\t".join(cols)]
    for c in d.changes:
        vals = c.as_dict()
        rows.append("\t".join(_tsv_cell(vals[k]) for k in cols))
    return "\n".join(rows) + "\n"


def _tsv_cell(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def format_json(d: Diff) -> str:
    return json.dumps(d.as_dict(), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"md": format_md, "json": format_json, "tsv": format_tsv}


def run_cli(old: str, new: str, fmt: str, output: str | None = None) -> int:
    """Print the diff for ``pptaxonomy diff``; exit 0, 1 on a policy breach, 2 on usage errors."""
    from .errors import PPTaxonomyError

    with tempfile.TemporaryDirectory(prefix="pptaxonomy-diff-") as tmp:
        try:
            a = load_side(old, Path(tmp) / "old")
            b = load_side(new, Path(tmp) / "new")
        except (DiffUsageError, PPTaxonomyError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        d = diff_taxonomies(a, b, old, new)
    text = FORMATS[fmt](d)
    if output:
        target = Path(output)
        if not target.parent.is_dir():
            print(
                f"error: {output}: the folder {str(target.parent)!r} does not exist",
                file=sys.stderr,
            )
            return 2
        try:
            atomic_write_bytes(target, text.encode("utf-8"))
        except OSError as exc:
            print(
                f"error: {output}: cannot write the file ({exc.strerror or exc})", file=sys.stderr
            )
            return 2
    else:
        sys.stdout.write(text)
    for c in d.breaches:
        print(f"policy: {c.rule}: {c.kind} {c.id}: {POLICY_RULES[c.rule]}", file=sys.stderr)
    return 1 if d.breaches else 0


# -- released identifiers -------------------------------------------------------------------

RELEASED_IDS_HEADER = ("id", "kind", "first_released")


def read_released_ids(path: Path) -> dict[str, tuple[str, str, int]]:
    """``{id: (kind, first_released, line)}`` from a released-ids TSV (header on line 1)."""
    out: dict[str, tuple[str, str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if n == 1 or not parts[0] or parts[0].startswith("#"):
                continue
            kind = parts[1] if len(parts) > 1 else ""
            version = parts[2] if len(parts) > 2 else ""
            out.setdefault(parts[0], (kind, version, n))
    return out


def released_rows(
    tax: Taxonomy, existing: dict[str, tuple[str, str, int]], version: str
) -> list[tuple[str, str, str]]:
    """Every row of the released-ids file after releasing ``tax`` as ``version``.

    Rows already there are kept as they are (an identifier is released once, forever); every
    identifier under policy not yet listed is added with ``version``.
    """
    rows = {ident: (ident, kind, ver) for ident, (kind, ver, _) in existing.items()}
    for ident, (kind, _) in _entities(tax).items():
        if kind not in UNPOLICED_KINDS and ident not in rows:
            rows[ident] = (ident, kind, version)
    return [rows[k] for k in sorted(rows)]


def write_released_ids(rows: Iterable[tuple[str, str, str]], path: Path) -> None:
    text = "\t".join(RELEASED_IDS_HEADER) + "\n"
    text += "".join("\t".join(r) + "\n" for r in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_release_ids(taxonomy: str | None, output: str, version: str | None, check: bool) -> int:
    """``pptaxonomy release-ids``: add the taxonomy's new identifiers to the released list."""
    from .errors import PPTaxonomyError

    try:
        tax = load(taxonomy) if taxonomy else load()
    except PPTaxonomyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = Path(output)
    existing = read_released_ids(path) if path.is_file() else {}
    rows = released_rows(tax, existing, version or tax.data_version)
    added = len(rows) - len(existing)
    if check:
        if added:
            print(f"{path}: {added} identifiers not yet listed; run pptaxonomy release-ids")
            return 1
        print(f"{path}: up to date ({len(rows)} identifiers)")
        return 0
    write_released_ids(rows, path)
    print(f"{path}: {len(rows)} identifiers ({added} added)")
    return 0
