"""Our schema interpreter against LinkML's own validator (slow: LinkML takes ~1 s to import).

For every fixture whose expected rules are schema rules (not YAML-layer or integrity rules),
LinkML's JSON Schema validator, closed, must also find the fixture invalid; and it must find
every shipped taxonomy file valid, as ours does. Together with the fixtures' own test this
shows the interpreter is at least as strict as LinkML on what LinkML can express.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pptaxonomy.validate import validate_paths
from tests.conftest import REPO
from tests.test_validate import FIXTURE_FILES, fixture_id, read_header

SCHEMA = REPO / "schema" / "pptaxonomy.yaml"
SCHEMA_RULES = {
    "unknown-field",
    "missing-required",
    "wrong-type",
    "invalid-enum",
    "pattern-mismatch",
    "value-out-of-range",
    "invalid-uri",
    "invalid-date",
}
SCHEMA_FIXTURES = [
    path
    for path in FIXTURE_FILES
    if (rules := {rule for rule, _, _ in read_header(path)[0]}) and rules <= SCHEMA_RULES
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def linkml_validator():
    from linkml.validator import Validator
    from linkml.validator.plugins import JsonschemaValidationPlugin

    return Validator(str(SCHEMA), validation_plugins=[JsonschemaValidationPlugin(closed=True)])


def linkml_errors(validator, path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = validator.validate(data, target_class="Container")
    return [r.message for r in report.results if str(r.severity).endswith("ERROR")]


def test_every_schema_rule_has_a_parity_fixture():
    covered = {rule for path in SCHEMA_FIXTURES for rule, _, _ in read_header(path)[0]}
    assert covered == SCHEMA_RULES


@pytest.mark.parametrize("fixture", SCHEMA_FIXTURES, ids=fixture_id)
def test_linkml_also_rejects_schema_fixture(linkml_validator, fixture: Path):
    assert linkml_errors(linkml_validator, fixture), f"LinkML accepts {fixture.name}"


def test_linkml_accepts_the_shipped_taxonomy(linkml_validator, shipped_dir: Path):
    files = sorted(shipped_dir.rglob("*.yaml"))
    assert files
    rejected = {
        str(path.relative_to(shipped_dir)): errors
        for path in files
        if (errors := linkml_errors(linkml_validator, path))
    }
    assert not rejected
    ours = validate_paths([shipped_dir])
    schema_errors = [p.as_text() for p in ours.errors if p.rule in SCHEMA_RULES]
    assert not schema_errors
