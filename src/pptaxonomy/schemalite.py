"""A small interpreter of the LinkML schema, enough to validate taxonomy files without LinkML.

Importing LinkML costs over a second; this reads ``schema/pptaxonomy.yaml`` with PyYAML and
resolves what validation needs: classes with their inherited slots (``is_a``, ``mixins``,
``slots``, ``attributes``, ``slot_usage`` applied from the most general ancestor to the class
itself), each slot's range (a class, an enum or a type from ``linkml:types`` or the schema's own
``types``), ``required``, ``multivalued``, inlining, ``pattern``, ``minimum_value`` /
``maximum_value`` and the class identifier. Classes are closed: a key that is not one of the
class's slots is an unknown field.

Inlining follows LinkML: a range class without an identifier is always inlined (a mapping); a
range class with an identifier is inlined only when the slot says ``inlined`` or
``inlined_as_list``, otherwise the value is the identifier of an entity defined elsewhere (a
reference). A multivalued inlined slot is a list of mappings with ``inlined_as_list`` and a
mapping keyed by identifier without it.

The interpreted schema is cached per process: ``load_schema()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# linkml:types, by the Python base each one validates as.
BUILTIN_TYPES: dict[str, str] = {
    "string": "str",
    "str": "str",
    "integer": "int",
    "int": "int",
    "boolean": "bool",
    "bool": "bool",
    "float": "float",
    "double": "float",
    "decimal": "float",
    "uri": "uri",
    "uriorcurie": "uriorcurie",
    "curie": "uriorcurie",
    "ncname": "str",
    "objectidentifier": "uriorcurie",
    "nodeidentifier": "uriorcurie",
    "jsonpointer": "str",
    "jsonpath": "str",
    "sparqlpath": "str",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "date_or_datetime": "date_or_datetime",
    "xsddate": "date",
    "xsddatetime": "datetime",
    "xsdtime": "time",
}
ANY = "any"  # linkml:Any


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot as it applies in one class (the induced slot)."""

    name: str
    range: str
    kind: str  # "class", "enum", "type" or "any"
    base: str  # for kind "type": a value of BUILTIN_TYPES; else the range name
    required: bool = False
    multivalued: bool = False
    inlined: bool = False  # for class ranges: a mapping (True) or an identifier (False)
    inlined_as_list: bool = False
    pattern: re.Pattern[str] | None = None
    minimum_value: float | None = None
    maximum_value: float | None = None
    identifier: bool = False
    description: str = ""

    @property
    def is_reference(self) -> bool:
        return self.kind == "class" and not self.inlined


@dataclass(frozen=True, slots=True)
class ClassDef:
    name: str
    slots: dict[str, Slot]
    identifier: str | None
    ancestors: tuple[str, ...]  # the class itself first, then is_a parents and mixins
    abstract: bool = False
    description: str = ""

    def is_a(self, other: str) -> bool:
        return other in self.ancestors


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    version: str
    classes: dict[str, ClassDef]
    enums: dict[str, tuple[str, ...]]  # permissible values, in schema order; () = open
    tree_root: str

    def cls(self, name: str) -> ClassDef:
        return self.classes[name]


class SchemaError(ValueError):
    """The schema file itself cannot be interpreted (a broken installation or schema)."""


def _schema_path() -> Path:
    from ._data import schema_path

    return schema_path()


@cache
def load_schema(path: str | Path | None = None) -> Schema:
    """The interpreted schema at ``path`` (default: the packaged one); cached per process."""
    source = Path(path) if path is not None else _schema_path()
    with source.open("rb") as fh:
        raw = yaml.load(fh, Loader=_Loader)
    return interpret(raw)


def interpret(raw: dict[str, Any]) -> Schema:
    """Interpret a LinkML schema already read into Python values."""
    if not isinstance(raw, dict):
        raise SchemaError("a LinkML schema is a mapping")
    classes_raw: dict[str, dict[str, Any]] = {
        k: (v or {}) for k, v in (raw.get("classes") or {}).items()
    }
    slots_raw: dict[str, dict[str, Any]] = {
        k: (v or {}) for k, v in (raw.get("slots") or {}).items()
    }
    enums: dict[str, tuple[str, ...]] = {
        name: tuple(str(pv) for pv in ((body or {}).get("permissible_values") or {}))
        for name, body in (raw.get("enums") or {}).items()
    }
    types_raw: dict[str, dict[str, Any]] = {
        k: (v or {}) for k, v in (raw.get("types") or {}).items()
    }
    default_range = raw.get("default_range") or "string"

    def type_base(name: str, seen: tuple[str, ...] = ()) -> str | None:
        local = name.split(":", 1)[-1] if name.startswith("linkml:") else name
        if local in types_raw and local not in seen:
            body = types_raw[local]
            parent = body.get("typeof")
            if parent:
                return type_base(parent, (*seen, local))
            base = str(body.get("base", "str")).lower()
            return {"int": "int", "bool": "bool", "float": "float", "decimal": "float"}.get(
                base, "str"
            )
        return BUILTIN_TYPES.get(local.lower())

    def ancestors(name: str, seen: tuple[str, ...] = ()) -> tuple[str, ...]:
        if name not in classes_raw:
            raise SchemaError(f"class {name!r} is not defined")
        if name in seen:
            raise SchemaError(f"class {name!r} inherits from itself")
        body = classes_raw[name]
        out = [name]
        parents = [body["is_a"]] if body.get("is_a") else []
        parents += list(body.get("mixins") or ())
        for parent in parents:
            for anc in ancestors(parent, (*seen, name)):
                if anc not in out:
                    out.append(anc)
        return tuple(out)

    identifier_classes: dict[str, str | None] = {}

    def slot_names(name: str) -> list[str]:
        """Every slot of the class, general ancestors' first, in schema order."""
        names: list[str] = []
        for anc in reversed(ancestors(name)):
            body = classes_raw[anc]
            for sn in [*(body.get("slots") or ()), *(body.get("attributes") or {})]:
                if sn not in names:
                    names.append(sn)
        return names

    def induced_raw(name: str, slot: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        chain = ancestors(name)
        for anc in reversed(chain):
            attrs = classes_raw[anc].get("attributes") or {}
            if slot in attrs:
                merged = {**(attrs[slot] or {})}
        if not merged:
            if slot not in slots_raw:
                raise SchemaError(f"slot {slot!r} of class {name!r} is not defined")
            merged = dict(slots_raw[slot])
        for anc in reversed(chain):
            usage = (classes_raw[anc].get("slot_usage") or {}).get(slot)
            if usage:
                merged.update(usage)
        return merged

    # identifiers first: inlining of a class range depends on whether the range has one
    for cname in classes_raw:
        ident = None
        for sn in slot_names(cname):
            body = induced_raw(cname, sn)
            if body.get("identifier") or body.get("key"):
                ident = sn
                break
        identifier_classes[cname] = ident

    classes: dict[str, ClassDef] = {}
    tree_root = None
    for cname, body in classes_raw.items():
        if body.get("tree_root"):
            tree_root = cname
        slots: dict[str, Slot] = {}
        for sn in slot_names(cname):
            s = induced_raw(cname, sn)
            rng = str(s.get("range") or default_range)
            if rng in classes_raw:
                kind, base = "class", rng
            elif rng in enums:
                kind, base = "enum", rng
            elif rng in ("Any", "linkml:Any"):
                kind, base = ANY, ANY
            else:
                tb = type_base(rng)
                if tb is None:
                    raise SchemaError(f"range {rng!r} of slot {sn!r} is not defined")
                kind, base = "type", tb
            identifier = bool(s.get("identifier") or s.get("key"))
            inlined_as_list = bool(s.get("inlined_as_list"))
            if kind == "class":
                inlined = (
                    identifier_classes.get(rng) is None or bool(s.get("inlined")) or inlined_as_list
                )
            else:
                inlined = False
            pattern = s.get("pattern")
            slots[sn] = Slot(
                name=sn,
                range=rng,
                kind=kind,
                base=base,
                required=bool(s.get("required")) or identifier,
                multivalued=bool(s.get("multivalued")),
                inlined=inlined,
                inlined_as_list=inlined_as_list,
                pattern=re.compile(pattern) if pattern else None,
                minimum_value=_number(s.get("minimum_value")),
                maximum_value=_number(s.get("maximum_value")),
                identifier=identifier,
                description=" ".join(str(s.get("description") or "").split()),
            )
        classes[cname] = ClassDef(
            name=cname,
            slots=slots,
            identifier=identifier_classes[cname],
            ancestors=ancestors(cname),
            abstract=bool(body.get("abstract")),
            description=" ".join(str(body.get("description") or "").split()),
        )
    if tree_root is None:
        raise SchemaError("no class is marked tree_root")
    return Schema(
        name=str(raw.get("name", "")),
        version=str(raw.get("version", "")),
        classes=classes,
        enums=enums,
        tree_root=tree_root,
    )


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
