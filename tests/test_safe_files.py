"""Taxonomy files are regular files inside the taxonomy folder (the probe's D8, D10, D16).

A pull request can add links and special files under ``taxonomy/``; neither the validator nor
the loader may follow them out, quote what they point at, or hang on them.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from pptaxonomy import load, safefiles
from pptaxonomy.errors import TaxonomyDataError
from pptaxonomy.validate import validate_paths
from tests.conftest import write_yaml

SECRET = "https://ci-bot:ghp_FAKEFAKEFAKE1234567890abcdef@github.com"


@pytest.fixture()
def tree(tmp_path: Path, shipped_dir: Path) -> Path:
    """A copy of the shipped taxonomy that a test may add links and special files to."""
    root = tmp_path / "taxonomy"
    shutil.copytree(shipped_dir, root)
    return root


def _secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside" / "creds.txt"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}\nAWS_SECRET_ACCESS_KEY: abc\n", encoding="utf-8")
    return outside


def test_a_link_out_of_the_folder_is_refused_and_never_quoted(tree: Path, tmp_path: Path):
    (tree / "sources" / "creds.yaml").symlink_to(_secret_file(tmp_path))
    report = validate_paths([tree])
    shown = "\n".join(p.as_text() for p in report.problems)
    assert "ghp_FAKE" not in shown and "AWS_SECRET" not in shown
    refused = [p for p in report.problems if p.file.endswith("creds.yaml")]
    assert [p.rule for p in refused] == ["io-error"]
    assert "outside the taxonomy folder" in refused[0].message
    assert report.io_failed


def test_the_loader_refuses_a_link_out_of_the_folder(tree: Path, tmp_path: Path):
    (tree / "sources" / "creds.yaml").symlink_to(_secret_file(tmp_path))
    with pytest.raises(TaxonomyDataError, match="outside the taxonomy folder") as err:
        load(tree)
    assert "ghp_FAKE" not in str(err.value)


def test_a_link_inside_the_folder_is_read(tree: Path):
    (tree / "extra").mkdir()
    (tree / "extra" / "groups-again.yaml").symlink_to(tree / "groups.yaml")
    assert safefiles.yaml_files(tree)[1] == []


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_files_named_alone_are_refused_without_opening(tmp_path: Path, kind: str):
    path = tmp_path / "x.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    started = time.monotonic()
    report = validate_paths([path])
    assert time.monotonic() - started < 2
    assert [p.rule for p in report.problems] == ["io-error"]
    assert report.io_failed


def test_an_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write_yaml(tmp_path / "big.yaml", "sources: []\n" + "# padding\n" * 200)
    monkeypatch.setattr(safefiles, "MAX_BYTES", 1000)
    report = validate_paths([path])
    assert [p.rule for p in report.problems] == ["io-error"]
    assert "over the" in report.problems[0].message


def test_a_folder_that_cannot_be_listed_is_an_error_not_ok(
    tree: Path, monkeypatch: pytest.MonkeyPatch
):
    # Root ignores mode 000, so the refusal is simulated where os.walk lists the folder.
    real = os.scandir

    def locked(path=".", *args):
        if Path(path).name == "professions":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args)

    monkeypatch.setattr(os, "scandir", locked)
    report = validate_paths([tree])
    assert not report.ok and report.io_failed
    assert any("cannot be listed" in p.message for p in report.problems)
    with pytest.raises(TaxonomyDataError, match="cannot be listed"):
        load(tree)


def test_one_file_is_checked_against_the_rest_of_its_taxonomy(tree: Path):
    one = next((tree / "professions").glob("*.yaml"))
    report = validate_paths([one])
    assert report.files_checked == 1
    assert report.ok, [p.as_text() for p in report.errors]
    assert {p.file for p in report.problems} <= {str(one)}


def test_one_broken_file_reports_only_its_own_problems(tree: Path):
    one = tree / "professions" / "counsellor.yaml"
    text = one.read_text(encoding="utf-8")
    one.write_text(text.replace("group: ", "group: no-such-", 1), encoding="utf-8")
    report = validate_paths([one])
    assert report.errors and all(p.file == str(one) for p in report.problems)


def test_a_key_given_twice_is_refused_with_file_and_line(tree: Path):
    # The lead's decision: refused, not the first (or the last) value kept silently.
    path = tree / "professions" / "counsellor.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("name:"))
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at + 1, f"{indent}name: Counselor\n")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TaxonomyDataError) as err:
        load(tree)
    assert f"counsellor.yaml:{at + 2}:" in str(err.value) and "'name'" in str(err.value)
    assert f"first at line {at + 1}" in str(err.value)
    report = validate_paths([tree])
    (dup,) = [p for p in report.problems if p.rule == "yaml-duplicate-key"]
    assert dup.severity == "error" and dup.line == at + 2 and "refused" in dup.message
    assert not report.ok


def test_the_loader_refuses_an_empty_file(tree: Path):
    (tree / "sources" / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(TaxonomyDataError, match="empty"):
        load(tree)


@pytest.mark.parametrize("kind", ["two links", "self"])
def test_a_symlink_loop_is_an_io_error_not_a_traceback(tree: Path, kind: str):
    # Python 3.11's Path.resolve raises RuntimeError (not OSError) on a loop.
    a = tree / "sources" / "a.yaml"
    if kind == "self":
        a.symlink_to(a.name)
    else:
        (tree / "sources" / "b.yaml").symlink_to("a.yaml")
        a.symlink_to("b.yaml")
    report = validate_paths([tree])
    looped = [p for p in report.problems if p.rule == "io-error"]
    assert looped and all("symbolic link loop" in p.message for p in looped)
    assert report.io_failed
    assert [p.rule for p in validate_paths([a]).problems] == ["io-error"]
    with pytest.raises(TaxonomyDataError, match="symbolic link loop"):
        load(tree)
