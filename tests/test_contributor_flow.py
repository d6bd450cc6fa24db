"""A data-only pull request made with the contributor's one command (`make check`) passes the
checks CI runs on data: validation and the freshness of the committed artefacts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LABEL = (
    "      - {text: Talking therapies counsellor, label_kind: alternative, "
    "sources: [nhs-england-talking-therapies], confidence: inferred}\n"
)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make"
)
def test_one_new_label_made_with_make_check_passes_the_data_checks(tmp_path: Path):
    clone = tmp_path / "clone"
    _git("clone", "--quiet", "--no-hardlinks", str(REPO), str(clone), cwd=tmp_path)
    path = clone / "taxonomy" / "professions" / "counsellor.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "    labels:\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + LABEL, 1), encoding="utf-8")

    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    pp = f"{sys.executable} -c 'from pptaxonomy.cli import run; run()'"
    check = subprocess.run(
        ["make", "--no-print-directory", "check", "STAMP=", f"PP={pp}"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Talking therapies counsellor" in check.stdout  # the diff names the new label
    changed = _git("status", "--porcelain", cwd=clone)
    assert "taxonomy/professions/counsellor.yaml" in changed
    assert "mappings/" in changed or "artefacts/" in changed  # the artefacts carry labels

    freshness = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_build.py::test_committed_artefacts_are_fresh",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert freshness.returncode == 0, freshness.stdout[-2000:]
