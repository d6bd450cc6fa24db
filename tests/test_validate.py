"""The validator: one broken fixture per rule, the shipped taxonomy, the CLI and YAML safety.

Fixtures live in tests/data/invalid/. Each starts with ``# expect: <rule-id> <line> [file]``
header lines (``file`` when the problem is in a companion file such as a CSV) and
``# standalone`` when it must be validated alone; the others are validated overlaid on the
shipped taxonomy, so they may refer to shipped identifiers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pptaxonomy import safefiles, yamlsafe
from pptaxonomy.cli import main
from pptaxonomy.validate import RULES, Problem, UsageError, validate_paths
from tests.conftest import REPO, write_yaml

FIXTURES = REPO / "tests" / "data" / "invalid"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.yaml"))
SRC = REPO / "src" / "pptaxonomy"

# Rules that no fixture file can exercise, with the reason and the test that covers them.
NO_FIXTURE = {
    "io-error": "an unreadable file cannot be committed; test_cli_unreadable_file covers it",
    "released-id-missing": "a removal cannot be overlaid on the shipped taxonomy; "
    "tests/test_diff.py::test_released_id_missing covers it",
    "released-id-kind": "needs a released-ids file beside a whole taxonomy copy; "
    "tests/test_diff.py::test_released_id_kind covers it",
}


def read_header(path: Path) -> tuple[list[tuple[str, int, str | None]], bool]:
    """The ``# expect:`` lines and the ``# standalone`` mark of a fixture."""
    expects: list[tuple[str, int, str | None]] = []
    standalone = False
    for line in path.read_bytes().decode("latin-1").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*expect:\s*([a-z0-9-]+)\s+(\d+)(?:\s+(\S+))?\s*$", line)
        if m:
            expects.append((m.group(1), int(m.group(2)), m.group(3)))
        elif line.strip() == "# standalone":
            standalone = True
    return expects, standalone


def fixture_id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def problems_of(fixture: Path, problems: list[Problem]) -> list[Problem]:
    """Problems in the fixture file or, for a fixture in its own folder, its companions."""
    folder = fixture.parent.resolve()
    own_folder = folder != FIXTURES.resolve()
    out = []
    for p in problems:
        where = Path(p.file).resolve()
        if where == fixture.resolve() or (own_folder and where.is_relative_to(folder)):
            out.append(p)
    return out


def test_fixture_folder_is_not_empty():
    assert FIXTURES.is_dir()
    assert len(FIXTURE_FILES) >= 20
    for path in FIXTURE_FILES:
        expects, _ = read_header(path)
        assert expects, f"{path} has no '# expect: <rule> <line>' header"


def test_every_rule_has_a_fixture():
    covered = {rule for path in FIXTURE_FILES for rule, _, _ in read_header(path)[0]}
    assert covered <= set(RULES), f"fixtures expect unregistered rules: {covered - set(RULES)}"
    assert set(NO_FIXTURE) <= set(RULES)
    assert not covered & set(NO_FIXTURE), "a rule listed as untestable has a fixture"
    missing = set(RULES) - covered - set(NO_FIXTURE)
    assert not missing, f"rules without a fixture: {sorted(missing)}"


def test_every_emitted_rule_id_is_registered():
    """Rule ids written in the source are all in RULES (so the docs list every one)."""
    emitted = set(re.findall(r'"(yaml-[a-z-]+)"', (SRC / "yamlsafe.py").read_text()))
    text = (SRC / "validate.py").read_text()
    emitted |= set(re.findall(r'\b(?:at|add)\(\s*"([a-z0-9-]+)"', text))
    assert emitted, "the scan found no rule ids; the pattern is stale"
    assert emitted <= set(RULES), sorted(emitted - set(RULES))
    for rule, info in RULES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule)
        assert info.title and info.description and info.hint
        assert info.severity in ("error", "warning")


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=fixture_id)
def test_fixture_reports_its_rule(fixture: Path, shipped_dir: Path):
    expects, standalone = read_header(fixture)
    report = validate_paths([fixture] if standalone else [shipped_dir, fixture])
    mine = problems_of(fixture, report.problems)
    shown = "\n".join(p.as_text() for p in mine)
    for rule, line, companion in expects:
        target = (fixture.parent / companion if companion else fixture).resolve()
        assert any(
            p.rule == rule and p.line == line and Path(p.file).resolve() == target for p in mine
        ), f"expected {rule} at line {line} of {target.name}; got:\n{shown}"
    expected = {(rule, line) for rule, line, _ in expects}
    at = [(p.rule, p.line, p.col, Path(p.file).name) for p in mine]
    assert len(at) == len(set(at)), f"one defect reported twice (one record per problem):\n{shown}"
    for p in mine:
        if p.rule in {rule for rule, _ in expected}:
            assert (p.rule, p.line) in expected, f"unexpected extra {p.as_text()}"
        else:
            assert p.severity == "warning", f"fixture yields another error:\n{shown}"
    assert not report.ok or all(RULES[r].severity == "warning" for r, _ in expected)


def test_shipped_taxonomy_has_no_errors():
    report = validate_paths()
    assert report.files_checked > 0
    assert report.counts["professions"] > 0
    assert not report.errors, "\n".join(p.as_text() for p in report.errors)


def test_fixtures_leave_the_shipped_taxonomy_clean(shipped_dir: Path):
    """Overlaying a fixture adds problems to the fixture only, never to shipped files."""
    shipped = {p.as_text() for p in validate_paths([shipped_dir]).problems}
    for name in ("duplicate-id.yaml", "label-conflict.yaml", "duplicate-mapping.yaml"):
        report = validate_paths([shipped_dir, FIXTURES / name])
        extra = {p.as_text() for p in report.problems} - shipped
        assert extra and all(name in line for line in extra), extra


def test_problem_positions_point_at_keys_and_items(tmp_path: Path):
    path = write_yaml(
        tmp_path / "t.yaml",
        """\
        sources:
          - id: fixture-source
            title: A title
            url: https://example.org/
            lable: x
          - title: no id
            url: https://example.org/
        """,
    )
    report = validate_paths([path])
    by_rule = {p.rule: p for p in report.problems}
    assert (by_rule["unknown-field"].line, by_rule["unknown-field"].col) == (5, 5)
    assert (by_rule["missing-required"].line, by_rule["missing-required"].col) == (6, 5)


def test_unknown_field_hint_names_the_closest_field(tmp_path: Path):
    path = write_yaml(
        tmp_path / "t.yaml",
        """\
        sources:
          - id: fixture-source
            title: A title
            url: https://example.org/
            publsher: Someone
        """,
    )
    (p,) = [p for p in validate_paths([path]).problems if p.rule == "unknown-field"]
    assert p.hint == "did you mean 'publisher'?"


def test_invalid_enum_hint_names_the_closest_value(shipped_dir: Path):
    report = validate_paths([shipped_dir, FIXTURES / "invalid-enum.yaml"])
    (p,) = [p for p in report.problems if p.rule == "invalid-enum"]
    assert "statutory_regulator" in p.hint


def test_report_counts_and_summary(shipped_dir: Path):
    report = validate_paths([shipped_dir])
    assert report.counts["mappings"] > 0 and report.counts["sources"] > 0
    assert report.files_checked == len(list(shipped_dir.rglob("*.yaml")))
    line = report.summary_line()
    if report.ok:
        assert line.startswith(f"ok: {report.files_checked} files, ")
    else:
        assert re.match(r"\d+ problems? \(\d+ errors?, \d+ warnings?\) in \d+ files", line)


def test_missing_path_raises_usage_error(tmp_path: Path):
    with pytest.raises(UsageError):
        validate_paths([tmp_path / "nope"])


# -- CLI ----------------------------------------------------------------------------------

_LINE = re.compile(r"^.+:\d+:\d+: [a-z0-9-]+: .+$")


def run(*args: str):
    result = CliRunner().invoke(main, ["validate", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert "Traceback" not in result.output
    return result


def test_cli_exit_0_on_a_clean_file(tmp_path: Path):
    path = write_yaml(
        tmp_path / "ok.yaml",
        """\
        sources:
          - id: fixture-source
            title: A title
            url: https://example.org/
        """,
    )
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("ok: 1 file, 0 professions, 0 mappings")
    assert "unused-source: warning:" in result.output


def test_cli_exit_1_and_text_format():
    result = run(str(FIXTURES / "yaml-duplicate-key.yaml"), str(FIXTURES / "unknown-field.yaml"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert all(_LINE.match(line) for line in lines[:-1]), lines
    assert re.match(r"\d+ problems \(\d+ errors, \d+ warnings?\) in 2 files", lines[-1])
    keys = []
    for line in lines[:-1]:
        file, ln, col = line.split(":")[:3]
        keys.append((file, int(ln), int(col)))
    assert keys == sorted(keys)


def test_cli_json_output_parses(shipped_dir: Path):
    result = run(str(shipped_dir), str(FIXTURES / "band-order.yaml"), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["summary"]["files"] >= 2 and data["summary"]["errors"] >= 1
    assert {"professions", "mappings", "warnings", "data_version"} <= set(data["summary"])
    rec = next(p for p in data["problems"] if p["rule"] == "band-order")
    assert set(rec) == {"file", "line", "col", "rule", "severity", "message", "hint"}
    assert rec["severity"] == "error" and rec["line"] > 1


def test_cli_exit_2_on_a_missing_path(tmp_path: Path):
    result = run(str(tmp_path / "does-not-exist"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_cli_exit_2_on_a_directory_without_yaml(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert run(str(tmp_path)).exit_code == 2


def test_cli_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write_yaml(tmp_path / "locked.yaml", "sources: []\n")
    real = safefiles.read_capped

    def refuse(self: Path) -> bytes:
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(safefiles, "read_capped", refuse)
    result = run(str(path))
    assert result.exit_code == 2
    assert "locked.yaml:1:1: io-error: cannot read the file: Permission denied" in result.output


GARBAGE = {
    "binary.yaml": bytes(range(256)) * 4,
    "nul.yaml": b"sources:\n  - id: x\x00y\n",
    "utf16.yaml": "sources: []\n".encode("utf-16"),
    "brackets.yaml": b"[[[{{{:::]]]}}}",
    "dashes.yaml": b"- - - -\n  - : :\n",
    "scalar.yaml": b"just some text\n",
    "list.yaml": b"- a\n- b\n",
    "null.yaml": b"~\n",
    "tabs.yaml": b"sources:\n\t- id: x\n",
    "deep.yaml": b"[" * 100_000 + b"]" * 100_000,
    "deep-block.yaml": b"- " * 100_000 + b"x\n",
    "keys.yaml": b"? [a, b]\n: c\n1: 2\nnull: 3\n",
    "tags.yaml": b"!!python/object/apply:os.system ['echo hacked']\n",
    "multi.yaml": b"sources: []\n---\nsources: []\n...\n---\n",
    "wrong-shapes.yaml": (
        b"sources: {id: x}\nprofessions: [1, [2], {levels_held: 3, labels: [x, null]}]\n"
        b"mappings:\n  - [1]\n  -\n  - {profession: [x], code: {a: 1}, no_match: 'yes'}\n"
        b"levels: [{id: 3, rank: -1, band_min: 8a, band_max: [1]}]\n"
        b"code_systems: [{id: x, code_list_file: [a]}, {id: y, code_list_file: /etc/passwd}]\n"
    ),
}


def test_cli_directory_of_garbage(tmp_path: Path):
    for name, data in GARBAGE.items():
        (tmp_path / name).write_bytes(data)
    result = run(str(tmp_path), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["summary"]["files"] == len(GARBAGE)
    files_with_problems = {Path(p["file"]).name for p in data["problems"]}
    assert files_with_problems == set(GARBAGE)
    assert all(p["line"] >= 1 and p["col"] >= 1 for p in data["problems"])
    assert all(p["rule"] in RULES for p in data["problems"])


def test_cli_billion_laughs_is_fast(tmp_path: Path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = Path(sys.executable).parent / "pptaxonomy"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(script), "validate", str(path)], capture_output=True, text=True, timeout=30
    )
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "yaml-alias" in proc.stdout and "Traceback" not in proc.stderr
    assert elapsed < 5


def test_cli_binary_bytes(tmp_path: Path):
    path = tmp_path / "blob.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    result = run(str(path))
    assert result.exit_code == 1
    assert "yaml-encoding" in result.output


def test_validate_never_imports_linkml():
    code = (
        "import sys; from pptaxonomy.validate import validate_paths; validate_paths(); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('linkml', 'linkml_runtime')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the YAML layer -------------------------------------------------------------------------


def test_yaml_values_and_positions():
    doc = yamlsafe.parse(
        b"a: 1\nb: [x, {c: d}]\nsince: 2023-07-07\nd: yes\ne: '3'\nf: 1.5\ng: ~\nh: 0x1F\n"
    )
    assert doc.value == {
        "a": 1,
        "b": ["x", {"c": "d"}],
        "since": "2023-07-07",
        "d": True,
        "e": "3",
        "f": 1.5,
        "g": None,
        "h": 31,
    }
    assert doc.keys[("b",)] == (2, 1)
    assert doc.values[("b",)] == (2, 4)
    assert doc.values[("b", 1, "c")] == (2, 12)
    assert doc.keys[("b", 1, "c")] == (2, 9)
    assert [p.rule for p in doc.problems] == ["yaml-unquoted-date"]
    assert doc.ok


def test_yaml_matches_pyyaml_on_the_shipped_files(shipped_dir: Path):
    import yaml

    for path in sorted(shipped_dir.rglob("*.yaml")):
        data = path.read_bytes()
        doc = yamlsafe.parse(data)
        assert doc.ok, (path, doc.problems)
        assert doc.value == yaml.load(data, Loader=yaml.SafeLoader), path


@pytest.mark.parametrize(
    ("text", "rule", "line", "col"),
    [
        (b"a: 1\na: 2\n", "yaml-duplicate-key", 2, 1),
        (b"- &x a\n- *x\n", "yaml-alias", 1, 3),
        (b"a: !foo x\n", "yaml-tag", 1, 4),
        (b"a: !!int abc\n", "yaml-tag", 1, 4),
        (b"a: !!set {x}\n", "yaml-tag", 1, 4),
        (b"on: 1\n", "yaml-key-type", 1, 1),
        (b"a: b\n  c: d\n", "yaml-syntax", 2, 3),
        (b"a: caf\xe9\n", "yaml-encoding", 1, 7),
        (b"", "yaml-empty", 1, 1),
        (b"# c\n---\n", "yaml-empty", 1, 1),
        # YAML reads NEL and U+2028 as line breaks; the position is the editor's line
        ("a: 1\x85b: 2\nb: 3\n".encode(), "yaml-duplicate-key", 2, 1),
        ("a: 1\u2028b: 2\nb: 3\n".encode(), "yaml-duplicate-key", 2, 1),
        ("x: 1\n\x85y: 2\nz: 'open\n".encode(), "yaml-syntax", 4, 1),
        (b"a: 1\rb: 2\rb: 3\r", "yaml-duplicate-key", 3, 1),
    ],
)
def test_yaml_problems(text: bytes, rule: str, line: int, col: int):
    doc = yamlsafe.parse(text)
    assert any((p.rule, p.line, p.col) == (rule, line, col) for p in doc.problems), doc.problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_yaml_never_raises_on_any_text(text: str):
    doc = yamlsafe.parse(text)
    assert doc.value is None or isinstance(doc.value, (dict, list, str, int, float, bool))
    assert all(p.rule in RULES for p in doc.problems)


YAMLISH = st.text(alphabet="ab1:-,[]{}&*!?|>'\"#%@`~ \n\t.", max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.one_of(YAMLISH, st.binary(max_size=80)))
def test_yaml_never_raises_on_yamlish_input(data: str | bytes):
    doc = yamlsafe.parse(data)
    assert all(p.rule in RULES and p.line >= 1 and p.col >= 1 for p in doc.problems)


@settings(max_examples=150, deadline=None)
@given(YAMLISH)
def test_validate_never_raises_on_yamlish_files(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.yaml"
        path.write_text(text, encoding="utf-8")
        report = validate_paths([path])
        assert all(p.rule in RULES for p in report.problems)


def test_a_broken_file_does_not_bury_itself_in_unresolved_references(tmp_path: Path):
    """When a file cannot be read, references into it are not reported as unresolved."""
    good = write_yaml(
        tmp_path / "a.yaml",
        """\
        regulators:
          - id: fixture-regulator
            name: Fixture regulator
            regulator_kind: oversight_body
            sources: [fixture-source]
        """,
    )
    broken = write_yaml(tmp_path / "b.yaml", "sources:\n  - id: [fixture-source\n")
    report = validate_paths([good, broken])
    assert [p.rule for p in report.problems] == ["yaml-syntax"]
    assert report.notes and "not checked" in report.notes[0]
    assert [p.rule for p in validate_paths([good]).problems] == ["unresolved-reference"]


def test_yaml_pure_python_fallback_agrees(shipped_dir: Path, monkeypatch: pytest.MonkeyPatch):
    import yaml

    monkeypatch.setattr(yamlsafe, "_Loader", yaml.SafeLoader)
    for path in sorted(shipped_dir.rglob("*.yaml"))[:5]:
        doc = yamlsafe.parse(path.read_bytes())
        assert doc.ok and doc.value == yaml.safe_load(path.read_bytes())
    doc = yamlsafe.parse(b"a: 1\na: 2\nb: !foo x\nc: *x\n")
    assert [(p.rule, p.line) for p in doc.problems] == [
        ("yaml-duplicate-key", 2),
        ("yaml-tag", 3),
        ("yaml-alias", 4),
    ]
    bell = yamlsafe.parse("a: 1\nb: 'é\x07'\n")
    assert [(p.rule, p.line, p.col) for p in bell.problems] == [("yaml-syntax", 2, 6)]
    deep = yamlsafe.parse(b"[" * 10_000 + b"]" * 10_000)
    assert [p.rule for p in deep.problems] == ["yaml-depth"]


def test_a_shipped_profession_losing_its_entry_routes_is_reported(tmp_path: Path):
    """A copy of the shipped taxonomy with one profession's entry_routes cut out fails with
    entry-route-missing at that file; a deprecated profession needs none."""
    import shutil

    import yaml

    copy = tmp_path / "taxonomy"
    shutil.copytree(REPO / "taxonomy", copy)
    target = copy / "professions" / "counsellor.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["professions"][0]["entry_routes"], "the shipped counsellor has entry routes"
    del data["professions"][0]["entry_routes"]
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    report = validate_paths([copy])
    missing = [p for p in report.errors if p.rule == "entry-route-missing"]
    assert [Path(p.file).name for p in missing] == ["counsellor.yaml"], missing
    assert "'counsellor'" in missing[0].message

    data["professions"][0]["deprecated"] = True
    data["professions"][0]["replaced_by"] = "adult-psychotherapist"
    data["professions"][0]["deprecation_reason"] = "A test of the rule's exemption."
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    report = validate_paths([copy])
    assert not [p for p in report.problems if p.rule == "entry-route-missing"]
