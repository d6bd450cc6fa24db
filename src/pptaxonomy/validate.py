"""Validate taxonomy files: YAML safety, the LinkML schema (closed) and integrity rules.

``pptaxonomy validate [PATHS...]`` calls ``run_cli``; Python callers use ``validate_paths``,
which returns a ``Report`` of every problem found (never only the first), each with the file,
the 1-based line and column of the offending key or value, a rule id from ``RULES``, a message
and a hint. Several paths are validated together as one taxonomy (their union), so a fixture
file can be overlaid on the shipped taxonomy.

LinkML is never imported: the schema is interpreted by ``schemalite`` and the YAML is read by
``yamlsafe``, which keeps positions. Every rule the validator emits is registered in ``RULES``
(the documentation's rule list is generated from it).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import safefiles, yamlsafe
from .errors import PPTaxonomyError
from .schemalite import ClassDef, Schema, Slot, load_schema

NHS_OCCUPATION_CODE = "nhs-occupation-code"
AFC_BANDS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")
_BAND_RANK = {b: i for i, b in enumerate(AFC_BANDS)}
_AFC = "agenda_for_change"
_PARTIAL_DATE = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_CURIE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*:[^\s]*$")
_HTTP_RE = re.compile(r"^https?://[^/\s?#]+\.[^/\s?#]*[^\s]*$|^https?://localhost([:/][^\s]*)?$")


class Rule(NamedTuple):
    """A registered rule: what it checks, and the hint shown when no better one is computed."""

    title: str
    description: str
    hint: str
    severity: str = "error"


RULES: dict[str, Rule] = {
    # -- YAML layer (yamlsafe) -------------------------------------------------------------
    "yaml-encoding": Rule(
        "File is not UTF-8",
        "Taxonomy files are UTF-8 text. The position is that of the first byte that is not.",
        "save the file as UTF-8",
    ),
    "yaml-empty": Rule(
        "File is empty",
        "The file holds no YAML document: it is empty or holds only comments or '---'.",
        "add content such as 'professions:' or delete the file",
    ),
    "yaml-syntax": Rule(
        "YAML syntax error",
        "The YAML parser cannot read the file (at the parser's own line and column), or the "
        "file holds more than one YAML document, or a control character.",
        "see the YAML syntax at the line shown",
    ),
    "yaml-duplicate-key": Rule(
        "Key given twice",
        "A mapping gives the same key twice. YAML readers disagree on which value they keep "
        "(most silently keep the last), so the file is refused: an error here, and "
        "pptaxonomy.load() raises TaxonomyDataError naming the file and line.",
        "remove or merge one of them",
    ),
    "yaml-tag": Rule(
        "Tag not allowed",
        "An explicit tag other than the core ones (!!str, !!int, !!float, !!bool, !!null, "
        "!!map, !!seq, !!timestamp), such as !!python/object or !foo, or a core tag whose text "
        "it cannot be read as (!!int abc).",
        "remove the tag; taxonomy files use plain YAML only",
    ),
    "yaml-alias": Rule(
        "Anchor or alias",
        "Anchors (&name) and aliases (*name) are not used in the taxonomy. Aliases are never "
        "expanded (this defuses alias bombs) and read as null.",
        "write the value out in full",
    ),
    "yaml-key-type": Rule(
        "Key is not text",
        "A mapping key that YAML reads as a number, boolean, null, list or mapping, such as "
        "'1:' or 'yes:'. The entry is skipped.",
        'quote a key meant as text, e.g. "yes":',
    ),
    "yaml-depth": Rule(
        "Nesting too deep",
        f"Values nested more than {yamlsafe.MAX_DEPTH} deep; parsing stops there.",
        "check the brackets and indentation",
    ),
    "yaml-unquoted-date": Rule(
        "Unquoted date",
        "An unquoted date such as 2023-07-07. The validator reads it as the text written, but "
        "other YAML readers (LinkML's among them) turn it into a date object, which the schema "
        "does not accept where text is expected.",
        'quote it: "2023-07-07"',
        "warning",
    ),
    # -- schema --------------------------------------------------------------------------
    "unknown-field": Rule(
        "Unknown field",
        "A key that is not a slot of the object's class. Classes are closed.",
        "check the spelling against the schema",
    ),
    "missing-required": Rule(
        "Required field missing",
        "A slot the schema marks required (or the identifier) is absent, null or an empty list. "
        "Reported at the object's first key.",
        "add the field",
    ),
    "wrong-type": Rule(
        "Wrong type",
        "A value of the wrong YAML type: text, integer, boolean, list or mapping, such as an "
        "unquoted number where text is expected, a single value where a list is, an empty list "
        "item, or a file that is not a mapping.",
        "quote numbers meant as text; write lists as [a, b]",
    ),
    "invalid-enum": Rule(
        "Value not permitted",
        "A value that is not one of the enumeration's permissible values.",
        "use one of the permissible values",
    ),
    "pattern-mismatch": Rule(
        "Value does not match the pattern",
        "A text value does not match the slot's pattern, such as an identifier that is not "
        "lower-kebab-case.",
        "identifiers are lower-kebab-case, e.g. clinical-psychologist",
    ),
    "value-out-of-range": Rule(
        "Number out of range",
        "A number below the slot's minimum_value or above its maximum_value.",
        "use a number within the range",
    ),
    "invalid-uri": Rule(
        "Not a URI",
        "A value of range uri that is not an absolute URI (a scheme such as https: and no "
        "spaces; web addresses need a host).",
        "write the full address, e.g. https://www.example.org/page",
    ),
    "invalid-date": Rule(
        "Not a date",
        "A value of range date that is not a calendar date YYYY-MM-DD, or a YYYY[-MM[-DD]] "
        "partial date with a month or day that does not exist.",
        "write dates as YYYY-MM-DD",
    ),
    "empty-value": Rule(
        "Empty value",
        "A key with no value (null) on an optional slot. It carries no information and is "
        "usually an unfinished edit.",
        "fill it in or remove the key",
        "warning",
    ),
    # -- integrity ------------------------------------------------------------------------
    "duplicate-id": Rule(
        "Identifier defined twice",
        "Identifiers are unique across all files and all entity kinds. Reported at the second "
        "definition, naming the first.",
        "rename one of them; identifiers are never reused",
    ),
    "unresolved-reference": Rule(
        "Reference to an unknown entity",
        "A reference (group, regulator, register, via, protected_by, level, profession, "
        "code_system, sources, to_profession, replaced_by, consider, ...) names no entity, or "
        "names an entity of the wrong kind.",
        "define the entity or fix the spelling",
    ),
    "label-conflict": Rule(
        "Label on two professions",
        "Two different active professions share a name or label (compared case-, space- and "
        "quote-insensitively), so a label look-up would be ambiguous.",
        "keep the label on one profession only",
    ),
    "label-duplicate": Rule(
        "Label given twice on one profession",
        "One profession gives the same name or label twice, or two that differ only in case, "
        "spaces or quotes; the look-up treats them as one, so one of them is a mistake.",
        "remove the repeated label, or keep the spelling you mean",
    ),
    "unknown-code": Rule(
        "Code not in the code system",
        "A mapping's code is not listed by its code system (the code list CSV or the "
        "occupation_codes entries).",
        "check the code against the code list",
    ),
    "preferred-code": Rule(
        "Preferred code missing or repeated",
        "Where a profession has several codes of one code system at a level, exactly one row "
        "carries preferred: true (the code an audit suggests), with a preferred_confidence.",
        "mark one row preferred: true with preferred_confidence, and no other",
    ),
    "retired-code": Rule(
        "Mapping to a retired code",
        "A mapping targets a code that is no longer valid, without target_retired: true.",
        "map to a current code, or add target_retired: true for a historical mapping",
    ),
    "code-list-checksum": Rule(
        "Code list checksum",
        "A code system's code_list_file is missing, has no code_list_sha256, or its SHA-256 "
        "differs from code_list_sha256.",
        "regenerate the file from its source, or record the new checksum",
    ),
    "code-list-format": Rule(
        "Code list unreadable",
        "A code list CSV lacks its code column (occupation_code or code), is not UTF-8, has an "
        "empty code, or its path leaves the taxonomy directory.",
        "code lists are UTF-8 CSV with a header row",
    ),
    "duplicate-code": Rule(
        "Code listed twice",
        "The same code is listed twice in one code system (in its CSV or occupation_codes).",
        "remove one of the entries",
    ),
    "deprecated-replacement": Rule(
        "Deprecation without an active replacement",
        "A deprecated entity (deprecated: true, or profession_status: deprecated) must name "
        "replaced_by or consider, each an active entity of the same kind; an active entity "
        "must not have replaced_by or consider.",
        "name an active replacement, or remove replaced_by / consider",
    ),
    "deprecated-reference": Rule(
        "Reference to a deprecated entity",
        "An active entity refers to a deprecated one.",
        "refer to its replacement",
        "warning",
    ),
    "mapping-level-not-held": Rule(
        "Mapping at a level the profession lacks",
        "A mapping's level is not one of the profession's levels_held.",
        "add the level to the profession or fix the mapping's level",
    ),
    "missing-crosswalk": Rule(
        "Level without an NHS occupation code",
        "Every level of every active profession needs at least one nhs-occupation-code mapping "
        "row for that level (or a row without a level), or an explicit no_match row.",
        "add a mappings row with a code, or with no_match: true",
    ),
    "mapping-target": Rule(
        "Mapping needs a code or no_match",
        "A mapping has exactly one of a code or no_match: true.",
        "give either code: or no_match: true",
    ),
    "band-order": Rule(
        "Band range reversed",
        "band_min is above band_max on the Agenda for Change spine "
        "(1, 2, 3, 4, 5, 6, 7, 8a, 8b, 8c, 8d, 9), on a profession level or a generic level.",
        "swap band_min and band_max",
    ),
    "framework-level-order": Rule(
        "Career framework range reversed",
        "A level's career_framework_level_min is above its career_framework_level_max.",
        "swap the two values",
    ),
    "band-outside-level": Rule(
        "Profession's bands outside the level's span",
        "A profession level's bands fall outside the typical band span of the generic level.",
        "widen the generic level's span or check the profession's bands",
        "warning",
    ),
    "level-order": Rule(
        "Levels not lowest first",
        "A profession's levels_held are not in the order of the generic levels' rank.",
        "list the levels lowest first",
        "warning",
    ),
    "pay-scale": Rule(
        "Pay outside Agenda for Change",
        "A level paid on another scale (pay_scale other than agenda_for_change) must describe "
        "its pay in pay_note and give no Agenda for Change bands.",
        "remove band_min / band_max and describe the scale in pay_note",
    ),
    "protected-title-unsourced": Rule(
        "Protected title without its authority",
        "A label of kind protected_title needs protected_by (the regulator), sources and "
        "confidence.",
        "add protected_by, sources and confidence",
    ),
    "statutory-without-regulator": Rule(
        "Statutory regulation without a regulator",
        "A profession with regulation_kind statutory, or a register with register_kind "
        "statutory, names no regulator.",
        "add regulator: <id of the statutory regulator>",
    ),
    "duplicate-level": Rule(
        "Level listed twice",
        "A profession lists the same level twice in levels_held.",
        "merge the two entries",
    ),
    "duplicate-mapping": Rule(
        "Mapping row given twice",
        "Two mapping rows have the same profession, level, code system and code (or are both "
        "no_match rows).",
        "remove one of the rows",
    ),
    "unused-source": Rule(
        "Source never cited",
        "A source that nothing refers to.",
        "cite it from the facts it supports, or remove it",
        "warning",
    ),
    # -- released identifiers (releases/released-ids.tsv beside the taxonomy) ------------
    "released-id-missing": Rule(
        "Released identifier no longer defined",
        "An identifier listed in releases/released-ids.tsv (found beside a whole taxonomy "
        "directory that is validated) is defined nowhere, neither active nor deprecated. "
        "Released identifiers are never deleted (docs/policy.md). Reported at the file's row.",
        "restore the entity and deprecate it with deprecated: true, a deprecation_reason and "
        "replaced_by (one) or consider (several)",
    ),
    "released-id-kind": Rule(
        "Released identifier changed kind",
        "An identifier listed in releases/released-ids.tsv now names an entity of another kind "
        "(a released profession id used for a group): identifiers are never reused.",
        "give the new entity a new identifier, and restore the released one (deprecated if "
        "withdrawn)",
    ),
    # -- data 0.2.0: exclusions and routes ------------------------------------------------
    "excluded-title-is-label": Rule(
        "Excluded title names a profession",
        "An exclusion's title is also the name or a label of an active profession, so the "
        "taxonomy both includes and excludes it.",
        "drop the label or the exclusion",
    ),
    "route-to-self": Rule(
        "Route leads to its own profession",
        "A progression's to_profession is the profession that holds it; progression within a "
        "profession is told by its levels, not by a route.",
        "point the route at another profession, or remove it",
    ),
    "entry-route-missing": Rule(
        "Profession without entry routes",
        "Every active (not deprecated) profession lists at least one entry route in "
        "entry_routes, typed by entry_kind, so the career map and the profession page can say "
        "how one gets in. The entry_route sentence alone is not enough.",
        "add entry_routes: [{entry_kind: ..., requirements: ..., sources: [...], confidence: ...}]",
    ),
    "text-too-long": Rule(
        "Text too long",
        "A name or label text over 200 characters, a title over 300, or any other text "
        "over 10,000: no real name is that long (the matcher reads titles of at most "
        "1,000 characters), so it is a paste or an unfinished edit.",
        "shorten it; long explanations go in comment or description",
    ),
    "text-control-character": Rule(
        "Tab or control character in a text",
        "A text value holds a tab or another control character (a line break is allowed). "
        "It is invisible in most editors and makes the text differ from the one typed.",
        "replace the tab with a space",
        "warning",
    ),
    "version-file": Rule(
        "VERSION missing or unreadable",
        "A whole taxonomy folder has no VERSION file, or one that is not a regular file inside "
        "it or does not hold a version number such as 0.2.0. The build stamps the version on "
        "every artefact.",
        "write the data version, e.g. 0.2.0, on one line in VERSION",
        "warning",
    ),
    # -- input -----------------------------------------------------------------------------
    "io-error": Rule(
        "File cannot be read",
        "A taxonomy file or code list exists but cannot be read (permissions, a directory, "
        "an I/O error). The command exits with status 2.",
        "check the file's permissions; replace a link or special file by a regular file "
        "inside the taxonomy folder",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    col: int
    rule: str
    message: str
    hint: str = ""
    severity: str = "error"

    def as_text(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.file}:{self.line}:{self.col}: {self.rule}: {prefix}{self.message}{hint}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    problems: list[Problem]
    files_checked: int
    counts: dict[str, int] = field(default_factory=dict)
    data_version: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Files read only so that references resolve (``validate FILE`` inside a taxonomy):
    #: neither their problems nor their contents are in ``problems`` and ``counts``.
    context_files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def io_failed(self) -> bool:
        return any(p.rule == "io-error" for p in self.problems)

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files_checked,
            "problems": len(self.problems),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "data_version": self.data_version,
            "context_files": self.context_files,
            "notes": self.notes,
            **self.counts,
        }

    def summary_line(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        files = _plural(self.files_checked, "file")
        if self.context_files:
            files += f" (against the {_plural(self.context_files, 'other file')} of the taxonomy)"
        version = f" (taxonomy {self.data_version})" if self.data_version else ""
        if self.ok:
            extra = f"; {_plural(w, 'warning')}" if w else ""
            return (
                f"ok: {files}, {_plural(self.counts.get('professions', 0), 'profession')}, "
                f"{_plural(self.counts.get('mappings', 0), 'mapping')}{extra}{version}"
            )
        return (
            f"{_plural(e + w, 'problem')} ({_plural(e, 'error')}, {_plural(w, 'warning')}) "
            f"in {files}{version}"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class UsageError(PPTaxonomyError, OSError):
    """A path given to the validator does not exist or holds no taxonomy files."""

    code = "usage-error"


# -- inputs ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    display: str
    path: Path
    root: Path  # the taxonomy directory code_list_file paths are relative to
    doc: yamlsafe.Document | None = None
    context: bool = False  # read only so references resolve; its problems are not reported


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _is_taxonomy_root(folder: Path) -> bool:
    """A whole taxonomy folder: it holds VERSION (or, VERSION lost, a professions/ folder)."""
    return os.path.lexists(folder / "VERSION") or (folder / "professions").is_dir()


_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]+)?$")


def read_version(root: Path) -> tuple[str | None, str | None]:
    """``(version, None)`` from ``root/VERSION``, or ``(None, why it gives no version)``.
    The file is read only if it is a small regular file inside ``root``."""
    path = root / "VERSION"
    if not os.path.lexists(path):
        return None, (
            "the taxonomy folder has no VERSION file, so the data version is unknown "
            "(the build stamps it on every artefact)"
        )
    why = safefiles.refusal(path, root)
    if why is None:
        try:
            with open(path, "rb") as fh:
                raw = fh.read(200)
        except OSError as exc:
            why = f"the file cannot be read ({exc.strerror or exc})"
    if why is not None:
        return None, f"VERSION is not read: it is {why}"
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        text = None
    if text is None or not _VERSION_RE.match(text):
        return None, "VERSION does not hold a version number such as 0.2.0 (one line of text)"
    return text, None


def _root_of(path: Path) -> Path:
    """The nearest whole taxonomy folder at or above ``path``; else the path's directory."""
    start = path if path.is_dir() else path.parent
    for candidate in (start, *start.parents):
        if _is_taxonomy_root(candidate):
            return candidate
    return start


def _inputs(paths: Sequence[Path] | None) -> tuple[list[_File], list[tuple[str, str]]]:
    """The files to validate, and the ones refused as ``(shown path, why)``.

    A file named alone inside a taxonomy folder (one holding VERSION) is checked against the
    rest of that folder: the other files come along with ``context`` set, so references
    resolve, and only the named file's problems are reported.
    """
    if not paths:
        from ._data import taxonomy_dir

        root = taxonomy_dir()
        given: list[tuple[Path, str | None]] = [(root, None)]
    else:
        given = [(Path(p), str(p)) for p in paths]
    out: list[_File] = []
    refused: list[tuple[str, str]] = []
    seen: set[Path] = set()
    context_roots: set[Path] = set()

    def shown_under(base: Path, shown: str | None, f: Path) -> str:
        rel = f.relative_to(base)
        return os.path.normpath(os.path.join(shown, rel)) if shown else _display(f)

    for path, shown in given:
        if not os.path.lexists(path):
            raise UsageError(f"{shown or path}: no such file or directory")
        root = _root_of(path)
        if path.is_dir() and not path.is_symlink():
            files, bad = safefiles.yaml_files(path)
            if not files and not bad:
                raise UsageError(f"{shown or path}: no *.yaml files in this directory")
            for f, why in bad:
                refused.append(
                    (shown_under(path, shown, f) if safefiles.inside(f, path) else str(f), why)
                )
            for f in files:
                real = f.resolve()
                if real in seen:
                    continue
                seen.add(real)
                out.append(_File(shown_under(path, shown, f), f, root))
        else:
            why = safefiles.refusal(path, root)
            if why is not None:
                refused.append((shown or _display(path), why))
                continue
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            out.append(_File(shown or _display(path), path, root))
            if _is_taxonomy_root(root):
                context_roots.add(root)
    for root in sorted(context_roots):
        for f in safefiles.yaml_files(root)[0]:
            real = f.resolve()
            if real not in seen:
                seen.add(real)
                out.append(_File(_display(f), f, root, context=True))
    return out, refused


# -- the validator --------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Obj:
    """One mapping validated against a class, with where it is."""

    cls: str
    data: dict[str, Any]
    file: _File
    path: tuple[Any, ...]
    owner: _Obj | None  # the top-level entity or mapping it belongs to (itself when top-level)

    def pos(self, *sub: Any) -> tuple[int, int]:
        assert self.file.doc is not None
        return self.file.doc.pos((*self.path, *sub))

    def key_pos(self, *sub: Any) -> tuple[int, int]:
        assert self.file.doc is not None
        return self.file.doc.key_pos((*self.path, *sub))

    def where(self, *sub: Any) -> str:
        return f"{self.file.display}:{self.pos(*sub)[0]}"

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) else None

    def texts(self, key: str) -> list[tuple[int, str]]:
        value = self.data.get(key)
        if not isinstance(value, list):
            return []
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]

    @property
    def ident(self) -> str | None:
        return self.text("id")

    @property
    def deprecated(self) -> bool:
        return self.data.get("deprecated") is True or (
            self.cls == "Profession" and self.data.get("profession_status") == "deprecated"
        )


@dataclass(slots=True)
class _Ref:
    slot: str
    target_cls: str
    value: str
    obj: _Obj
    sub: tuple[Any, ...]  # path of the value below obj.path


class _Code(NamedTuple):
    valid: bool
    where: str


_TYPE_WORDS = {
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "uri": "a URI (text)",
    "uriorcurie": "a URI or CURIE (text)",
    "date": "a date (text)",
    "datetime": "a date and time (text)",
    "time": "a time (text)",
    "date_or_datetime": "a date (text)",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the text {_short(value)!r}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.casefold())


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    """The one candidate ``word`` is plausibly a slip for, or None.

    A candidate equal to it ignoring case, spaces, ``-`` and ``_`` comes first. Otherwise
    words of four or more characters may be one edit away (two from six characters on, three
    from twelve; a swap of two letters is one edit), or the start of exactly one candidate.
    A shorter word (a band such as ``8e``, a code) is never guessed at: one edit there makes
    another valid value, and a wrong suggestion is worse than none. Ties give None.
    """
    from rapidfuzz.distance import OSA

    pool = list(dict.fromkeys(candidates))
    folded = _fold(word)
    same = [c for c in pool if _fold(c) == folded]
    if same:
        return same[0] if len(same) == 1 else None
    if len(folded) < 4:
        return None
    limit = 1 if len(folded) < 6 else 2 if len(folded) < 12 else 3
    scored = [(OSA.distance(folded, _fold(c), score_cutoff=limit), c) for c in pool]
    near = sorted((d, c) for d, c in scored if d <= limit)
    if near and (len(near) == 1 or near[0][0] < near[1][0]):
        return near[0][1]
    if near:
        return None
    starts = [c for c in pool if _fold(c).startswith(folded)]
    return starts[0] if len(starts) == 1 else None


def _choices(values: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


#: The longest text of a slot: names and labels are short; other texts are bounded too.
_TEXT_LIMITS = {"name": 200, "text": 200, "title": 300}
MAX_TEXT_CHARS = 10_000
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class _Validator:
    def __init__(self, schema: Schema):
        self.schema = schema
        self.problems: list[Problem] = []
        self.objects: dict[str, list[_Obj]] = {name: [] for name in schema.classes}
        self.refs: list[_Ref] = []
        self.entities: dict[str, _Obj] = {}
        self.codes: dict[str, dict[str, _Code]] = {}
        self.unreadable_systems: set[str] = set()
        self.unreadable_files = 0

    # -- reporting ------------------------------------------------------------------------

    def add(
        self,
        rule: str,
        file: str,
        pos: tuple[int, int],
        message: str,
        hint: str | None = None,
    ) -> None:
        info = RULES[rule]
        hint = info.hint if hint is None else hint
        self.problems.append(Problem(file, pos[0], pos[1], rule, message, hint, info.severity))

    def at(self, rule: str, obj: _Obj, sub: tuple[Any, ...], message: str, hint=None) -> None:
        self.add(rule, obj.file.display, obj.pos(*sub), message, hint)

    # -- files ----------------------------------------------------------------------------

    def read(self, f: _File) -> None:
        try:
            data = safefiles.read_capped(f.path)
        except OSError as exc:
            self.unreadable_files += 1
            self.add("io-error", f.display, (1, 1), f"cannot read the file: {exc.strerror or exc}")
            return
        doc = yamlsafe.parse(data)
        f.doc = doc
        for p in doc.problems:
            self.problems.append(
                Problem(f.display, p.line, p.col, p.rule, p.message, p.hint, p.severity)
            )
        if doc.value is None:
            if doc.ok:  # a document that is only null, e.g. '~'
                self.add("wrong-type", f.display, doc.pos(()), _ROOT_MESSAGE, _ROOT_HINT)
            else:
                self.unreadable_files += 1
            return
        root = self.schema.cls(self.schema.tree_root)
        if not isinstance(doc.value, dict):
            self.add(
                "wrong-type",
                f.display,
                doc.pos(()),
                f"{_ROOT_MESSAGE}, not {_describe(doc.value)}",
                _ROOT_HINT,
            )
            return
        self.check_object(doc.value, root, f, (), None, top=True)

    # -- schema ---------------------------------------------------------------------------

    def check_object(
        self,
        data: dict[str, Any],
        cls: ClassDef,
        f: _File,
        path: tuple[Any, ...],
        owner: _Obj | None,
        top: bool = False,
    ) -> _Obj:
        obj = _Obj(cls.name, data, f, path, owner)
        if owner is None and not top:
            obj.owner = obj
        self.objects[cls.name].append(obj)
        slots = cls.slots
        for key, value in data.items():
            slot = slots.get(key)
            if slot is None:
                close = _closest(key, slots)
                hint = (
                    f"did you mean {close!r}?"
                    if close
                    else f"fields of {cls.name}: {_choices(list(slots), 40)}"
                )
                self.add(
                    "unknown-field",
                    f.display,
                    obj.key_pos(key),
                    f"{cls.name} has no field {key!r}",
                    hint,
                )
                continue
            self.check_slot(obj, slot, value, (key,))
        for slot in slots.values():
            if not slot.required:
                continue
            value = data.get(slot.name)
            if value is None or value == [] or value == {}:
                shown = " (its identifier)" if slot.identifier else ""
                what = "is missing" if slot.name not in data else "is empty"
                sub = () if slot.name not in data else (slot.name,)
                self.add(
                    "missing-required",
                    f.display,
                    obj.pos(*sub),
                    f"{cls.name}{_label_of(data)} requires {slot.name!r}{shown}, which {what}",
                    f"add {slot.name}: {_short(slot.description, 80) or slot.range}",
                )
        return obj

    def check_slot(self, obj: _Obj, slot: Slot, value: Any, sub: tuple[Any, ...]) -> None:
        if value is None:
            if not slot.required:
                self.at("empty-value", obj, sub, f"{slot.name!r} has no value")
            return
        if slot.multivalued:
            if (
                slot.kind == "class"
                and slot.inlined
                and not slot.inlined_as_list
                and isinstance(value, dict)
            ):
                self.check_dict_form(obj, slot, value, sub)
                return
            if not isinstance(value, list):
                self.at(
                    "wrong-type",
                    obj,
                    sub,
                    f"{slot.name!r} takes a list, not {_describe(value)}",
                    f"write it as a list: {slot.name}: [{_short(str(value), 30)}]"
                    if not isinstance(value, dict)
                    else f"write it as a list of items under {slot.name}:",
                )
                return
            for i, item in enumerate(value):
                if item is None:
                    self.at(
                        "wrong-type",
                        obj,
                        (*sub, i),
                        f"item {i + 1} of {slot.name!r} is empty (null)",
                        "remove the empty '-' line or the extra comma",
                    )
                    continue
                self.check_single(obj, slot, item, (*sub, i))
            return
        if isinstance(value, list):
            self.at(
                "wrong-type",
                obj,
                sub,
                f"{slot.name!r} takes a single value, not a list",
                "give one value without brackets or dashes",
            )
            return
        self.check_single(obj, slot, value, sub)

    def check_dict_form(self, obj: _Obj, slot: Slot, value: dict, sub: tuple[Any, ...]) -> None:
        cls = self.schema.cls(slot.range)
        for key, item in value.items():
            if item is None:
                item = {}
            if not isinstance(item, dict):
                self.at("wrong-type", obj, (*sub, key), f"expected a mapping for {key!r}")
                continue
            if cls.identifier and cls.identifier not in item:
                item = {cls.identifier: key, **item}
            self.check_object(item, cls, obj.file, (*obj.path, *sub, key), obj.owner)

    def check_single(self, obj: _Obj, slot: Slot, value: Any, sub: tuple[Any, ...]) -> None:
        kind = slot.kind
        if kind == "class":
            if slot.inlined:
                if isinstance(value, dict):
                    owner = obj.owner if obj.owner is not None else None
                    self.check_object(
                        value, self.schema.cls(slot.range), obj.file, (*obj.path, *sub), owner
                    )
                else:
                    self.at(
                        "wrong-type",
                        obj,
                        sub,
                        f"{slot.name!r} takes a mapping (a {slot.range}), not {_describe(value)}",
                        f"write the {slot.range}'s fields indented below the key",
                    )
            elif isinstance(value, str):
                self.refs.append(_Ref(slot.name, slot.range, value, obj, sub))
            else:
                self.at(
                    "wrong-type",
                    obj,
                    sub,
                    f"{slot.name!r} takes the identifier of a {slot.range} (text), "
                    f"not {_describe(value)}",
                    "write the identifier, e.g. clinical-psychologist",
                )
            return
        if kind == "enum":
            allowed = self.schema.enums.get(slot.range, ())
            if not isinstance(value, str):
                hint = (
                    f'quote it: "{_yaml_text(value)}"'
                    if _yaml_text(value) in allowed
                    else f"one of: {_choices(allowed)}"
                )
                self.at(
                    "wrong-type",
                    obj,
                    sub,
                    f"{slot.name!r} takes text (a {slot.range}), not {_describe(value)}",
                    hint,
                )
            elif allowed and value not in allowed:
                hint = f"one of: {_choices(allowed)}"
                bare = (
                    re.sub(r"(?i)^\s*band\s*", "", value) if slot.range == "AfcBandEnum" else value
                )
                close = _closest(bare, allowed)
                if close is not None and _fold(close) == _fold(bare):
                    hint = f"write it as {close!r} ({hint})"
                elif close:
                    hint = f"did you mean {close!r}? ({hint})"
                self.at(
                    "invalid-enum",
                    obj,
                    sub,
                    f"{_short(value)!r} is not a permitted {slot.name} ({slot.range})",
                    hint,
                )
            return
        if kind != "type":
            return  # linkml:Any
        base = slot.base
        if base == "bool":
            if not isinstance(value, bool):
                self.at(
                    "wrong-type",
                    obj,
                    sub,
                    f"{slot.name!r} takes true or false, not {_describe(value)}",
                    "write true or false (unquoted)",
                )
            return
        if base in ("int", "float"):
            ok = isinstance(value, int) if base == "int" else isinstance(value, (int, float))
            if not ok or isinstance(value, bool):
                self.at(
                    "wrong-type",
                    obj,
                    sub,
                    f"{slot.name!r} takes {_TYPE_WORDS[base]}, not {_describe(value)}",
                    "write the number unquoted, e.g. 3",
                )
                return
            lo, hi = slot.minimum_value, slot.maximum_value
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                bounds = " to ".join(
                    str(int(b) if float(b).is_integer() else b) for b in (lo, hi) if b is not None
                )
                rng = (
                    f"{bounds}"
                    if lo is not None and hi is not None
                    else (f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
                )
                self.at(
                    "value-out-of-range",
                    obj,
                    sub,
                    f"{slot.name!r} is {value}, outside {rng}",
                    f"use a value from {rng}" if lo is not None and hi is not None else None,
                )
            return
        # text-based types
        if not isinstance(value, str):
            hint = (
                f'quote it: "{_yaml_text(value)}"'
                if isinstance(value, (int, float, bool))
                else "write it as text"
            )
            self.at(
                "wrong-type",
                obj,
                sub,
                f"{slot.name!r} takes {_TYPE_WORDS.get(base, 'text')}, not {_describe(value)}",
                hint,
            )
            return
        if not self.check_text(obj, slot, value, sub):
            return
        if base == "uri":
            if not _is_uri(value):
                self.at("invalid-uri", obj, sub, f"{slot.name!r} is not a URI: {_short(value)!r}")
                return
        elif base == "uriorcurie":
            if not (_is_uri(value) or _CURIE_RE.match(value)):
                self.at("invalid-uri", obj, sub, f"{slot.name!r} is not a URI or CURIE")
                return
        elif base in ("date", "date_or_datetime"):
            if not _is_date(value) and not (base == "date_or_datetime" and _is_datetime(value)):
                self.at(
                    "invalid-date",
                    obj,
                    sub,
                    f"{slot.name!r} is not a date (YYYY-MM-DD): {_short(value)!r}",
                )
                return
        elif base == "datetime" and not _is_datetime(value):
            self.at(
                "invalid-date",
                obj,
                sub,
                f"{slot.name!r} is not a date and time (YYYY-MM-DDThh:mm:ss)",
                "write it as YYYY-MM-DDThh:mm:ss",
            )
            return
        pattern = slot.pattern
        if pattern is not None:
            if not pattern.search(value):
                hint = f"it must match {pattern.pattern}"
                if slot.identifier or slot.name == "id":
                    suggestion = _slug(value)
                    hint = "identifiers are lower-kebab-case" + (
                        f", e.g. {suggestion!r}" if suggestion else ""
                    )
                elif pattern.pattern == _PARTIAL_DATE:
                    hint = "write YYYY, YYYY-MM or YYYY-MM-DD"
                self.at(
                    "pattern-mismatch",
                    obj,
                    sub,
                    f"{slot.name!r} {_short(value)!r} does not match {pattern.pattern}",
                    hint,
                )
            elif pattern.pattern == _PARTIAL_DATE and not _is_partial_date(value):
                self.at(
                    "invalid-date",
                    obj,
                    sub,
                    f"{slot.name!r} {value!r} is not a real date",
                    "check the month (01-12) and day",
                )

    def check_text(self, obj: _Obj, slot: Slot, value: str, sub: tuple[Any, ...]) -> bool:
        """Length and invisible characters of a text value; False when it is too long to
        check further."""
        limit = _TEXT_LIMITS.get(slot.name, MAX_TEXT_CHARS)
        if len(value) > limit:
            self.at(
                "text-too-long",
                obj,
                sub,
                f"{slot.name!r} is {len(value):,} characters long, over the {limit:,} allowed",
            )
            return False
        bad = _CONTROL_RE.search(value)
        if bad is not None:
            char = bad.group()
            what = "a tab" if char == "\t" else f"the control character U+{ord(char):04X}"
            self.at(
                "text-control-character",
                obj,
                sub,
                f"{slot.name!r} holds {what} at character {bad.start() + 1}: {_short(value)!r}",
            )
        return True

    # -- integrity ------------------------------------------------------------------------

    @property
    def incomplete(self) -> bool:
        """True when a file could not be read: checks for absent entities would mislead."""
        return self.unreadable_files > 0

    def integrity(self) -> None:
        self.index_entities()
        self.check_references()
        self.check_deprecations()
        self.read_code_lists()
        self.check_levels()
        self.check_professions()
        self.check_mappings()
        self.check_labels()
        self.check_registers()
        self.check_exclusions_and_routes()
        self.check_released_ids()

    def check_released_ids(self) -> None:
        """Every identifier of the last release is still defined, with the same kind."""
        if self.incomplete:
            return
        for root in getattr(self, "release_roots", ()):
            path = root.parent / "releases" / RELEASED_IDS_FILE
            if not path.is_file():
                continue
            try:
                released = _read_released_ids(path)
            except (OSError, UnicodeDecodeError) as exc:
                self.add("io-error", _display(path), (1, 1), f"cannot read the file: {exc}")
                continue
            shown = _display(path)
            for ident, (kind, version, line) in sorted(released.items()):
                obj = self.entities.get(ident)
                if obj is None:
                    self.add(
                        "released-id-missing",
                        shown,
                        (line, 1),
                        f"{kind} {ident!r} was released in {version} but is no longer defined",
                    )
                elif kind and obj.cls != kind:
                    self.at(
                        "released-id-kind",
                        obj,
                        ("id",),
                        f"{ident!r} was released in {version} as a {kind}, not a {obj.cls} "
                        f"({shown}:{line})",
                    )

    def index_entities(self) -> None:
        """Index identified entities; a later definition (in file order) is a duplicate."""
        order = {id(f): i for i, f in enumerate(self.files)}
        found: list[tuple[str, _Obj]] = []
        for name, cls in self.schema.classes.items():
            if cls.identifier is None:
                continue
            for obj in self.objects[name]:
                ident = obj.text(cls.identifier)
                if ident is not None:
                    found.append((ident, obj))
        # A file named after the identifier (professions/<id>.yaml) holds its first
        # definition, so a copy of that file is the one reported, whatever the file order.
        found.sort(
            key=lambda item: (
                item[1].file.path.stem != item[0],
                order[id(item[1].file)],
                item[1].pos(),
            )
        )
        for ident, obj in found:
            first = self.entities.get(ident)
            if first is None:
                self.entities[ident] = obj
                continue
            copied = first.file.path.stem == ident and obj.file.path.stem != ident
            self.at(
                "duplicate-id",
                obj,
                ("id",),
                f"identifier {ident!r} is already used by the {first.cls} at {first.where('id')}",
                f"if this file was copied from {first.file.display}, give the copy its own "
                "identifier (and rename the profession in its mappings rows)"
                if copied
                else None,
            )

    def _candidates(self, target_cls: str) -> list[str]:
        return [i for i, o in self.entities.items() if self.schema.cls(o.cls).is_a(target_cls)]

    def check_references(self) -> None:
        used_sources: set[str] = set()
        for ref in self.refs:
            target = self.entities.get(ref.value)
            if target is None:
                if self.incomplete:
                    continue
                close = _closest(ref.value, self._candidates(ref.target_cls))
                hint = (
                    f"did you mean {close!r}?"
                    if close
                    else f"define a {ref.target_cls} with this identifier, or fix the spelling"
                )
                self.at(
                    "unresolved-reference",
                    ref.obj,
                    ref.sub,
                    f"{ref.slot} {ref.value!r}: no {ref.target_cls} has this identifier",
                    hint,
                )
                continue
            if not self.schema.cls(target.cls).is_a(ref.target_cls):
                close = _closest(ref.value, self._candidates(ref.target_cls))
                self.at(
                    "unresolved-reference",
                    ref.obj,
                    ref.sub,
                    f"{ref.slot} {ref.value!r} is a {target.cls}, not a {ref.target_cls}",
                    f"did you mean {close!r}?" if close else None,
                )
                continue
            if ref.target_cls == "Source":
                used_sources.add(ref.value)
                continue
            if target.deprecated and not self._historic(ref.obj):
                replacement = target.text("replaced_by")
                self.at(
                    "deprecated-reference",
                    ref.obj,
                    ref.sub,
                    f"{ref.slot} {ref.value!r} is deprecated",
                    f"use {replacement!r} instead" if replacement else None,
                )
        for obj in self.objects.get("Source", ()):
            ident = obj.ident
            if (
                not self.incomplete
                and ident is not None
                and ident not in used_sources
                and self.entities.get(ident) is obj
            ):
                self.at("unused-source", obj, ("id",), f"source {ident!r} is never cited")

    def _historic(self, obj: _Obj) -> bool:
        """True when the referring object belongs to something deprecated (no warning then)."""
        owner = obj.owner or obj
        if owner.deprecated:
            return True
        if owner.cls == "Mapping":
            prof = self.entities.get(owner.text("profession") or "")
            return prof is not None and prof.deprecated
        return False

    def check_deprecations(self) -> None:
        for ident, obj in self.entities.items():
            if self.entities.get(ident) is not obj:
                continue
            targets: list[tuple[tuple[Any, ...], str]] = []
            if obj.text("replaced_by") is not None:
                targets.append((("replaced_by",), obj.data["replaced_by"]))
            targets += [(("consider", i), v) for i, v in obj.texts("consider")]
            if not obj.deprecated:
                for key in ("replaced_by", "consider"):
                    if obj.data.get(key):
                        self.at(
                            "deprecated-replacement",
                            obj,
                            (key,),
                            f"{obj.cls} {ident!r} is active but has {key}",
                            f"set deprecated: true (profession_status: deprecated) or remove {key}",
                        )
                continue
            if not targets:
                sub = ("deprecated",) if "deprecated" in obj.data else ("profession_status",)
                self.at(
                    "deprecated-replacement",
                    obj,
                    sub,
                    f"deprecated {obj.cls} {ident!r} names no replaced_by or consider",
                    "add replaced_by: <id> (one replacement) or consider: [<id>, ...]",
                )
            for sub, value in targets:
                target = self.entities.get(value)
                if target is None:
                    continue  # the schema's reference check reports unknown identifiers
                if value == ident:
                    self.at("deprecated-replacement", obj, sub, f"{ident!r} replaces itself")
                elif target.cls != obj.cls:
                    self.at(
                        "deprecated-replacement",
                        obj,
                        sub,
                        f"{sub[0]} {value!r} is a {target.cls}, not a {obj.cls}",
                    )
                elif target.deprecated:
                    self.at(
                        "deprecated-replacement",
                        obj,
                        sub,
                        f"{sub[0]} {value!r} is itself deprecated",
                        "name the active entity that replaces both",
                    )

    # code lists

    def read_code_lists(self) -> None:
        csv_cache: dict[Path, tuple[str, dict[str, _Code], str] | None] = {}
        for obj in self.objects.get("CodeSystem", ()):
            ident = obj.ident
            if ident is None or self.entities.get(ident) is not obj:
                continue
            codes = self.codes.setdefault(ident, {})
            rel = obj.data.get("code_list_file")
            if not isinstance(rel, str):
                continue
            path = (obj.file.root / rel).resolve()
            root = obj.file.root.resolve()
            if Path(rel).is_absolute() or not path.is_relative_to(root):
                self.at(
                    "code-list-format",
                    obj,
                    ("code_list_file",),
                    f"code_list_file {rel!r} is outside the taxonomy directory {_display(root)}",
                    "give a path relative to the taxonomy directory, e.g. codes/x.csv",
                )
                self.unreadable_systems.add(ident)
                continue
            if path not in csv_cache:
                csv_cache[path] = self.read_csv(obj, path)
            loaded = csv_cache[path]
            if loaded is None:
                self.unreadable_systems.add(ident)
                continue
            sha, table, _ = loaded
            recorded = obj.data.get("code_list_sha256")
            if recorded is None:
                self.at(
                    "code-list-checksum",
                    obj,
                    ("code_list_file",),
                    f"code system {ident!r} records no code_list_sha256 for {rel}",
                    f"add code_list_sha256: {sha}",
                )
            elif isinstance(recorded, str) and recorded.lower() != sha:
                self.at(
                    "code-list-checksum",
                    obj,
                    ("code_list_sha256",),
                    f"{rel} has SHA-256 {sha[:12]}…, not the recorded {_short(recorded, 16)}",
                    f"if the new file is intended, record code_list_sha256: {sha}",
                )
            codes.update(table)
        for obj in self.objects.get("OccupationCode", ()):
            code, system = obj.text("code"), obj.text("code_system")
            if code is None or system is None:
                continue
            table = self.codes.setdefault(system, {})
            if code in table:
                self.at(
                    "duplicate-code",
                    obj,
                    ("code",),
                    f"code {code!r} of {system} is already listed at {table[code].where}",
                )
                continue
            valid = obj.data.get("code_status") != "retired"
            table[code] = _Code(valid, obj.where("code"))

    def read_csv(self, obj: _Obj, path: Path) -> tuple[str, dict[str, _Code], str] | None:
        """Read a code list once: its SHA-256 and its codes, or None (problem reported)."""
        rel = obj.data["code_list_file"]
        if not path.exists():
            self.at(
                "code-list-checksum",
                obj,
                ("code_list_file",),
                f"code list file {rel!r} does not exist (looked in {_display(obj.file.root)})",
                "add the file or fix the path",
            )
            return None
        shown = _display(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.at(
                "io-error", obj, ("code_list_file",), f"cannot read {rel}: {exc.strerror or exc}"
            )
            return None
        sha = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.add("code-list-format", shown, (line, 1), f"{rel} is not UTF-8")
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None) or []
        header = [h.strip() for h in header]
        if "occupation_code" in header:
            code_col = header.index("occupation_code")
            valid_col = header.index("is_currently_valid") if "is_currently_valid" in header else -1
            status_col = -1
        elif "code" in header:
            code_col = header.index("code")
            valid_col = -1
            status_col = header.index("status") if "status" in header else -1
        else:
            self.add(
                "code-list-format",
                shown,
                (1, 1),
                f"{rel} has no 'occupation_code' or 'code' column",
                "the header row must name the code column",
            )
            return None
        table: dict[str, _Code] = {}
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            line = reader.line_num
            code = row[code_col].strip() if code_col < len(row) else ""
            if not code:
                self.add("code-list-format", shown, (line, code_col + 1), f"empty code in {rel}")
                continue
            if valid_col >= 0:
                valid = valid_col < len(row) and row[valid_col].strip() == "True"
            elif status_col >= 0:
                status = row[status_col].strip().lower() if status_col < len(row) else ""
                valid = status not in ("retired", "inactive")
            else:
                valid = True
            if code in table:
                self.add(
                    "duplicate-code",
                    shown,
                    (line, code_col + 1),
                    f"code {code!r} is listed twice (first at {table[code].where})",
                )
                continue
            table[code] = _Code(valid, f"{shown}:{line}")
        return sha, table, shown

    # levels, professions, mappings

    def level_rank(self, level_id: str | None) -> int | None:
        obj = self.entities.get(level_id or "")
        if obj is None or obj.cls != "Level":
            return None
        rank = obj.data.get("rank")
        return rank if isinstance(rank, int) and not isinstance(rank, bool) else None

    def check_bands(self, obj: _Obj) -> None:
        lo, hi = obj.text("band_min"), obj.text("band_max")
        if lo in _BAND_RANK and hi in _BAND_RANK and _BAND_RANK[lo] > _BAND_RANK[hi]:
            self.at(
                "band-order",
                obj,
                ("band_min",),
                f"band_min {lo} is above band_max {hi}",
                f"swap them: band_min: {hi!r}, band_max: {lo!r}",
            )

    def check_levels(self) -> None:
        for obj in self.objects.get("Level", ()):
            self.check_bands(obj)
            lo = obj.data.get("career_framework_level_min")
            hi = obj.data.get("career_framework_level_max")
            if (
                isinstance(lo, int)
                and isinstance(hi, int)
                and not isinstance(lo, bool)
                and not isinstance(hi, bool)
                and lo > hi
            ):
                self.at(
                    "framework-level-order",
                    obj,
                    ("career_framework_level_min",),
                    f"career_framework_level_min {lo} is above career_framework_level_max {hi}",
                )

    def check_professions(self) -> None:
        nhs_defined = isinstance(self.entities.get(NHS_OCCUPATION_CODE), _Obj) and (
            self.entities[NHS_OCCUPATION_CODE].cls == "CodeSystem"
        )
        covered: set[tuple[str, str | None]] = set()
        for m in self.objects.get("Mapping", ()):
            if m.text("code_system") == NHS_OCCUPATION_CODE and m.text("profession"):
                level = m.data.get("level")
                covered.add((m.data["profession"], level if isinstance(level, str) else None))
        for obj in self.objects.get("Profession", ()):
            ident = obj.ident
            if obj.data.get("regulation_kind") == "statutory" and not obj.data.get("regulator"):
                self.at(
                    "statutory-without-regulator",
                    obj,
                    ("regulation_kind",),
                    f"profession {ident!r} is statutory but names no regulator",
                )
            held = obj.data.get("levels_held")
            if not isinstance(held, list):
                continue
            seen: dict[str, int] = {}
            last_rank: int | None = None
            order_reported = False
            for i, pl in enumerate(held):
                if not isinstance(pl, dict):
                    continue
                level = pl.get("level")
                if not isinstance(level, str):
                    continue
                sub = ("levels_held", i, "level")
                if level in seen:
                    self.at(
                        "duplicate-level",
                        obj,
                        sub,
                        f"level {level!r} is listed twice "
                        f"(first at line {obj.pos('levels_held', seen[level])[0]})",
                    )
                    continue
                seen[level] = i
                rank = self.level_rank(level)
                if rank is not None:
                    if last_rank is not None and rank < last_rank and not order_reported:
                        self.at(
                            "level-order",
                            obj,
                            sub,
                            f"level {level!r} comes after a higher level",
                        )
                        order_reported = True
                    last_rank = rank if last_rank is None else max(rank, last_rank)
                if (
                    nhs_defined
                    and not self.incomplete
                    and ident is not None
                    and not obj.deprecated
                    and (ident, level) not in covered
                    and (ident, None) not in covered
                ):
                    self.at(
                        "missing-crosswalk",
                        obj,
                        sub,
                        f"{ident} at level {level} has no {NHS_OCCUPATION_CODE} mapping",
                        self.copied_rows_hint(obj)
                        or f"add a mappings row: {{profession: {ident}, level: {level}, "
                        f"code_system: {NHS_OCCUPATION_CODE}, code: ...}} or no_match: true",
                    )
        for pl in self.objects.get("ProfessionLevel", ()):
            self.check_bands(pl)
            scale = pl.text("pay_scale")
            if scale is not None and scale != _AFC:
                if not pl.data.get("pay_note"):
                    self.at(
                        "pay-scale",
                        pl,
                        ("pay_scale",),
                        f"pay_scale {scale} needs a pay_note describing the pay",
                        "add pay_note: with the scale and points, e.g. Soulbury points 30-35",
                    )
                for key in ("band_min", "band_max"):
                    if key in pl.data:
                        self.at(
                            "pay-scale",
                            pl,
                            (key,),
                            f"{key} is an Agenda for Change band, but pay_scale is {scale}",
                        )
                continue
            level = self.entities.get(pl.text("level") or "")
            if level is None or level.cls != "Level":
                continue
            gen_lo, gen_hi = level.text("band_min"), level.text("band_max")
            for key in ("band_min", "band_max"):
                band = pl.text(key)
                if band not in _BAND_RANK:
                    continue
                below = gen_lo in _BAND_RANK and _BAND_RANK[band] < _BAND_RANK[gen_lo]
                above = gen_hi in _BAND_RANK and _BAND_RANK[band] > _BAND_RANK[gen_hi]
                if below or above:
                    self.at(
                        "band-outside-level",
                        pl,
                        (key,),
                        f"band {band} is outside the span {gen_lo or '?'}-{gen_hi or '?'} "
                        f"of level {level.ident!r}",
                    )

    def check_mappings(self) -> None:
        seen: dict[tuple[str, str, str, str], list[_Obj]] = {}
        self.check_preferred()
        for m in self.objects.get("Mapping", ()):
            data = m.data
            has_code = data.get("code") is not None
            no_match = data.get("no_match") is True
            if has_code and no_match:
                self.at(
                    "mapping-target",
                    m,
                    ("no_match",),
                    "a mapping has a code or no_match: true, not both",
                    "remove the code, or remove no_match",
                )
            elif not has_code and not no_match:
                self.at(
                    "mapping-target",
                    m,
                    (),
                    "a mapping needs a code, or no_match: true when no code fits",
                )
            prof, system = m.text("profession"), m.text("code_system")
            level, code = m.text("level"), m.text("code")
            if prof is not None and system is not None:
                key = (prof, level or "", system, code if code is not None else "<no match>")
                seen.setdefault(key, []).append(m)
            target = self.entities.get(prof or "")
            if level is not None and target is not None and target.cls == "Profession":
                levels = target.data.get("levels_held")
                held = [
                    pl.get("level")
                    for pl in (levels if isinstance(levels, list) else ())
                    if isinstance(pl, dict)
                ]
                if level not in held:
                    self.at(
                        "mapping-level-not-held",
                        m,
                        ("level",),
                        f"{prof} does not hold the level {level!r}",
                        f"its levels: {', '.join(str(h) for h in held)}",
                    )
            if code is None or system is None:
                continue
            cs = self.entities.get(system)
            if cs is None or cs.cls != "CodeSystem" or system in self.unreadable_systems:
                continue
            table = self.codes.get(system, {})
            entry = table.get(code)
            if entry is None:
                if not table:
                    self.at(
                        "unknown-code",
                        m,
                        ("code",),
                        f"code system {system!r} lists no codes, so {code!r} cannot be checked",
                        "add its codes as occupation_codes entries or a code_list_file",
                    )
                    continue
                fixed = code.strip().upper()
                if fixed != code and fixed in table:
                    hint = f"write it as {fixed!r}"
                else:
                    close = _closest(code, table)
                    hint = f"did you mean {close!r}?" if close else None
                self.at(
                    "unknown-code",
                    m,
                    ("code",),
                    f"code {code!r} is not in code system {system!r}",
                    hint,
                )
            elif not entry.valid and data.get("target_retired") is not True:
                self.at(
                    "retired-code",
                    m,
                    ("code",),
                    f"code {code!r} of {system} is retired ({entry.where})",
                )

        for rows in seen.values():
            self.report_repeated_rows(rows)

    def check_preferred(self) -> None:
        """``preferred-code``: one preferred row where a level has several codes."""
        groups: dict[tuple[str, str, str], list[_Obj]] = {}
        for m in self.objects.get("Mapping", ()):
            if m.data.get("code") is None or m.data.get("no_match") is True:
                continue
            key = (m.text("profession") or "", m.text("level") or "", m.text("code_system") or "")
            groups.setdefault(key, []).append(m)
            if m.data.get("preferred") is True and m.data.get("preferred_confidence") is None:
                self.at(
                    "preferred-code",
                    m,
                    ("preferred",),
                    "a preferred row needs a preferred_confidence",
                )
        for (prof, level, system), rows in groups.items():
            preferred = [m for m in rows if m.data.get("preferred") is True]
            where = f"{prof}{' at ' + level if level else ''} in {system}"
            if len(preferred) > 1:
                self.at(
                    "preferred-code",
                    preferred[1],
                    ("preferred",),
                    f"{len(preferred)} rows of {where} are preferred; one may be",
                )
            elif (
                len({m.text("code") for m in rows}) > 1
                and not preferred
                and system == "nhs-occupation-code"
            ):
                codes = " ".join(sorted({m.text("code") or "" for m in rows}))
                self.at(
                    "preferred-code",
                    rows[0],
                    (),
                    f"{where} has {len(rows)} codes ({codes}) and none is preferred",
                )

    def defined_elsewhere(self, m: _Obj) -> _Obj | None:
        """The profession a mapping row names when another file than the row's defines it."""
        target = self.entities.get(m.text("profession") or "")
        if target is None or target.cls != "Profession" or target.file is m.file:
            return None
        return target

    def own_professions(self, f: _File) -> list[str]:
        return [o.ident for o in self.objects.get("Profession", ()) if o.file is f and o.ident]

    def report_repeated_rows(self, rows: list[_Obj]) -> None:
        """Report every row but one of a repeated mapping. The one kept is a row in the file
        that defines the profession: when a profession file is copied and its rows are not
        renamed, the error is on the copy and says to rename them, whatever the file order."""
        if len(rows) < 2:
            return
        kept = next((r for r in rows if self.defined_elsewhere(r) is None), rows[0])
        for m in rows:
            if m is kept:
                continue
            owner = self.defined_elsewhere(m)
            if owner is None:
                self.at(
                    "duplicate-mapping", m, (), f"this row repeats the mapping at {kept.where()}"
                )
                continue
            prof = owner.ident
            mine = self.own_professions(m.file)
            new = f"{mine[0]!r}" if len(mine) == 1 else "the profession this file defines"
            self.at(
                "duplicate-mapping",
                m,
                ("profession",),
                f"this row maps {prof!r}, which {owner.file.display} defines, and repeats its "
                f"row at {kept.where()}",
                f"if this file was copied from {owner.file.display}, rename profession: {prof} "
                f"to {new} in its mappings rows",
            )

    def copied_rows_hint(self, obj: _Obj) -> str | None:
        """For a profession whose file's mapping rows name another file's profession (a
        copied file whose rows were not renamed): the hint saying so, with their lines."""
        others: dict[str, list[int]] = {}
        for m in self.objects.get("Mapping", ()):
            if m.file is obj.file and self.defined_elsewhere(m) is not None:
                others.setdefault(m.data["profession"], []).append(m.pos()[0])
        if not others:
            return None
        named = ", ".join(
            f"{p!r} ("
            + (f"lines {lines[0]}-{lines[-1]})" if len(lines) > 1 else f"line {lines[0]})")
            for p, lines in sorted(others.items())
        )
        return (
            f"this file's mappings rows name {named}, defined in another file: if the file "
            f"was copied, rename them to profession: {obj.ident}"
        )

    def check_labels(self) -> None:
        from .loader import normalise_label

        owners: dict[str, tuple[str, _Obj, tuple[Any, ...]]] = {}
        for obj in self.objects.get("Profession", ()):
            ident = obj.ident
            if ident is None or obj.deprecated or self.entities.get(ident) is not obj:
                continue
            texts: list[tuple[tuple[Any, ...], str]] = []
            if obj.text("name") is not None:
                texts.append((("name",), obj.data["name"]))
            labels = obj.data.get("labels")
            if isinstance(labels, list):
                for i, lab in enumerate(labels):
                    if isinstance(lab, dict) and isinstance(lab.get("text"), str):
                        texts.append((("labels", i, "text"), lab["text"]))
            for sub, text in texts:
                norm = normalise_label(text)
                first = owners.get(norm)
                if first is None:
                    owners[norm] = (ident, obj, sub)
                elif first[0] == ident:
                    # a label repeating the name exactly is how a protected title is recorded
                    if first[2] == ("name",) and obj.data["name"] == text:
                        continue
                    self.at(
                        "label-duplicate",
                        obj,
                        sub,
                        f"{text!r} repeats the label at line {first[1].pos(*first[2])[0]} "
                        f"of the same profession",
                    )
                elif first[0] != ident:
                    self.at(
                        "label-conflict",
                        obj,
                        sub,
                        f"{text!r} also names the profession {first[0]!r} "
                        f"({first[1].file.display}:{first[1].pos(*first[2])[0]})",
                        "keep the label on one profession; use a more specific label",
                    )
        for lab in self.objects.get("Label", ()):
            if lab.data.get("label_kind") != "protected_title":
                continue
            missing = [k for k in ("protected_by", "sources", "confidence") if not lab.data.get(k)]
            if missing:
                self.at(
                    "protected-title-unsourced",
                    lab,
                    (),
                    f"protected title {lab.data.get('text')!r} lacks {', '.join(missing)}",
                )

    def check_exclusions_and_routes(self) -> None:
        """Exclusions must not name a profession; every active profession has an entry route;
        routes must lead to another profession."""
        from .loader import normalise_label

        named: dict[str, str] = {}
        for obj in self.objects.get("Profession", ()):
            if obj.ident is None or obj.deprecated:
                continue
            texts = [obj.data.get("name")]
            labels = obj.data.get("labels")
            if isinstance(labels, list):
                texts += [lab.get("text") for lab in labels if isinstance(lab, dict)]
            for text in texts:
                if isinstance(text, str):
                    named.setdefault(normalise_label(text), obj.ident)
            if not obj.data.get("entry_routes"):
                where = "entry_routes" if "entry_routes" in obj.data else "entry_route"
                self.at(
                    "entry-route-missing",
                    obj,
                    (where,) if where in obj.data else ("id",),
                    f"profession {obj.ident!r} has no entry_routes",
                )
            routes = obj.data.get("progressions")
            for i, route in enumerate(routes if isinstance(routes, list) else ()):
                if isinstance(route, dict) and route.get("to_profession") == obj.ident:
                    self.at(
                        "route-to-self",
                        obj,
                        ("progressions", i, "to_profession"),
                        f"the route from {obj.ident!r} leads back to {obj.ident!r}",
                    )
        for ex in self.objects.get("Exclusion", ()):
            text = ex.data.get("text")
            owner = named.get(normalise_label(text)) if isinstance(text, str) else None
            if owner is not None:
                self.at(
                    "excluded-title-is-label",
                    ex,
                    ("text",),
                    f"excluded title {text!r} also names the profession {owner!r}",
                )

    def check_registers(self) -> None:
        for obj in self.objects.get("Register", ()):
            if obj.data.get("register_kind") == "statutory" and not obj.data.get("regulator"):
                self.at(
                    "statutory-without-regulator",
                    obj,
                    ("register_kind",),
                    f"register {obj.ident!r} is statutory but names no regulator",
                )

    files: list[_File]

    def counts(self) -> dict[str, int]:
        """How many of each kind the reported files define (files read only as context,
        for ``validate FILE``, are not counted)."""
        container = self.schema.cls(self.schema.tree_root)
        out = {}
        for name, slot in container.slots.items():
            if slot.kind == "class":
                objs = self.objects.get(slot.range, ())
                out[name] = sum(1 for o in objs if not o.file.context)
        return out


RELEASED_IDS_FILE = "released-ids.tsv"


def _read_released_ids(path: Path) -> dict[str, tuple[str, str, int]]:
    """``{id: (kind, first_released, line)}``; the header is line 1, ``#`` lines are skipped."""
    out: dict[str, tuple[str, str, int]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if n == 1 or not parts[0].strip() or parts[0].startswith("#"):
            continue
        kind = parts[1].strip() if len(parts) > 1 else ""
        version = parts[2].strip() if len(parts) > 2 else "an earlier release"
        out.setdefault(parts[0].strip(), (kind, version, n))
    return out


def rules_text(fmt: str = "text") -> str:
    """Every rule in ``RULES``: the text ``pptaxonomy rules`` prints and docs/rules.md holds."""
    if fmt != "md":
        width = max(len(r) for r in RULES)
        return "".join(
            f"{rule:{width}}  {info.severity:7}  {info.title}: fix: {info.hint}\n"
            for rule, info in RULES.items()
        )
    lines = [
        "# Validation rules",
        "",
        "<!-- Generated by `pptaxonomy rules --format md > docs/rules.md`; do not edit. -->",
        "",
        "`pptaxonomy validate` reports each problem as `file:line:col: rule-id: message (hint)`.",
        "Every rule id it can report is listed here, in the order the validator registers them.",
        "",
        "| rule | severity | what it checks |",
        "|---|---|---|",
    ]
    lines += [f"| [`{r}`](#{r}) | {i.severity} | {i.title} |" for r, i in RULES.items()]
    for rule, info in RULES.items():
        lines += [
            "",
            f"## {rule}",
            "",
            f"**{info.title}** ({info.severity})",
            "",
            info.description,
            "",
            f"Fix: {info.hint}.",
        ]
    return "\n".join(lines) + "\n"


_ROOT_MESSAGE = "a taxonomy file is a mapping of lists (sources:, professions:, ...)"
_ROOT_HINT = "start the file with a list key such as 'professions:'"


def _label_of(data: dict[str, Any]) -> str:
    for key in ("id", "text", "level", "register", "to_profession", "code"):
        value = data.get(key)
        if isinstance(value, str):
            return f" {_short(value, 40)!r}"
    return ""


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_uri(value: str) -> bool:
    if not _URI_RE.match(value):
        return False
    if value[:5].lower() in ("http:", "https"):
        return bool(_HTTP_RE.match(value))
    return True


def _is_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_partial_date(value: str) -> bool:
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        _dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_paths(paths: Sequence[Path | str] | None = None) -> Report:
    """Validate the taxonomy at ``paths`` together (default: the packaged taxonomy).

    A directory means every ``*.yaml`` file below it, in sorted order. Raises ``UsageError``
    when a path does not exist or a directory holds no YAML files; every other problem,
    unreadable files included, is in the report.
    """
    files, refused = _inputs([Path(p) for p in paths] if paths else None)
    v = _Validator(load_schema())
    v.files = files
    for shown, why in refused:
        v.unreadable_files += 1
        v.add("io-error", shown, (1, 1), f"not read: {why}")
    # Whole taxonomy directories (holding VERSION) are checked against the released ids.
    given = [Path(p) for p in paths] if paths else None
    if given is None:
        from ._data import taxonomy_dir

        given = [taxonomy_dir()]
    v.release_roots = sorted({p.resolve() for p in given if p.is_dir() and _is_taxonomy_root(p)})
    for f in files:
        v.read(f)
    v.integrity()
    context = {f.display for f in files if f.context}
    if context:
        v.problems = [p for p in v.problems if p.file not in context]
        files = [f for f in files if not f.context]
    context_count = len(context)
    v.problems.sort(key=lambda p: (p.file, p.line, p.col, p.rule))
    version = None
    roots = [*v.release_roots, *(f.root.resolve() for f in files)]
    for root in dict.fromkeys(roots):
        if not _is_taxonomy_root(root):
            continue
        found, why = read_version(root)
        if why is not None:
            v.add("version-file", _display(root / "VERSION"), (1, 1), why)
        if version is None:
            version = found
    v.problems.sort(key=lambda p: (p.file, p.line, p.col, p.rule))
    notes = []
    if v.incomplete:
        notes.append(
            f"{_plural(v.unreadable_files, 'file')} could not be read, so references to missing "
            "entities, unused sources and missing crosswalks were not checked; fix "
            f"{'it' if v.unreadable_files == 1 else 'them'} and run again"
        )
    return Report(v.problems, len(files), v.counts(), version, notes, context_count)


def run_cli(paths: tuple[str, ...], fmt: str) -> int:
    """Print the report for ``pptaxonomy validate``; return the exit status (0, 1 or 2)."""
    try:
        report = validate_paths(list(paths) or None)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a directory that cannot be listed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if fmt == "json":
        out = {
            "ok": report.ok,
            "summary": report.summary(),
            "problems": [p.as_dict() for p in report.problems],
        }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        lines = [p.as_text() for p in report.problems]
        lines += [f"note: {note}" for note in report.notes]
        lines.append(report.summary_line())
        sys.stdout.write("\n".join(lines) + "\n")
    if report.io_failed:
        return 2
    return 0 if report.ok else 1
