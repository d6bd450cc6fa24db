"""``pptaxonomy match`` on input that is not valid UTF-8: lone surrogates in an argument and
undecodable bytes on standard input give U+FFFD, valid UTF-8 JSON lines, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy.cli import main


@pytest.mark.parametrize("title", ["Clinical \udcff Psychologist", "Clinical \ud800 Psychologist"])
@pytest.mark.parametrize("as_json", [True, False])
def test_a_lone_surrogate_in_a_title_is_replaced_not_a_traceback(title, as_json):
    args = ["match", *(["--json"] if as_json else []), title]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, repr(result.exception)
    result.output.encode("utf-8")  # strict: valid UTF-8
    if as_json:
        (line,) = result.output.splitlines()
        record = json.loads(line)
        assert record["profession_id"] == "clinical-psychologist"
        assert "\udcff" not in record["title"] and "\ud800" not in record["title"]


@pytest.mark.parametrize("as_json", [True, False])
def test_undecodable_bytes_on_stdin_are_replaced(as_json):
    data = b"Clinical Psychologist\r\nCaf\xe9 \xff Counsellor\n\xed\xa0\x80\n"
    args = ["match", *(["--json"] if as_json else []), "-"]
    result = CliRunner().invoke(main, args, input=data)
    assert result.exit_code == 0, repr(result.exception)
    if as_json:
        records = [json.loads(line) for line in result.output.splitlines()]
        assert [r["title"] for r in records][:2] == [
            "Clinical Psychologist",
            "Caf\ufffd \ufffd Counsellor",
        ]
        assert len(records) == 3


def test_the_real_command_with_bad_bytes_in_argv_and_stdin(tmp_path: Path):
    exe = Path(sys.executable).with_name("pptaxonomy")
    env = dict(os.environ, LC_ALL="C.UTF-8", PYTHONIOENCODING="")
    proc = subprocess.run(
        [os.fsencode(exe), b"match", b"--json", b"Clinical \xff Psychologist"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    json.loads(proc.stdout.decode("utf-8"))
    proc = subprocess.run(
        [exe, "match", "--json", "-"], input=b"\xff\xfe\xfa Psychologist\n", capture_output=True
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout.decode("utf-8"))["title"].endswith("Psychologist")


def test_read_lines_splits_like_a_text_file():
    from pptaxonomy.matcher.cli import clean_text, read_lines

    class Raw:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self) -> bytes:
            return self.data

    assert read_lines(Raw(b"\xef\xbb\xbfa\r\nb\rc\n\nd")) == ["a", "b", "c", "", "d"]
    assert read_lines(Raw(b"")) == []
    assert read_lines(Raw(b"a\n")) == ["a"]
    assert clean_text("ok \u2028 text") == "ok \u2028 text"
