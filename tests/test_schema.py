"""Invariants of the LinkML schema, checked on its YAML (fast) and with linkml-lint (slow)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

SCHEMA_PATH = REPO / "schema" / "pptaxonomy.yaml"
LINT = Path(sys.executable).parent / "linkml-lint"


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_project_prefix_base_iri_and_version(schema):
    assert schema["default_prefix"] == "pptax"
    assert schema["prefixes"]["pptax"] == "https://w3id.org/pptaxonomy/"
    assert "pp" not in schema["prefixes"] and "soc" not in schema["prefixes"]
    assert schema["version"]


def test_every_element_has_a_description(schema):
    missing = [f"class {n}" for n, c in schema["classes"].items() if not c.get("description")]
    missing += [f"slot {n}" for n, s in schema["slots"].items() if not s.get("description")]
    for name, enum in schema["enums"].items():
        if not enum.get("description"):
            missing.append(f"enum {name}")
        for pv, body in enum["permissible_values"].items():
            if not (body or {}).get("description"):
                missing.append(f"value {name}.{pv}")
    assert not missing


def test_required_classes_and_enums_exist(schema):
    classes = {
        "Container", "Profession", "ProfessionGroup", "Level", "Regulator", "Register",
        "ProfessionalBody", "CodeSystem", "OccupationCode", "Mapping", "Source",
    }  # fmt: skip
    assert classes <= set(schema["classes"])
    enums = schema["enums"]
    assert {"established", "emerging", "pilot", "deprecated"} <= set(
        enums["ProfessionStatusEnum"]["permissible_values"]
    )
    assert {"statutory", "accredited_register", "none"} <= set(
        enums["RegulationKindEnum"]["permissible_values"]
    )
    assert {"preferred", "alternative", "hidden", "acronym", "historic", "protected_title"} <= set(
        enums["LabelKindEnum"]["permissible_values"]
    )
    predicates = enums["MappingPredicateEnum"]["permissible_values"]
    assert {p["meaning"] for p in predicates.values()} >= {
        "skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch",
        "skos:relatedMatch",
    }  # fmt: skip
    assert set(enums["ConfidenceEnum"]["permissible_values"]) == {
        "verified", "inferred", "unverified",
    }  # fmt: skip


def test_every_class_is_reachable_from_the_tree_root(schema):
    classes, slots = schema["classes"], schema["slots"]
    seen, todo = set(), ["Container"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        cls = classes[name]
        for slot in cls.get("slots", []):
            rng = slots[slot].get("range")
            if rng in classes:
                todo.append(rng)
        if cls.get("is_a"):
            todo.append(cls["is_a"])
    for name, cls in classes.items():  # abstract parents are reached through their children
        if cls.get("is_a") in seen:
            seen.add(name)
    assert set(classes) == seen


def test_every_identifier_slot_uses_the_kebab_pattern(schema):
    assert schema["slots"]["id"]["identifier"] is True
    assert schema["slots"]["id"]["pattern"] == "^[a-z0-9]+(-[a-z0-9]+)*$"


def test_descriptive_slots_map_to_skos_and_dcterms(schema):
    uris = {name: s.get("slot_uri") for name, s in schema["slots"].items()}
    assert uris["name"] == "skos:prefLabel"
    assert uris["description"] == "skos:definition"
    assert uris["sources"] == "dcterms:source"
    assert uris["replaced_by"] == "dcterms:isReplacedBy"
    assert uris["deprecated"] == "owl:deprecated"


@pytest.mark.slow
def test_linkml_lint_passes_with_the_checked_in_config():
    out = subprocess.run(
        [str(LINT), "--config", str(REPO / ".linkmllint.yaml"), str(SCHEMA_PATH)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_lint_config_rejects_an_element_without_a_description(tmp_path):
    """The lint gate is real: drop one slot's description and linkml-lint must fail."""
    broken = tmp_path / "schema.yaml"
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    line = (
        "    description: Position in display order, or for levels the position on the career "
        "ladder (lowest first).\n"
    )
    assert text.count(line) == 1
    broken.write_text(text.replace(line, ""), encoding="utf-8")
    shutil.copy(REPO / ".linkmllint.yaml", tmp_path / ".linkmllint.yaml")
    out = subprocess.run(
        [str(LINT), "--config", str(tmp_path / ".linkmllint.yaml"), str(broken)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode != 0
    assert "rank" in out.stdout
