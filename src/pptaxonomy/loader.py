"""Read the taxonomy files into the model: ``load()`` and the ``Taxonomy`` it returns.

This is the read path: PyYAML's C loader and the csv module only. Validation with file, line
and rule lives in ``validate``; this module trusts files that pass it and raises
``TaxonomyDataError`` (naming the file) for anything it cannot place.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from . import model, safefiles
from ._data import taxonomy_dir
from .errors import AmbiguousLabel, TaxonomyDataError, UnknownIdentifier, UnknownLabel

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

NHS_OCCUPATION_CODE = "nhs-occupation-code"

# YAML slot name -> Python field name, where they differ.
_RENAMES: dict[type, dict[str, str]] = {
    model.Profession: {"profession_status": "status", "levels_held": "levels"},
    model.Label: {"label_kind": "kind"},
}
# Inlined objects inside an entity: field -> class of each item.
_NESTED: dict[type, dict[str, type]] = {
    model.Profession: {
        "labels": model.Label,
        "levels": model.ProfessionLevel,
        "registrations": model.Registration,
        "progressions": model.Progression,
        "entry_routes": model.EntryRoute,
        "specialisms": model.Specialism,
        "credentials": model.Credential,
    },
    model.Register: {"protected_titles": model.Label, "accreditation": model.Accreditation},
}
_FIELDS = {
    cls: {f.name for f in dataclasses.fields(cls)}
    for cls in (
        *model.ENTITY_TYPES.values(),
        model.Label,
        model.ProfessionLevel,
        model.Registration,
        model.Progression,
        model.EntryRoute,
        model.Specialism,
        model.Credential,
        model.Exclusion,
        model.Accreditation,
        model.OccupationCode,
        model.Mapping,
    )
}


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    if not isinstance(data, dict):
        raise TaxonomyDataError(f"{where}: expected a mapping for {cls.__name__}")
    renames = _RENAMES.get(cls, {})
    nested = _NESTED.get(cls, {})
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = renames.get(key, key)
        if name not in _FIELDS[cls]:
            raise TaxonomyDataError(
                f"{where}: unknown field {key!r} in {cls.__name__}; run `pptaxonomy validate`"
            )
        if name in nested:
            item_cls = nested[name]
            if isinstance(value, list):
                value = tuple(_build(item_cls, v, where) for v in value)
            else:
                value = _build(item_cls, value, where)
        elif isinstance(value, list):
            value = tuple(value)
        elif hasattr(value, "isoformat"):  # YAML dates stay text, as written
            value = value.isoformat()
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise TaxonomyDataError(
            f"{where}: {cls.__name__} {data.get('id', '')!s} is incomplete ({exc}); "
            "run `pptaxonomy validate`"
        ) from None


def taxonomy_files(root: Path) -> list[Path]:
    """Every taxonomy YAML file under ``root``, in a stable order.

    Raises ``TaxonomyDataError`` for a file that may not be read (a link out of ``root``, a
    special file, an oversized file) or a folder that cannot be listed, rather than skip it.
    """
    files, refused = safefiles.yaml_files(root)
    if refused:
        path, why = refused[0]
        raise TaxonomyDataError(f"{path}: not read: {why}; run `pptaxonomy validate`")
    return files


def normalise_label(text: str) -> str:
    """The form labels are compared in: NFKC, straight quotes, case-folded, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES).casefold()
    return _SPACES.sub(" ", text).strip()


_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_SPACES = re.compile(r"\s+")


class Taxonomy:
    """The whole taxonomy, indexed. Build it with ``pptaxonomy.load()``."""

    def __init__(self, root: Path, containers: Iterable[tuple[Path, dict[str, Any]]]):
        self.root = root
        self.sources: dict[str, model.Source] = {}
        self.code_systems: dict[str, model.CodeSystem] = {}
        self.regulators: dict[str, model.Regulator] = {}
        self.professional_bodies: dict[str, model.ProfessionalBody] = {}
        self.registers: dict[str, model.Register] = {}
        self.groups: dict[str, model.ProfessionGroup] = {}
        self.levels: dict[str, model.Level] = {}
        self.professions: dict[str, model.Profession] = {}
        self.mappings: list[model.Mapping] = []
        self.exclusions: list[model.Exclusion] = []
        self._yaml_codes: list[model.OccupationCode] = []
        self._by_id: dict[str, Any] = {}
        for path, container in containers:
            self._add(path, container)
        self._sort()

    def _add(self, path: Path, container: dict[str, Any]) -> None:
        where = str(path)
        if container is None:
            return
        if not isinstance(container, dict):
            raise TaxonomyDataError(f"{where}: a taxonomy file must be a mapping of lists")
        for key, items in container.items():
            if key == "mappings":
                self.mappings.extend(_build(model.Mapping, m, where) for m in items or ())
                continue
            if key == "exclusions":
                self.exclusions.extend(_build(model.Exclusion, e, where) for e in items or ())
                continue
            if key == "occupation_codes":
                self._yaml_codes.extend(_build(model.OccupationCode, c, where) for c in items or ())
                continue
            cls = model.ENTITY_TYPES.get(key)
            if cls is None:
                raise TaxonomyDataError(f"{where}: unknown list {key!r}; run `pptaxonomy validate`")
            index = getattr(self, key)
            for item in items or ():
                entity = _build(cls, item, where)
                if entity.id in self._by_id:
                    raise TaxonomyDataError(f"{where}: identifier {entity.id!r} is defined twice")
                index[entity.id] = entity
                self._by_id[entity.id] = entity

    def _sort(self) -> None:
        self.professions = dict(sorted(self.professions.items()))
        self.sources = dict(sorted(self.sources.items()))
        self.regulators = dict(sorted(self.regulators.items()))
        self.professional_bodies = dict(sorted(self.professional_bodies.items()))
        self.registers = dict(sorted(self.registers.items()))
        self.code_systems = dict(sorted(self.code_systems.items()))
        self.groups = dict(sorted(self.groups.items(), key=lambda kv: (kv[1].rank or 0, kv[0])))
        self.levels = dict(sorted(self.levels.items(), key=lambda kv: (kv[1].rank, kv[0])))
        rank = {level_id: lvl.rank for level_id, lvl in self.levels.items()}
        self.mappings.sort(
            key=lambda m: (m.profession, rank.get(m.level or "", 0), m.code_system, m.code or "")
        )

    # -- look-ups -------------------------------------------------------------------------

    def get(self, identifier: str) -> Any | None:
        """Any entity by identifier, or None."""
        return self._by_id.get(identifier)

    def __getitem__(self, identifier: str) -> Any:
        entity = self._by_id.get(identifier)
        if entity is None:
            raise UnknownIdentifier(identifier)
        return entity

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._by_id

    def __iter__(self) -> Iterator[model.Profession]:
        return iter(self.professions.values())

    def __len__(self) -> int:
        return len(self.professions)

    @cached_property
    def _label_index(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = {}
        for p in self.professions.values():
            for text in (p.name, *(lab.text for lab in p.labels)):
                ids = index.setdefault(normalise_label(text), [])
                if p.id not in ids:
                    ids.append(p.id)
        return {k: tuple(v) for k, v in index.items()}

    def lookup(self, label: str) -> model.Profession:
        """The profession with this name or label (any kind), ignoring case and spacing.

        Raises ``UnknownLabel`` when none has it and ``AmbiguousLabel`` when several active
        professions do. Both are ``LookupError``s.
        """
        ids = self._label_index.get(normalise_label(label), ())
        active = tuple(i for i in ids if not self.professions[i].is_deprecated)
        if len(active) == 1:
            return self.professions[active[0]]
        if len(active) > 1:
            raise AmbiguousLabel(label, active)
        if ids:
            return self.professions[ids[0]]
        raise UnknownLabel(label, self._suggest(label))

    def _suggest(self, label: str) -> tuple[str, ...]:
        import difflib

        names = {normalise_label(p.name): p.name for p in self.professions.values()}
        close = difflib.get_close_matches(normalise_label(label), names, n=3, cutoff=0.75)
        return tuple(names[c] for c in close)

    def current(self, identifier: str) -> Any | None:
        """The active entity an identifier stands for today, or None.

        An active entity is itself; a deprecated one is followed along ``replaced_by`` to its
        active replacement. None when the identifier is unknown, or when a deprecated entity
        names only several entities to ``consider`` (the choice is the caller's).
        """
        seen: set[str] = set()
        entity = self._by_id.get(identifier)
        while entity is not None and _is_deprecated(entity):
            if entity.replaced_by is None or entity.id in seen:
                return None
            seen.add(entity.id)
            entity = self._by_id.get(entity.replaced_by)
        return entity

    def professions_by_group(self) -> list[tuple[model.ProfessionGroup, list[model.Profession]]]:
        """Each group that has professions (in group order) with its professions (by id)."""
        out = []
        for group in self.groups.values():
            members = [p for p in self.professions.values() if p.group == group.id]
            if members:
                out.append((group, members))
        return out

    def profession(self, identifier: str) -> model.Profession:
        """The profession with this identifier; raises ``UnknownIdentifier``."""
        p = self.professions.get(identifier)
        if p is None:
            raise UnknownIdentifier(identifier, "profession")
        return p

    def mappings_for(
        self, profession_id: str, level_id: str | None = None, code_system: str | None = None
    ) -> list[model.Mapping]:
        """Crosswalk rows of a profession (at a level, in a code system), incl. no-match rows."""
        p = self.profession(profession_id)
        if level_id is not None and level_id not in p.level_ids:
            raise UnknownIdentifier(level_id, f"level of {profession_id}")
        return [
            m
            for m in self.mappings
            if m.profession == profession_id
            and (level_id is None or m.level in (None, level_id))
            and (code_system is None or m.code_system == code_system)
        ]

    def occupation_codes_for(
        self,
        profession_id: str,
        level_id: str | None = None,
        code_system: str = NHS_OCCUPATION_CODE,
    ) -> list[str]:
        """Codes a profession (at a level) is expected to carry, sorted; NHS codes by default."""
        codes = {
            m.code
            for m in self.mappings_for(profession_id, level_id, code_system)
            if m.code is not None and not m.no_match
        }
        return sorted(codes)

    # -- code lists -----------------------------------------------------------------------

    @cached_property
    def codes(self) -> dict[str, dict[str, model.OccupationCode]]:
        """Every code of every code system: ``codes[system_id][code]``."""
        out: dict[str, dict[str, model.OccupationCode]] = {cs: {} for cs in self.code_systems}
        for cs in self.code_systems.values():
            if cs.code_list_file:
                for oc in read_code_list(self.root / cs.code_list_file, cs.id):
                    out[cs.id][oc.code] = oc
        for oc in self._yaml_codes:
            out.setdefault(oc.code_system, {})[oc.code] = oc
        return out

    def occupation_code(self, code: str, code_system: str = NHS_OCCUPATION_CODE):
        """The code's entry, or None. Surrounding spaces are ignored, and so is letter case in
        code systems whose codes are upper-case (NHS occupation codes, SDS job roles)."""
        codes = self.codes.get(code_system, {})
        code = code.strip()
        return codes.get(code) or codes.get(code.upper())

    def is_valid_occupation_code(
        self, code: object, code_system: str = NHS_OCCUPATION_CODE
    ) -> bool:
        """True when ``code`` is a currently valid code. Never raises."""
        if not isinstance(code, str):
            return False
        oc = self.occupation_code(code, code_system)
        return oc is not None and oc.is_valid

    @property
    def data_version(self) -> str:
        version = self.root / "VERSION"
        return version.read_text(encoding="utf-8").strip() if version.exists() else "unknown"

    def __repr__(self) -> str:
        return (
            f"<Taxonomy {self.data_version}: {len(self.professions)} professions, "
            f"{len(self.mappings)} mappings from {self.root}>"
        )


def _is_deprecated(entity: Any) -> bool:
    return (
        bool(getattr(entity, "deprecated", False)) or getattr(entity, "status", "") == "deprecated"
    )


def read_code_list(path: Path, code_system: str) -> list[model.OccupationCode]:
    """Read a shipped code list CSV (NHS occupation codes or SDS job roles)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if "occupation_code" in row:
            out.append(
                model.OccupationCode(
                    code=row["occupation_code"].strip().upper(),
                    code_system=code_system,
                    name=row["occupation_code_name"],
                    code_status="valid" if row["is_currently_valid"] == "True" else "retired",
                    main_staff_group=row["main_staff_group"],
                    broad_staff_group=row["broad_staff_group"],
                    detailed_staff_group=row["detailed_staff_group"],
                    occupation_level=row["occupation_level"],
                    care_setting=row["care_setting_or_specialty"],
                )
            )
        else:
            out.append(
                model.OccupationCode(
                    code=row["code"].strip().upper(),
                    code_system=code_system,
                    name=row["display"],
                    code_status="retired"
                    if row.get("status") in ("retired", "inactive")
                    else "valid",
                )
            )
    return out


def read_containers(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in taxonomy_files(root):
        try:
            data = _load_yaml(safefiles.read_capped(path))
        except DuplicateKeyError as exc:
            why = str(exc).split(": ", 1)[1]
            msg = f"{path}:{exc.line}: not read: {why}; run `pptaxonomy validate`"
            raise TaxonomyDataError(msg) from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            where, why = _yaml_where(path, exc), _yaml_why(exc)
            msg = f"{where}: not valid YAML ({why}); run `pptaxonomy validate`"
            raise TaxonomyDataError(msg) from None
        except OSError as exc:
            raise TaxonomyDataError(
                f"{path}: cannot read the file ({exc.strerror or exc})"
            ) from None
        if data is None:
            raise TaxonomyDataError(f"{path}: the file is empty; run `pptaxonomy validate`")
        yield path, data


def _yaml_where(path: Path, exc: Exception) -> str:
    """``path:line:column`` of a YAML error (PyYAML counts from 0), or the path alone."""
    mark = getattr(exc, "problem_mark", None)
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)


def _yaml_why(exc: Exception) -> str:
    """The reason of a YAML or decoding error on one line (PyYAML's spans several)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 at byte {exc.start}"
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    text = "; ".join(p for p in parts if p) or str(exc)
    return " ".join(text.split())


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))


def _load_yaml(data: bytes) -> Any:
    """``yaml.load`` with ``_StrictKeyLoader``, building plain strings, lists and mappings itself.

    PyYAML's generic constructor is over half of ``load()``; the taxonomy is nearly all plain
    text, lists and mappings, which are built here directly. Any other node (a number, a
    boolean, a tag, a merge key, a non-text key) goes to the loader's own constructor, so
    the result is the same as ``yaml.load``'s (a test compares them on every shipped file).
    """
    loader = _StrictKeyLoader(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _construct(loader, node, {})
        except RecursionError:  # a recursive alias: the loader's constructor handles it
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _construct(loader: Any, node: Any, memo: dict[int, Any]) -> Any:
    # ``memo``: an alias is the same node object again; build it once and share the result,
    # as PyYAML does (without it an alias bomb is expanded: 9 levels of 9 took minutes).
    kind, tag = node.__class__, node.tag
    if kind is yaml.ScalarNode and tag == _STR:
        return node.value
    if id(node) in memo:
        return memo[id(node)]
    if kind is yaml.SequenceNode and tag == _SEQ:
        out_list = [_construct(loader, item, memo) for item in node.value]
        memo[id(node)] = out_list
        return out_list
    if kind is yaml.MappingNode and tag == _MAP:
        out: dict[str, Any] = {}
        keys: dict[str, Any] = {}
        for key, value in node.value:
            if key.__class__ is not yaml.ScalarNode or key.tag != _STR:
                return loader.construct_object(node, deep=True)
            if key.value in out:
                _refuse_duplicate(key, keys[key.value])
            keys[key.value] = key
            out[key.value] = _construct(loader, value, memo)
        memo[id(node)] = out
        return out
    return loader.construct_object(node, deep=True)


class DuplicateKeyError(yaml.YAMLError):
    """A mapping gives one key twice: refused, as ``validate`` refuses it (which of the two
    values was meant cannot be known, and YAML readers disagree on which they keep)."""

    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(
            f"line {line}: key {key!r} is given twice in one mapping (first at line {first})"
        )
        self.line = line


def _refuse_duplicate(key_node: Any, first_node: Any) -> None:
    raise DuplicateKeyError(
        key_node.value, key_node.start_mark.line + 1, first_node.start_mark.line + 1
    )


class _StrictKeyLoader(_Loader):  # type: ignore[misc, valid-type]
    """The C loader, refusing a mapping that gives a text key twice, as ``validate`` does."""

    def construct_mapping(self, node, deep=False):
        seen: dict[tuple[str, str], Any] = {}
        for key, _ in node.value:
            if key.__class__ is yaml.ScalarNode:
                first = seen.setdefault((key.tag, key.value), key)
                if first is not key:
                    _refuse_duplicate(key, first)
        return super().construct_mapping(node, deep=deep)


_release: Taxonomy | None = None


def load(path: str | Path | None = None) -> Taxonomy:
    """The packaged taxonomy (cached), or the taxonomy directory at ``path``."""
    global _release
    if path is None:
        if _release is None:
            root = taxonomy_dir()
            _release = Taxonomy(root, read_containers(root))
        return _release
    root = Path(path)
    if not root.is_dir():
        raise TaxonomyDataError(f"{root}: not a taxonomy directory")
    return Taxonomy(root, read_containers(root))
