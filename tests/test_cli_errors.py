"""Every command but ``audit`` (tests/test_audit.py has its own battery) answers bad input
with one ``error:`` line on stderr and exit 2: no traceback, no multi-line usage block.
(``lookup`` of a label nothing has is an answer, exit 1, not an error.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy.cli import main

BAD = "\udcff"  # a lone surrogate, as a non-UTF-8 argument arrives from the shell


def _cases(tmp: Path) -> list[list[str]]:
    missing = str(tmp / "missing")
    fifo = tmp / "pipe.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    notyaml = tmp / "notes.txt"
    notyaml.write_text("x", encoding="utf-8")
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    return [
        ["nosuch"],
        ["lookup"],
        ["codes"],
        ["codes", "no-such-profession"],
        ["codes", "counsellor", "no-such-level"],
        ["codes", "counsellor", "--system", "nope"],
        ["codes", "counsellor", "--system"],
        ["validate", missing],
        ["validate", str(empty)],
        ["validate", "--format", "xml"],
        ["match"],
        ["match", "x", "--nope"],
        ["build", "--out", "/proc/pptaxonomy-nope"],
        ["diff"],
        ["diff", missing, missing],
        ["diff", "a", "b", "--format", "xml"],
        ["diff", "taxonomy", "taxonomy", "-o", str(tmp / "no" / "such" / "d.md")],
        ["release-ids", missing],
        ["rules", "--format", "xml"],
        ["site", "--out", "/proc/pptaxonomy-nope"],
        ["site", "--out", str(tmp / "s"), "--taxonomy", missing],
        ["site", "--out", str(tmp / "s"), "--artefacts", missing],
        ["site", "--out", str(notyaml)],
    ]


CASE_COUNT = 23


def test_the_battery_is_complete(tmp_path: Path):
    assert len(_cases(tmp_path)) == CASE_COUNT


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_arguments_give_one_error_line_and_exit_2(tmp_path: Path, index: int):
    args = _cases(tmp_path)[index]
    cwd = Path(__file__).resolve().parents[1]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}"
    )
    assert result.exit_code == 2, (args, result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
    assert "Traceback" not in result.output + result.stderr


def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch):
    import pptaxonomy

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pptaxonomy, "load", interrupted)
    result = CliRunner().invoke(main, ["codes", "counsellor"])
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted"


def test_match_json_is_one_record_a_line_whatever_the_title():
    import json

    title = "Clinical\u2028Psychologist\u2029 x\x7f y\x85"
    result = CliRunner().invoke(main, ["match", "--json", title, "PWP"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["title"] == title
