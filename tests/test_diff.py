"""``pptaxonomy diff``, the released-identifiers file and its validator rules, ``rules``.

Change pairs are built in tmp_path from a copy of the shipped taxonomy, one edit each.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import pptaxonomy
from pptaxonomy.cli import main
from pptaxonomy.diff import diff_taxonomies, format_md, load_side, read_released_ids
from pptaxonomy.validate import rules_text, validate_paths
from tests.conftest import REPO

PROFESSION = "counsellor"
PROF_FILE = "professions/counsellor.yaml"


def _copy(shipped_dir: Path, dest: Path) -> Path:
    shutil.copytree(shipped_dir, dest)
    return dest


def _edit(root: Path, rel: str, fn: Callable[[dict], None]) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _prof(data: dict) -> dict:
    return next(p for p in data["professions"] if p["id"] == PROFESSION)


def _rename(d):
    _prof(d)["name"] = "Therapeutic counsellor"


def _alias(d):
    _prof(d)["labels"].append({"text": "Talking therapist", "label_kind": "alternative"})


def _add_profession(d):
    new = dict(_prof(d), id="play-therapist", name="Play therapist", labels=[])
    d["professions"].append(new)


def _deprecate(d):
    _prof(d).update(
        deprecated=True,
        profession_status="deprecated",
        replaced_by="adult-psychotherapist",
        deprecation_reason="merged",
    )


def _delete(d):
    d["professions"] = [p for p in d["professions"] if p["id"] != PROFESSION]
    d["mappings"] = []


def _retarget(d):
    row = next(m for m in d["mappings"] if m.get("level") == "trainee")
    row["code"] = "S8N"


CASES = {
    "rename": (_rename, [("relabelled", "counsellor", "")], 0),
    "add-alias": (_alias, [("label-added", "counsellor", "")], 0),
    "add-profession": (
        _add_profession,
        [("added", "play-therapist", "")],
        0,
    ),
    "deprecate": (_deprecate, [("deprecated", "counsellor", "")], 0),
    "retarget": (_retarget, [("mapping-retargeted", "counsellor", "")], 0),
}


@pytest.fixture
def pair(tmp_path: Path, shipped_dir: Path) -> tuple[Path, Path]:
    return _copy(shipped_dir, tmp_path / "old"), _copy(shipped_dir, tmp_path / "new")


def _changes(old: Path, new: Path):
    d = diff_taxonomies(pptaxonomy.load(old), pptaxonomy.load(new), "old", "new")
    return d, [(c.change, c.id, c.rule) for c in d.changes]


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def test_release_against_itself_is_empty(shipped_dir: Path):
    tax = pptaxonomy.load(shipped_dir)
    d = diff_taxonomies(tax, tax)
    assert d.changes == [] and d.bump == "none"
    result = _cli("diff", str(shipped_dir), str(shipped_dir), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["changes"] == 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_change_pairs(case: str, pair: tuple[Path, Path]):
    fn, expected, code = CASES[case]
    old, new = pair
    _edit(new, PROF_FILE, fn)
    _, got = _changes(old, new)
    assert got == expected, got
    result = _cli("diff", str(old), str(new), "--format", "tsv")
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[0] == "change\tkind\tid\tdetail\told\tnew\trule"


def test_details_of_the_change_pairs(pair: tuple[Path, Path]):
    old, new = pair
    _edit(new, PROF_FILE, lambda d: (_rename(d), _alias(d), _deprecate(d), _retarget(d)))
    d, _ = _changes(old, new)
    by = {c.change: c for c in d.changes}
    assert (by["relabelled"].old, by["relabelled"].new) == ("Counsellor", "Therapeutic counsellor")
    assert (by["label-added"].detail, by["label-added"].new) == ("alternative", "Talking therapist")
    assert "replaced by adult-psychotherapist" in by["deprecated"].detail
    c = by["mapping-retargeted"]
    assert (c.detail, c.old, c.new) == ("trainee nhs-occupation-code", "S8M", "S8N")
    assert d.bump == "major"


def test_deleting_an_id_breaks_the_policy(pair: tuple[Path, Path]):
    old, new = pair
    _edit(new, PROF_FILE, _delete)
    d, got = _changes(old, new)
    assert ("removed", "counsellor", "id-removed") in got
    assert [c.rule for c in d.breaches] == ["id-removed"]
    result = _cli("diff", str(old), str(new))
    assert result.exit_code == 1
    assert "policy: id-removed: Profession counsellor" in result.output
    assert "## Identifier policy breaches" in result.output


def test_reusing_an_id_breaks_the_policy(pair: tuple[Path, Path]):
    old, new = pair
    _edit(new, PROF_FILE, _delete)

    def add_group(d):
        d["groups"].append(dict(d["groups"][0], id=PROFESSION, name="Counselling roles"))

    _edit(new, "groups.yaml", add_group)
    _, got = _changes(old, new)
    assert ("reused", "counsellor", "id-reused") in got
    assert _cli("diff", str(old), str(new)).exit_code == 1


def test_reactivating_a_deprecated_id_breaks_the_policy(pair: tuple[Path, Path]):
    old, new = pair
    _edit(old, PROF_FILE, _deprecate)
    _, got = _changes(old, new)
    assert got == [("reactivated", "counsellor", "id-reactivated")]


def test_notes_are_deterministic(pair: tuple[Path, Path]):
    old, new = pair
    _edit(new, PROF_FILE, lambda d: (_rename(d), _alias(d), _retarget(d)))
    first = _cli("diff", str(old), str(new), "--format", "md").output
    again = _cli("diff", str(old), str(new), "--format", "md").output
    assert first == again
    version = (old / "VERSION").read_text(encoding="utf-8").strip()
    assert first.startswith(f"# Taxonomy changes: {old} ({version}) to {new} ({version})\n")
    assert "| relabelled | 1 |" in first and "**major**" in first
    tax_a, tax_b = pptaxonomy.load(old), pptaxonomy.load(new)
    assert format_md(diff_taxonomies(tax_a, tax_b)) == format_md(diff_taxonomies(tax_a, tax_b))


def _git_ok() -> bool:
    proc = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True)
    return proc.returncode == 0 and (REPO / "taxonomy").is_dir()


@pytest.mark.skipif(not _git_ok(), reason="not a git checkout")
def test_a_git_ref_side(tmp_path: Path):
    head = load_side("HEAD", tmp_path, repo=REPO)
    assert len(head.professions) > 0
    assert diff_taxonomies(head, head).changes == []
    result = _cli("diff", "HEAD", "HEAD", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["summary"]["changes"] == 0


def test_usage_errors(tmp_path: Path):
    assert _cli("diff", str(tmp_path / "nope"), str(tmp_path)).exit_code == 2
    assert _cli("diff", "a", "b", "--format", "xml").exit_code == 2


# -- released identifiers -------------------------------------------------------------------


def _repo_copy(tmp_path: Path, shipped_dir: Path) -> Path:
    root = _copy(shipped_dir, tmp_path / "taxonomy")
    (tmp_path / "releases").mkdir()
    shutil.copy(REPO / "releases" / "released-ids.tsv", tmp_path / "releases")
    return root


def test_released_ids_cover_the_shipped_taxonomy(shipped_dir: Path):
    released = read_released_ids(REPO / "releases" / "released-ids.tsv")
    tax = pptaxonomy.load(shipped_dir)
    assert PROFESSION in released and set(tax.professions) <= set(released)
    result = _cli("release-ids", str(shipped_dir), "--check", "-o", "releases/released-ids.tsv")
    assert result.exit_code == 0, result.output


def test_released_id_missing(tmp_path: Path, shipped_dir: Path):
    root = _repo_copy(tmp_path, shipped_dir)
    assert not validate_paths([root]).errors
    _edit(root, PROF_FILE, _delete)
    report = validate_paths([root])
    (p,) = [p for p in report.problems if p.rule == "released-id-missing"]
    assert p.file.endswith("released-ids.tsv") and p.line > 1
    assert "'counsellor' was released in 0.1.0" in p.message
    # A single file is not the whole taxonomy: the check does not run.
    one = validate_paths([root / "groups.yaml"])
    assert not [p for p in one.problems if p.rule.startswith("released-id")]


def test_released_id_kind(tmp_path: Path, shipped_dir: Path):
    root = _repo_copy(tmp_path, shipped_dir)
    tsv = tmp_path / "releases" / "released-ids.tsv"
    text = tsv.read_text(encoding="utf-8")
    tsv.write_text(text.replace("counsellor\tProfession", "counsellor\tProfessionGroup"))
    report = validate_paths([root])
    (p,) = [p for p in report.problems if p.rule == "released-id-kind"]
    assert p.file.endswith("counsellor.yaml") and "as a ProfessionGroup" in p.message


def test_release_ids_adds_new_and_keeps_old(tmp_path: Path, shipped_dir: Path):
    root = _repo_copy(tmp_path, shipped_dir)
    _edit(root, PROF_FILE, _add_profession)
    tsv = tmp_path / "releases" / "released-ids.tsv"
    before = tsv.read_text(encoding="utf-8").splitlines()
    assert _cli("release-ids", str(root), "-o", str(tsv), "--check").exit_code == 1
    assert _cli("release-ids", str(root), "-o", str(tsv), "--version", "0.2.0").exit_code == 0
    after = tsv.read_text(encoding="utf-8").splitlines()
    assert set(before) < set(after)
    assert "play-therapist\tProfession\t0.2.0" in after


# -- rules docs -----------------------------------------------------------------------------


def test_docs_rules_md_is_generated_from_the_code():
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_text("md"), "run: pptaxonomy rules --format md > docs/rules.md"
    assert "## released-id-missing" in committed


def test_rules_command():
    result = _cli("rules")
    assert result.exit_code == 0 and "released-id-kind" in result.output
