"""Local titles (issue #10): a CSV that wins over the matcher, checked with clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pptaxonomy.local_titles import LocalTitlesError, load_local_titles


def _write(tmp_path, text, name="local.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_local_titles_win_over_the_matcher_and_others_fall_through(tmp_path):
    p = _write(
        tmp_path,
        "title,profession_id,level_id\n"
        "Clinical Psychologist,counselling-psychologist,senior\n"
        "Step 3 Practitioner,cbt-therapist,\n",
    )
    local = load_local_titles(p)
    assert len(local) == 2
    m = local.match("clinical psychologist")
    assert (m.profession_id, m.level_id, m.method, m.score) == (
        "counselling-psychologist",
        "senior",
        "local",
        1.0,
    )
    assert m.group_id == "psychologists"
    assert "line 2" in m.reason
    m = local.match("Step-3 practitioner")
    assert (m.profession_id, m.level_id, m.method) == ("cbt-therapist", None, "local")
    other = local.match("Trainee PWP")
    assert other.method != "local" and other.profession_id == "psychological-wellbeing-practitioner"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("title,profession_id\nA,nope\n", 2, "unknown profession_id 'nope'"),
        ("title,profession_id,level_id\nA,counsellor,wizard\n", 2, "unknown level_id 'wizard'"),
        ("title,profession_id,level_id\nA,counsellor,assistant\n", 2, "does not hold"),
        ("title,profession_id\nA B,counsellor\n a  b ,counsellor\n", 3, "duplicate title"),
        ("title,profession_id\n,counsellor\n", 2, "empty title"),
        ("name,profession\nA,counsellor\n", 1, "header must be"),
        ("title,profession_id\nA,counsellor,senior,x\n", 2, "fields"),
    ],
)
def test_bad_rows_name_file_line_and_reason(tmp_path, text, line, needle):
    p = _write(tmp_path, text)
    with pytest.raises(LocalTitlesError) as err:
        load_local_titles(p)
    assert err.value.line == line
    assert needle in str(err.value)
    assert str(p) in str(err.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(LocalTitlesError, match="cannot read"):
        load_local_titles(tmp_path / "absent.csv")
    with pytest.raises(LocalTitlesError, match="empty file"):
        load_local_titles(_write(tmp_path, ""))


def test_cli_match_titles_option(tmp_path):
    p = _write(tmp_path, "title,profession_id,level_id\nStep 3 Practitioner,cbt-therapist,\n")
    cmd = [str(Path(sys.executable).with_name("pptaxonomy")), "match", "--json", "--titles", str(p)]
    ok = subprocess.run([*cmd, "Step 3 Practitioner"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert '"method": "local"' in ok.stdout
    bad = _write(tmp_path, "title,profession_id\nX,nope\n", "bad.csv")
    cmd[-1] = str(bad)
    res = subprocess.run([*cmd, "x"], capture_output=True, text=True)
    assert res.returncode == 2
    assert f"{bad}:2: unknown profession_id 'nope'" in res.stderr
    assert res.stdout == ""
