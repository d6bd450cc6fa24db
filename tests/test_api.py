"""The Python API that data teams call: load, get, lookup, occupation_codes_for, versions."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import pptaxonomy
from pptaxonomy import model
from tests.conftest import REPO, write_yaml

REQUIRED_PROFESSIONS = {
    "clinical-psychologist",
    "counselling-psychologist",
    "forensic-psychologist",
    "health-psychologist",
    "educational-psychologist",
    "occupational-psychologist",
    "sport-and-exercise-psychologist",
    "cbt-therapist",
    "psychological-wellbeing-practitioner",
    "counsellor",
    "child-and-adolescent-psychotherapist",
    "adult-psychotherapist",
    "family-therapist",
    "childrens-wellbeing-practitioner",
    "education-mental-health-practitioner",
    "clinical-associate-psychologist",
    "mental-health-wellbeing-practitioner",
    "youth-intensive-psychological-practitioner",
    "assistant-psychologist",
    "art-therapist",
    "dramatherapist",
    "music-therapist",
}
REQUIRED_LEVELS = {"trainee", "qualified", "senior", "principal", "consultant"}


def test_every_required_profession_is_present(tax):
    assert set(tax.professions) >= REQUIRED_PROFESSIONS


def test_required_levels_exist_in_ladder_order(tax):
    assert set(tax.levels) >= REQUIRED_LEVELS
    ranks = [lvl.rank for lvl in tax.levels.values()]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_professions_are_in_stable_sorted_order(tax):
    assert list(tax.professions) == sorted(tax.professions)
    assert list(pptaxonomy.load(tax.root).professions) == list(tax.professions)


def test_load_of_the_release_is_cached(tax):
    assert pptaxonomy.load() is tax


def test_get_returns_entity_or_none(tax):
    p = tax.get("clinical-psychologist")
    assert isinstance(p, model.Profession)
    assert p.name == "Clinical psychologist"
    assert isinstance(tax.get("hcpc"), model.Regulator)
    assert isinstance(tax.get("trainee"), model.Level)
    assert tax.get("no-such-thing") is None
    with pytest.raises(pptaxonomy.UnknownIdentifier):
        tax["no-such-thing"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("PWP", "psychological-wellbeing-practitioner"),
        ("pwp", "psychological-wellbeing-practitioner"),
        ("EMHP", "education-mental-health-practitioner"),
        ("CWP", "childrens-wellbeing-practitioner"),
        ("MHWP", "mental-health-wellbeing-practitioner"),
        ("CAP", "clinical-associate-psychologist"),
        ("HIT", "cbt-therapist"),
        ("  Clinical   psychologist ", "clinical-psychologist"),
        ("Art psychotherapist", "art-therapist"),
        ("Family and systemic psychotherapist", "family-therapist"),
    ],
)
def test_lookup_by_any_label(tax, label, expected):
    assert tax.lookup(label).id == expected


def test_lookup_unknown_raises_a_lookup_error_with_a_slug(tax):
    with pytest.raises(LookupError) as info:
        tax.lookup("Consultant psychiatrist")
    assert isinstance(info.value, pptaxonomy.UnknownLabel)
    assert info.value.code == "unknown-label"


def test_lookup_suggests_close_names(tax):
    with pytest.raises(pptaxonomy.UnknownLabel) as info:
        tax.lookup("Clinical psychologst")
    assert "Clinical psychologist" in info.value.suggestions


def _two_professions(tmp_path, shared_label: str, second_status: str = "established"):
    """A minimal taxonomy directory whose two professions share one label."""
    for i, status in ((1, "established"), (2, second_status)):
        extra = "\n    replaced_by: p1" if status == "deprecated" else ""
        write_yaml(
            tmp_path / f"p{i}.yaml",
            f"""
            professions:
              - id: p{i}
                name: Profession {i}
                description: A test profession.
                group: g
                core_twelve: false
                profession_status: {status}
                regulation_kind: none
                labels: [{{text: {shared_label}, label_kind: acronym}}]
                levels_held: [{{level: qualified, sources: [s], confidence: verified}}]
                sources: [s]"""
            + extra.replace("\n    ", "\n                "),
        )
    return pptaxonomy.load(tmp_path)


def test_lookup_of_a_label_shared_by_two_active_professions_is_ambiguous(tmp_path):
    small = _two_professions(tmp_path, "XYZ")
    with pytest.raises(pptaxonomy.AmbiguousLabel) as info:
        small.lookup("xyz")
    assert set(info.value.candidates) == {"p1", "p2"}
    assert isinstance(info.value, LookupError)


def test_lookup_prefers_the_active_profession_over_a_deprecated_one(tmp_path):
    small = _two_professions(tmp_path, "XYZ", second_status="deprecated")
    assert small.lookup("XYZ").id == "p1"
    assert small.lookup("Profession 2").replaced_by == "p1"


@pytest.mark.parametrize(
    ("profession", "level", "expected"),
    [
        ("cbt-therapist", "trainee", ["S8M"]),
        ("clinical-psychologist", "trainee", ["S8L"]),
        ("clinical-psychologist", "consultant", ["SAL"]),
        ("art-therapist", "qualified", ["S1H"]),
    ],
)
def test_occupation_codes_for(tax, profession, level, expected):
    assert tax.occupation_codes_for(profession, level) == expected


def test_occupation_codes_for_every_level_exist_in_the_code_list(tax):
    for p in tax:
        for level in p.level_ids:
            codes = tax.occupation_codes_for(p.id, level)
            assert codes, f"{p.id} at {level} has no NHS occupation code"
            for code in codes:
                assert tax.is_valid_occupation_code(code), (p.id, level, code)


def test_occupation_codes_for_rejects_unknown_ids(tax):
    with pytest.raises(pptaxonomy.UnknownIdentifier):
        tax.occupation_codes_for("astronaut")
    with pytest.raises(pptaxonomy.UnknownIdentifier):
        tax.occupation_codes_for("clinical-psychologist", "apprentice-wizard")


def test_profession_fields(tax):
    p = tax.professions["counsellor"]
    assert p.id == "counsellor" and p.name and p.description
    assert p.levels and all(isinstance(pl, model.ProfessionLevel) for pl in p.levels)
    assert p.sources and all(s in tax.sources for s in p.sources)
    assert p.group in tax.groups


def test_the_whole_nhs_code_list_is_shipped(tax):
    nhs = tax.codes["nhs-occupation-code"]
    assert len(nhs) == 945
    assert sum(c.is_valid for c in nhs.values()) == 682
    assert tax.occupation_code("S3L").code_status == "retired"
    assert tax.occupation_code(" s1m ").name == "Therapist in Psychological Therapy"
    assert tax.occupation_code("055").care_setting == "Medical psychotherapy"
    assert tax.code_systems["sds-job-role"].is_retired


@given(st.one_of(st.text(), st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_is_valid_occupation_code_never_raises(value):
    result = pptaxonomy.load().is_valid_occupation_code(value)
    assert result in (True, False)


def test_versions():
    assert pptaxonomy.__version__ == version("pptaxonomy")
    assert (REPO / "taxonomy" / "VERSION").read_text().strip() == pptaxonomy.DATA_VERSION
    assert pptaxonomy.load().data_version == pptaxonomy.DATA_VERSION


def test_the_read_path_does_not_import_linkml():
    code = (
        "import sys, pptaxonomy\n"
        "t = pptaxonomy.load(); t.lookup('PWP'); t.occupation_codes_for('counsellor')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('linkml', 'linkml_runtime', 'rdflib', 'click', 'duckdb'))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_load_stays_callable_after_every_submodule_is_imported():
    """A submodule named like a public function would replace it on the package."""
    code = (
        "import importlib, pkgutil, pptaxonomy\n"
        "for m in pkgutil.walk_packages(pptaxonomy.__path__, 'pptaxonomy.'):\n"
        "    if not m.name.startswith('pptaxonomy.export'):\n"
        "        importlib.import_module(m.name)\n"
        "assert callable(pptaxonomy.load), pptaxonomy.load\n"
        "print(pptaxonomy.load().lookup('PWP').id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "psychological-wellbeing-practitioner"


def test_codes_keep_their_case_outside_the_nhs_lists(tax):
    esco = "c3c8c56c-b3ab-4425-a38a-abcace020d22"
    assert tax.is_valid_occupation_code(esco, "esco-occupation")
    assert tax.is_valid_occupation_code("r1310", "sds-job-role")


def test_mappings_follow_the_career_ladder_within_a_profession(tax):
    rank = {level_id: lvl.rank for level_id, lvl in tax.levels.items()}
    for p in tax:
        ranks = [rank.get(m.level or "", 0) for m in tax.mappings if m.profession == p.id]
        assert ranks == sorted(ranks), p.id


def test_package_docstring_examples_hold():
    import doctest

    result = doctest.testmod(pptaxonomy)
    assert result.attempted >= 3 and result.failed == 0


def test_match_is_part_of_the_public_api():
    m = pptaxonomy.match("Trainee PWP - North")
    assert (m.profession_id, m.level_id, m.status) == (
        "psychological-wellbeing-practitioner",
        "trainee",
        "matched",
    )
    assert isinstance(m, pptaxonomy.Match)
    assert pptaxonomy.match("Consultant Psychiatrist").profession_id is None


def test_professions_by_group_covers_every_profession_once_in_group_order(tax):
    grouped = tax.professions_by_group()
    ids = [p.id for _, members in grouped for p in members]
    assert sorted(ids) == sorted(tax.professions) and len(ids) == len(set(ids))
    assert [g.id for g, _ in grouped] == [g for g in tax.groups if g in {x.id for x, _ in grouped}]
    assert all(members and all(p.group == g.id for p in members) for g, members in grouped)


_YAML_CASES = [
    "a: 1\nb: [x, 2.5, true, null, 2024-01-05]\n",
    "base: &b {k: v}\nmerged:\n  <<: *b\n  j: w\n",  # a merge key
    "on: 1\n2: two\n",  # non-text keys
    "a: !!str 12\nb: !!int '7'\n",
    "top: &t [a, *t]\n",  # a recursive alias
    "# only a comment\n",
    "- a\n- - b\n  - {c: d}\n",
]


@pytest.mark.parametrize("text", _YAML_CASES)
def test_the_loaders_yaml_reading_equals_pyyaml(text: str):
    from pptaxonomy import loader

    got = loader._load_yaml(text.encode())
    want = yaml.load(text.encode(), Loader=loader._StrictKeyLoader)
    assert repr(got) == repr(want)


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [
        ("a: x\na: y\n", 2, 1),
        ("top:\n  name: x\n  k: 1\n  name: y\n", 4, 2),
        ("- {a: 1, b: 2, a: 1}\n", 1, 1),  # the same value twice is refused too
        ("a: 1\n'a': 2\n", 2, 1),  # quoting does not make it another key
        ("base: &b {k: v}\nm:\n  <<: *b\n  j: w\n  j: z\n", 5, 4),  # through the slow path
    ],
)
def test_a_key_given_twice_is_refused_by_both_yaml_readings(text: str, line: int, first: int):
    from pptaxonomy import loader

    for read in (loader._load_yaml, lambda d: yaml.load(d, Loader=loader._StrictKeyLoader)):
        with pytest.raises(loader.DuplicateKeyError) as err:
            read(text.encode())
        assert err.value.line == line and f"first at line {first}" in str(err.value)


def test_the_loaders_yaml_reading_equals_pyyaml_on_every_shipped_file():
    from pptaxonomy import loader
    from pptaxonomy._data import taxonomy_dir

    files = loader.taxonomy_files(taxonomy_dir())
    assert len(files) > 30
    for path in files:
        data = path.read_bytes()
        assert loader._load_yaml(data) == yaml.load(data, Loader=loader._StrictKeyLoader), path


def test_an_alias_bomb_is_read_in_linear_time_as_pyyaml_reads_it():
    # Each alias is the same node again: built once and shared, never expanded (9 levels of
    # 9 aliases would be 387 million strings; the loader took minutes on it in diff).
    import time

    from pptaxonomy import loader

    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    data = ("\n".join(lines) + "\n").encode()
    started = time.monotonic()
    got = loader._load_yaml(data)
    assert time.monotonic() - started < 1
    want = yaml.load(data, Loader=loader._StrictKeyLoader)
    assert got["i"][0] is got["i"][8] is got["h"]
    assert want["i"][0] is want["i"][8] is want["h"]
    assert got["a"] == want["a"] and len(got["i"]) == 9
