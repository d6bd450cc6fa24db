"""``pptaxonomy site`` and ``diff`` on a failing disk or a broken taxonomy (the probe's D15):
one line on stderr, exit 2, never a traceback, no half-written ``*.tmp-site`` left."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("pptaxonomy")


def _run(*args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [str(EXE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=apply if limit else None,
    )


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_site_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path):
    # A file-size limit fails the big page writes as a full disk does.
    line = _one_line(
        _run("site", "--out", str(tmp_path / "site"), "--artefacts", str(REPO), limit=20_000)
    )
    assert "site: cannot write the site (File too large)" in line
    assert list(tmp_path.iterdir()) == []


@pytest.fixture()
def broken(tmp_path: Path, shipped_dir: Path) -> Path:
    root = tmp_path / "taxonomy"
    shutil.copytree(shipped_dir, root)
    with (root / "groups.yaml").open("a", encoding="utf-8") as fh:
        fh.write("x: [\n")
    return root


def test_site_and_diff_with_a_yaml_error_say_where_on_one_line(tmp_path: Path, broken: Path):
    out = tmp_path / "site"
    site = _one_line(_run("site", "--taxonomy", str(broken), "--out", str(out)))
    diff = _one_line(_run("diff", str(REPO / "taxonomy"), str(broken)))
    for line in (site, diff):
        assert f"{broken / 'groups.yaml'}:" in line and "not valid YAML (" in line
        assert "pptaxonomy validate" in line
    assert not out.exists() and not list(tmp_path.glob("*.tmp-site"))
