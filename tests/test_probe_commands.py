"""The reliability probe's command cases (``../shared/reviews/reliability-probe-2026-12.md``,
tables "Validate", "Diff", "Match, lookup, codes" and "Build and site"), one parametrised
case per probe entry: the exit code, one line on stderr for an error, never a traceback, a
time limit (the probe's hangs), and what the review expects of the output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy._data import taxonomy_dir
from pptaxonomy.cli import main

REPO = Path(__file__).resolve().parents[1]
PROF = "professions/counsellor.yaml"


@dataclass
class Case:
    make: Callable[[Path], list[str]]  # sets up under the folder; the CLI arguments
    code: int | tuple[int, ...]
    #: A substring of stdout+stderr (a rule id, a message) that must appear.
    shows: str | None = None
    one_line_error: bool = False
    check: Callable[[Path, object], None] | None = None
    limit: float = 10.0
    stdin: bytes | None = None


def tree(t: Path) -> Path:
    """A copy of the shipped taxonomy under ``t/taxonomy``, in the repository layout (with
    ``releases/``), that a case may break."""
    root = t / "taxonomy"
    if not root.exists():
        shutil.copytree(taxonomy_dir(), root)
        shutil.copytree(REPO / "releases", t / "releases")
    return root


def edit(t: Path, rel: str, change: Callable[[str], str]) -> Path:
    path = tree(t) / rel
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def add(t: Path, rel: str, data: str | bytes) -> Path:
    path = tree(t) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def validate(make_file: Callable[[Path], object]) -> Callable[[Path], list[str]]:
    def make(t: Path) -> list[str]:
        make_file(t)
        return ["validate", str(tree(t))]

    return make


def validate_named(make_file: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda t: ["validate", str(make_file(t))]


def _bomb(t: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    add(t, "sources/bomb.yaml", "\n".join(lines) + "\n")


def _anchor(t: Path) -> None:
    edit(t, PROF, lambda s: s.replace("name:", "name: &n", 1) + "\nextra_alias: *n\n")


def _deep_block(t: Path) -> None:
    # (one-space indents keep the file under the 8 MB cap that two would pass)
    add(t, "sources/deep.yaml", "".join(" " * i + f"k{i}:\n" for i in range(2000)))


def _name_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith("name:"))


def _duplicate_key(text: str) -> str:
    line = _name_line(text)
    return text.replace(line, f"{line}\n{line.split(':')[0]}: Counselor", 1)


def _tab_in_value(text: str) -> str:
    line = _name_line(text)
    return text.replace(line, line.replace("Counsellor", "Coun\tsellor"), 1)


def _tab_indent(text: str) -> str:
    line = _name_line(text)
    return text.replace(line, "\t" + line.lstrip(), 1)


def _fifo(t: Path) -> Path:
    path = tree(t) / "sources" / "pipe.yaml"
    os.mkfifo(path)
    return path


def _zero(t: Path) -> Path:
    path = tree(t) / "sources" / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


def _links(t: Path) -> None:
    root = tree(t)
    (root / "sources" / "up").symlink_to("..")
    (root / "sources" / "rootlink").symlink_to(root)
    (root / "sources" / "self.yaml").symlink_to("self.yaml")
    (root / "sources" / "a.yaml").symlink_to("b.yaml")
    (root / "sources" / "b.yaml").symlink_to("a.yaml")
    (root / "sources" / "dangling.yaml").symlink_to("nowhere.yaml")
    os.mkfifo(root / "sources" / "pipe.yaml")
    (root / "sources" / "zero.yaml").symlink_to("/dev/zero")


SECRET = "https://ci-bot:ghp_FAKEFAKEFAKE1234567890abcdef@github.com"


def _outside_link(t: Path) -> None:
    secret = t / "creds.txt"
    secret.write_text(f"{SECRET}\nAWS_SECRET_ACCESS_KEY: x\nroot:x:0:0:root:/root:/bin/bash\n")
    (tree(t) / "sources" / "creds.yaml").symlink_to(secret)


def _not_echoed(t: Path, result) -> None:
    assert "ghp_FAKE" not in result.output and "AWS_SECRET" not in result.output
    assert "root:x:0" not in result.output


def _many_sources(t: Path) -> None:
    for i in range(3000):
        add(t, f"sources/extra/s{i}.yaml", "sources: []\n")


def _five_mb_name(text: str) -> str:
    line = _name_line(text)
    return text.replace(line, line.split(":")[0] + ": " + "N" * 5_000_000, 1)


def _foreign_folder(t: Path) -> Path:
    (t / "mine").mkdir()
    (t / "mine" / "precious.txt").write_text("x")
    return t / "mine"


def _no_file(path: Path) -> None:
    assert not path.exists(), "the YAML ran code"


def _removed_profession(t: Path) -> None:
    (tree(t) / "professions" / "music-therapist.yaml").unlink()


def _code_list(t: Path, change: Callable[[str], str]) -> None:
    edit(t, "codes/sds-job-role-codes.csv", change)


def _diff_side(change: Callable[[Path], object]) -> Callable[[Path], list[str]]:
    def make(t: Path) -> list[str]:
        change(t)
        return ["diff", str(taxonomy_dir()), str(tree(t))]

    return make


def _git_repo(t: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(t / "g")], check=True)
    return t / "g"


def _json_lines(expected: int):
    def check(t: Path, result) -> None:
        lines = result.stdout.splitlines()
        assert len(lines) == expected, lines
        for line in lines:
            json.loads(line)

    return check


def _sanitised(t: Path, result) -> None:
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


def _statuses(*want: str):
    def check(t: Path, result) -> None:
        got = [json.loads(line)["status"] for line in result.stdout.splitlines()]
        assert got == list(want), got

    return check


CASES: dict[str, Case] = {
    # ---- Validate
    "billion-laughs alias bomb": Case(validate(_bomb), 1, "yaml-alias", limit=3),
    "an anchor and alias inside a real file": Case(validate(_anchor), 1, "yaml-alias"),
    "100 MB YAML (over the size cap)": Case(
        validate(lambda t: add(t, "sources/big.yaml", "sources:\n" + "  - {id: s}\n" * 900_000)),
        2,
        "over the 8 MB limit",
        limit=5,
    ),
    "a 100 MB single scalar (over the size cap)": Case(
        validate(lambda t: add(t, "sources/scalar.yaml", "x: " + "y" * 9_000_000 + "\n")),
        2,
        "over the 8 MB limit",
        limit=5,
    ),
    "deep nesting: 2,000-level block": Case(validate(_deep_block), 1, "yaml-depth", limit=3),
    "deep nesting: 100k '['": Case(
        validate(lambda t: add(t, "sources/deep.yaml", "[" * 100_000)), 1, "yaml-", limit=3
    ),
    "deep nesting: 50k '{a:'": Case(
        validate(lambda t: add(t, "sources/deep.yaml", "{a: " * 50_000)), 1, "yaml-", limit=3
    ),
    "duplicate keys": Case(
        validate(lambda t: edit(t, PROF, _duplicate_key)), 1, "yaml-duplicate-key"
    ),
    "tab indentation": Case(validate(lambda t: edit(t, PROF, _tab_indent)), 1, "tab"),
    "tab inside a value": Case(
        validate(lambda t: edit(t, PROF, _tab_in_value)), 0, "text-control-character"
    ),
    "non-UTF-8": Case(
        validate(lambda t: add(t, "sources/bad.yaml", b"sources:\n  - id: caf\xe9\n")),
        1,
        "yaml-encoding",
    ),
    "UTF-16": Case(
        validate(lambda t: add(t, "sources/u16.yaml", "sources: []\n".encode("utf-16"))),
        1,
        "yaml-encoding",
    ),
    "UTF-8 BOM": Case(validate(lambda t: edit(t, PROF, lambda s: "\ufeff" + s)), 0, "ok: "),
    "NUL byte": Case(
        validate(lambda t: add(t, "sources/nul.yaml", b"sources: []\n\0\n")), 1, "yaml-syntax"
    ),
    "symlink loops, dangling link, FIFO, /dev/zero inside the folder": Case(
        validate(_links), 2, "symbolic link loop", limit=5
    ),
    "a FIFO passed by name": Case(validate_named(_fifo), 2, "io-error", limit=3),
    "a link to /dev/zero passed by name": Case(validate_named(_zero), 2, "io-error", limit=3),
    "a file linking outside the tree (a secrets file)": Case(
        validate(_outside_link), 2, "outside the taxonomy folder", check=_not_echoed
    ),
    "a folder named x.yaml in a folder": Case(
        validate(lambda t: (tree(t) / "sources" / "x.yaml").mkdir()), 0, "ok: "
    ),
    "a folder named x.yaml passed by name": Case(
        lambda t: ["validate", str(Path(t / "x.yaml").mkdir() or t / "x.yaml")],
        2,
        "no *.yaml files",
    ),
    "unknown fields": Case(
        validate(lambda t: edit(t, PROF, lambda s: s + "nmae: x\n")), 1, "unknown-field"
    ),
    "id collision across files": Case(
        validate(
            lambda t: shutil.copy(tree(t) / PROF, tree(t) / "professions" / "counsellor-2.yaml")
        ),
        1,
        "duplicate-id",
    ),
    "empty file": Case(validate(lambda t: add(t, "sources/e.yaml", "")), 1, "yaml-empty"),
    "comments only": Case(validate(lambda t: add(t, "sources/e.yaml", "# x\n")), 1, "yaml-empty"),
    "several documents": Case(
        validate(lambda t: add(t, "sources/e.yaml", "sources: []\n---\nsources: []\n")),
        1,
        "yaml-syntax",
    ),
    "!!python/object/apply tag": Case(
        validate(
            lambda t: add(
                t, "sources/e.yaml", "x: !!python/object/apply:os.system ['touch pwned']\n"
            )
        ),
        1,
        "yaml-tag",
        check=lambda t, r: _no_file(t / "pwned"),
    ),
    "non-string keys": Case(
        validate(lambda t: add(t, "sources/e.yaml", "1: x\ntrue: y\n")), 1, "yaml-key-type"
    ),
    "complex keys": Case(
        validate(lambda t: add(t, "sources/e.yaml", "? [a, b]\n: x\n")), 1, "yaml-key-type"
    ),
    "root a list": Case(validate(lambda t: add(t, "sources/e.yaml", "- a\n")), 1, ":1:1:"),
    "root a scalar": Case(validate(lambda t: add(t, "sources/e.yaml", "just text\n")), 1, ":1:1:"),
    "code list tampered": Case(
        validate(lambda t: _code_list(t, lambda s: s.replace("\n", "x\n", 2))),
        1,
        "code-list-checksum",
    ),
    "code list missing": Case(
        validate(lambda t: (tree(t) / "codes" / "sds-job-role-codes.csv").unlink()),
        (1, 2),
        "sds-job-role-codes.csv",
    ),
    "removed profession file (repository layout)": Case(
        validate(_removed_profession), 1, "released-id-missing"
    ),
    "VERSION missing": Case(
        validate(lambda t: (tree(t) / "VERSION").unlink()), 0, "no VERSION file"
    ),
    "VERSION garbage bytes": Case(
        validate(lambda t: (tree(t) / "VERSION").write_bytes(b"\xff\xfe\0garbage")),
        0,
        "version-file",
    ),
    "3,000 extra source files": Case(validate(_many_sources), 0, "ok: ", limit=20),
    "a 5 MB name": Case(
        validate(lambda t: edit(t, PROF, _five_mb_name)), 1, "text-too-long", limit=5
    ),
    # ---- Diff
    "diff: a git ref that does not exist": Case(
        lambda t: ["diff", "no-such-ref-xyz", str(taxonomy_dir())], 2, one_line_error=True
    ),
    "diff: a missing directory": Case(
        lambda t: ["diff", str(t / "nope"), str(taxonomy_dir())], 2, one_line_error=True
    ),
    "diff: a file": Case(
        lambda t: ["diff", str(taxonomy_dir() / "groups.yaml"), str(taxonomy_dir())],
        2,
        one_line_error=True,
    ),
    "diff: a ref outside a git repository": Case(
        lambda t: ["diff", "HEAD", str(_git_repo(t))], 2, one_line_error=True
    ),
    "diff: an option-like ref": Case(
        lambda t: ["diff", "--", f"--output={t / 'x'}", str(taxonomy_dir())],
        2,
        one_line_error=True,
        check=lambda t, r: not (t / "x").exists() or pytest.fail("written"),
    ),
    "diff: two identical trees (md)": Case(
        lambda t: ["diff", str(taxonomy_dir()), str(tree(t))], 0, "No changes"
    ),
    "diff: two identical trees (json)": Case(
        lambda t: ["diff", str(taxonomy_dir()), str(tree(t)), "--format", "json"],
        0,
        check=lambda t, r: json.loads(r.stdout),
    ),
    "diff: a removed id": Case(_diff_side(_removed_profession), 1, "id-removed"),
    "diff: a side with a syntax error": Case(
        _diff_side(lambda t: add(t, "sources/e.yaml", "x: [\n")), 2, one_line_error=True
    ),
    "diff: a side with an alias bomb": Case(_diff_side(_bomb), 2, one_line_error=True, limit=5),
    "diff: a side with deep nesting": Case(
        _diff_side(lambda t: add(t, "sources/deep.yaml", "[" * 100_000)),
        2,
        one_line_error=True,
        limit=5,
    ),
    "diff: a side with non-UTF-8": Case(
        _diff_side(lambda t: add(t, "sources/bad.yaml", b"x: caf\xe9\n")), 2, one_line_error=True
    ),
    "diff: a side with an unhashable key": Case(
        _diff_side(lambda t: add(t, "sources/e.yaml", "? [a, b]\n: x\n")), 2, one_line_error=True
    ),
    "diff: a side with duplicate keys (refused)": Case(
        _diff_side(lambda t: edit(t, PROF, _duplicate_key)), 2, "given twice", one_line_error=True
    ),
    "diff: a side with an empty file": Case(
        _diff_side(lambda t: add(t, "sources/e.yaml", "")), 2, "empty", one_line_error=True
    ),
    "diff -o into a missing folder": Case(
        lambda t: ["diff", str(taxonomy_dir()), str(taxonomy_dir()), "-o", str(t / "no" / "d")],
        2,
        one_line_error=True,
    ),
    # ---- Match, lookup, codes
    "match: empty, spaces, punctuation only": Case(
        lambda t: ["match", "--json", "--", "", "   ", "-/-/-"],
        0,
        check=_statuses("unknown", "unknown", "unknown"),
    ),
    "match: a 10k-character title": Case(
        lambda t: ["match", "--json", "Clinical Psychologist " + "y" * 10_000], 0, limit=3
    ),
    "match: 800 repeated words": Case(
        lambda t: ["match", "--json", "Clinical Psychologist " * 800], 0, limit=3
    ),
    "match: a 1M-character one-word title": Case(
        lambda t: ["match", "--json", "x" * 1_000_000], 0, limit=3, check=_json_lines(1)
    ),
    "match --json: control characters, U+2028, DEL, BOM": Case(
        lambda t: ["match", "--json", "a\x01b", "Clinical\u2028Psychologist", "x\x7f", "\ufeffPWP"],
        0,
        check=_json_lines(4),
    ),
    "match: terminal table with ESC, OSC, RLO": Case(
        lambda t: ["match", "\x1b[2J\x1b]8;;http://x\x07PWP", "\u202eCounsellor"],
        0,
        check=_sanitised,
    ),
    "match --json: a lone surrogate": Case(
        lambda t: ["match", "--json", "Clinical \udcff Psychologist"], 0, check=_json_lines(1)
    ),
    "match -: CRLF": Case(
        lambda t: ["match", "--json", "-"], 0, stdin=b"PWP\r\nCounsellor\r\n", check=_json_lines(2)
    ),
    "match -: invalid bytes": Case(
        lambda t: ["match", "--json", "-"], 0, stdin=b"Caf\xe9\n\xff\xfe\n", check=_json_lines(2)
    ),
    "match -: binary": Case(
        lambda t: ["match", "--json", "-"],
        0,
        stdin=bytes(range(256)) * 4,
        check=lambda t, r: [json.loads(x) for x in r.stdout.splitlines()],
    ),
    "match -: empty": Case(lambda t: ["match", "--json", "-"], 0, stdin=b"", check=_json_lines(0)),
    "match -: 20k lines": Case(
        lambda t: ["match", "--json", "-"],
        0,
        stdin=b"".join(f"Clinical Psychologist {i % 300}\n".encode() for i in range(20_000)),
        check=_json_lines(20_000),
        limit=30,
    ),
    "match: 5,000 arguments": Case(
        lambda t: ["match", "--json", *[f"Counsellor {i}" for i in range(5000)]],
        0,
        check=_json_lines(5000),
        limit=20,
    ),
    "lookup: empty": Case(lambda t: ["lookup", ""], 1, one_line_error=True),
    "lookup: 10k characters": Case(lambda t: ["lookup", "x" * 10_000], 1, one_line_error=True),
    "lookup: control characters": Case(
        lambda t: ["lookup", "\x1b[2Jx\x07"],
        1,
        one_line_error=True,
        check=lambda t, r: "\x1b" not in r.output or pytest.fail("raw ESC"),
    ),
    "codes: unknown profession": Case(lambda t: ["codes", "nope"], 2, one_line_error=True),
    "codes: bad level": Case(lambda t: ["codes", "counsellor", "nope"], 2, one_line_error=True),
    "codes --system nope": Case(
        lambda t: ["codes", "counsellor", "--system", "nope"], 2, "unknown code system"
    ),
    # ---- Build and site
    "build into a folder whose parent is missing": Case(
        lambda t: ["build", "--out", str(t / "a" / "b")],
        0,
        check=lambda t, r: (t / "a" / "b" / "artefacts").is_dir() or pytest.fail("no artefacts"),
        limit=120,
    ),
    "site into a non-empty foreign folder": Case(
        lambda t: [
            "site",
            "--out",
            str(
                (t / "mine").mkdir()
                or ((t / "mine" / "precious.txt").write_text("x") and t / "mine")
            ),
            "--artefacts",
            str(REPO),
        ],
        2,
        "not empty",
        check=lambda t, r: (t / "mine" / "precious.txt").read_text() == "x" or pytest.fail(),
    ),
    "site with a broken taxonomy": Case(
        lambda t: [
            "site",
            "--taxonomy",
            str(add(t, "sources/e.yaml", "x: [\n").parents[1]),
            "--out",
            str(t / "s"),
        ],
        2,
        "not valid YAML",
        one_line_error=True,
    ),
    "site with duplicate-key YAML (refused)": Case(
        lambda t: [
            "site",
            "--taxonomy",
            str(edit(t, PROF, _duplicate_key).parents[1]),
            "--out",
            str(t / "s"),
        ],
        2,
        "given twice",
        one_line_error=True,
    ),
}

#: Probe entries run elsewhere: a full disk or read-only folder, permissions root ignores.
ELSEWHERE = {
    "unreadable file / professions/ folder": "test_safe_files.py (os.scandir refusal)",
    "site / build on a full disk or read-only folder": "test_site_errors.py",
    "diff -o into a read-only folder": "the same write path as 'diff -o into a missing folder'",
    "invalid UTF-8 in argv": "test_match_cli_input.py::"
    "test_the_real_command_with_bad_bytes_in_argv_and_stdin",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_probe_command_case(tmp_path: Path, name: str, monkeypatch) -> None:
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    args = case.make(tmp_path)
    started = time.monotonic()
    result = CliRunner().invoke(main, args, input=case.stdin)
    elapsed = time.monotonic() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    assert result.exit_code in codes, (result.stdout[-800:], result.stderr[-800:])
    assert elapsed < case.limit, f"{elapsed:.1f} s"
    if case.shows is not None:
        assert case.shows in result.output, result.output[-1500:]
    if case.one_line_error:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "Traceback" not in lines[0]
    result.output.encode("utf-8")  # whatever came in, the output is valid UTF-8
    if case.check is not None:
        case.check(tmp_path, result)


def test_the_real_commands_with_a_hostile_tree_never_hang(tmp_path: Path) -> None:
    """The FIFO and /dev/zero cases through the installed command (a real process: a hang
    is a timeout here, not a stuck test runner)."""
    _links(tmp_path)
    exe = Path(sys.executable).with_name("pptaxonomy")
    for args in (
        ["validate", str(tree(tmp_path))],
        ["diff", str(taxonomy_dir()), str(tree(tmp_path))],
    ):
        proc = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
