"""`pip install` outside the repository must give a working `pptaxonomy.load()`."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("pptaxonomy-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_ships_every_taxonomy_and_schema_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        p.relative_to(REPO).as_posix()
        for folder in ("taxonomy", "schema")
        for p in (REPO / folder).rglob("*")
        if p.is_file()
    ]
    missing = [e for e in expected if f"pptaxonomy/data/{e}" not in names]
    assert not missing, f"not in the wheel: {missing}"


@pytest.mark.slow
def test_wheel_ships_the_matcher_package_and_its_rules(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "src" / "pptaxonomy" / "matcher"
    expected = [f"pptaxonomy/matcher/{p.name}" for p in package.glob("*.py")]
    expected.append("pptaxonomy/matcher/match_rules.yaml")
    missing = [e for e in expected if e not in names]
    assert not missing, f"not in the wheel: {missing}"


@pytest.mark.slow
def test_wheel_ships_the_audit_profiles_and_national_figures(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    audit = REPO / "src" / "pptaxonomy" / "audit"
    expected = [
        f"pptaxonomy/audit/{p.relative_to(audit).as_posix()}"
        for folder in ("profiles", "national")
        for p in (audit / folder).glob("*.yaml")
    ]
    assert len(expected) >= 3
    missing = [e for e in expected if e not in names]
    assert not missing, f"not in the wheel: {missing}"


@pytest.mark.slow
def test_installed_wheel_loads_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import pptaxonomy, pptaxonomy._data as d\n"
        "t = pptaxonomy.load()\n"
        "print(pptaxonomy.__file__); print(d.data_root())\n"
        "print(len(t.professions), t.lookup('PWP').id, len(t.codes['nhs-occupation-code']))\n"
        "print(pptaxonomy.match('Snr Clin Psych').profession_id)\n"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert out.returncode == 0, out.stderr
    module_file, data_root, summary, matched = out.stdout.strip().splitlines()
    assert matched == "clinical-psychologist"  # the matcher's rules file was installed too
    assert module_file.startswith(str(site))
    assert data_root.startswith(str(site))
    n, pwp, codes = summary.split()
    assert int(n) >= 22 and pwp == "psychological-wellbeing-practitioner" and codes == "945"
