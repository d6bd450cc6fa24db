"""Deprecation that users can live with: old ids and titles still answer, with the replacement."""

from __future__ import annotations

import shutil
import textwrap

import pytest

import pptaxonomy
from pptaxonomy.matcher import Matcher
from pptaxonomy.validate import validate_paths
from tests.build_support import DEPRECATED_ID, DEPRECATED_YAML, REPLACEMENT_ID

OLD_NAME = "IAPT high intensity therapist (test entry)"


@pytest.fixture(scope="module")
def variant(tmp_path_factory, shipped_dir):
    root = tmp_path_factory.mktemp("deprecation") / "taxonomy"
    shutil.copytree(shipped_dir, root)
    (root / "professions" / f"{DEPRECATED_ID}.yaml").write_text(
        textwrap.dedent(DEPRECATED_YAML).lstrip(), encoding="utf-8"
    )
    return root


def test_the_variant_with_a_deprecated_profession_validates(variant):
    report = validate_paths([variant])
    assert not report.errors, "\n".join(p.as_text() for p in report.errors)


def test_lookup_of_a_deprecated_name_still_answers_and_names_the_replacement(variant):
    tax = pptaxonomy.load(variant)
    old = tax.lookup(OLD_NAME)
    assert old.id == DEPRECATED_ID and old.is_deprecated
    assert old.replaced_by == REPLACEMENT_ID
    assert tax.current(old.id).id == REPLACEMENT_ID


def test_current_is_the_entity_itself_when_active_and_none_when_unknown(variant):
    tax = pptaxonomy.load(variant)
    assert tax.current(REPLACEMENT_ID) is tax.professions[REPLACEMENT_ID]
    assert tax.current("no-such-id") is None


def test_current_is_none_when_only_several_candidates_are_named(tmp_path, shipped_dir):
    root = tmp_path / "taxonomy"
    shutil.copytree(shipped_dir, root)
    text = (
        textwrap.dedent(DEPRECATED_YAML)
        .lstrip()
        .replace(f"replaced_by: {REPLACEMENT_ID}", "consider: [cbt-therapist, counsellor]")
    )
    (root / "professions" / f"{DEPRECATED_ID}.yaml").write_text(text, encoding="utf-8")
    assert not validate_paths([root]).errors
    assert pptaxonomy.load(root).current(DEPRECATED_ID) is None


def test_the_matcher_maps_a_deprecated_title_to_the_current_profession(variant):
    tax = pptaxonomy.load(variant)
    m = Matcher(tax).match(OLD_NAME)
    assert m.status == "matched"
    assert m.profession_id == REPLACEMENT_ID
