"""Bounded fuzzing of the three entry points that read untrusted text (issue 15).

About 10,000 generated cases per run, in process (no subprocess per case): the matcher gets
arbitrary and very long titles, the YAML reader and the validator get mutated copies of a
real profession file, and the audit gets random CSV bytes (delimiters, quoting, encodings,
corrupted bytes, ragged rows). Invariants: no exception other than the documented one, no
case over ``CASE_SECONDS``, the input never changed, an output complete or absent, counts
that add up. ``FUZZ_SCALE`` (an environment variable, default 1) multiplies the case counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pptaxonomy
from pptaxonomy import yamlsafe
from pptaxonomy.audit import AuditError, audit
from pptaxonomy.cli import main
from pptaxonomy.validate import RULES, validate_paths
from tests.conftest import REPO

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
CASE_SECONDS = 2.0
STATUSES = {"matched", "ambiguous", "unknown", "not-psychological"}
PROFESSION = (REPO / "taxonomy" / "professions" / "counsellor.yaml").read_text(encoding="utf-8")


def cases(n: int):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    elapsed = time.perf_counter() - started
    assert elapsed < CASE_SECONDS, f"{elapsed:.2f} s for one case"
    return out


# -- matcher: 7,000 cases ---------------------------------------------------------------------

WORDS = ["clinical", "psychologist", "senior", "band", "8a", "trainee", "cbt", "pwp", "-", "/"]
TITLES = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=30).map(" ".join),
    st.builds(
        lambda c, n: c * n,
        st.characters(),
        st.sampled_from([0, 1, 999, 1000, 1001, 50_000, 1_048_576]),
    ),
    st.builds(lambda w, n: (w + " ") * n, st.sampled_from(WORDS), st.integers(0, 5_000)),
)


@cases(7000)
@given(TITLES)
def test_the_matcher_answers_every_title_quickly(title: str):
    m = timed(pptaxonomy.match, title)
    assert m.status in STATUSES and 0.0 <= m.score <= 1.0
    assert pptaxonomy.match(title) == m  # deterministic (and the cache agrees)


# -- YAML reader and validator: 2,500 + 400 cases ---------------------------------------------

LINES = PROFESSION.splitlines(keepends=True)
EDIT = st.tuples(
    st.sampled_from(["delete", "insert", "indent", "dedent", "duplicate", "swap", "char"]),
    st.integers(0, len(LINES) - 1),
    st.integers(0, 200),
    st.text(alphabet="ab1:-,[]{}&*!?|>'\"#%@`~ \t\x00\x85\u2028é", min_size=1, max_size=6),
)


def mutate(edits) -> str:
    lines = list(LINES)
    for kind, i, j, text in edits:
        i %= len(lines)
        line = lines[i]
        if kind == "delete":
            del lines[i]
        elif kind == "insert":
            lines.insert(i, text + "\n")
        elif kind == "indent":
            lines[i] = " " * (j % 5 + 1) + line
        elif kind == "dedent":
            lines[i] = line[min(j % 5 + 1, len(line) - len(line.lstrip(" "))) :]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "swap":
            k = j % len(lines)
            lines[i], lines[k] = lines[k], lines[i]
        else:
            j %= len(line) + 1
            lines[i] = line[:j] + text + line[j:]
        if not lines:
            lines = ["\n"]
    return "".join(lines)


@cases(2500)
@given(st.lists(EDIT, min_size=1, max_size=4))
def test_the_yaml_reader_reports_every_mutation_with_a_position(edits):
    doc = timed(yamlsafe.parse, mutate(edits))
    lines = mutate(edits).count("\n") + 2
    for p in doc.problems:
        assert p.rule in RULES and 1 <= p.line <= lines and p.col >= 1 and p.message


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@cases(400)
@given(st.lists(EDIT, min_size=1, max_size=3))
def test_the_validator_gives_structured_problems_for_every_mutation(scratch, edits):
    path = scratch / "counsellor.yaml"
    text = mutate(edits)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    report = timed(validate_paths, [path])
    for p in report.problems:
        assert p.rule in RULES and p.file == str(path) and p.line >= 1 and p.col >= 1
        assert ":" in p.as_text() and "\n" not in p.as_text()


# -- audit: 100 + 20 cases --------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["Clinical Psychologist", "PWP", "S1L", "", '"', '""', "a,b", "x\ny", ";"]),
    st.text(max_size=30),
)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=25)


@st.composite
def extracts(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, escapechar="\\")
    writer.writerow(["Assignment", "Position Title", "Code"])
    for row in draw(ROWS):
        try:
            writer.writerow(row)
        except csv.Error:  # QUOTE_NONE cannot write a lone empty field: a blank line then
            buf.write("\n")
    text = buf.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, "replace")
    for at, byte in draw(
        st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=3)), max_size=3)
    ):
        at %= len(data) + 1
        data = data[:at] + byte + data[at:]
    return data


@pytest.fixture(scope="module")
def tax():
    return pptaxonomy.load()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cases(100)
@given(extracts())
def test_the_audit_reads_or_refuses_every_extract_and_leaves_no_half_file(tax, scratch, data):
    src = scratch / "in.csv"
    src.write_bytes(data)
    out = scratch / "out" / "rows.csv"
    out.parent.mkdir(exist_ok=True)
    for f in out.parent.iterdir():
        f.unlink()
    before = _digest(src)
    try:
        result = timed(audit, src, "Position Title", "Code", "Assignment", out, taxonomy=tax)
    except AuditError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        assert list(out.parent.iterdir()) == []
    else:
        summary = result.summary
        assert sum(summary["statuses"].values()) == summary["rows"]["audited"]
        assert [p.name for p in out.parent.iterdir()] == ["rows.csv"]
        with out.open(encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in csv.reader(fh)) == summary["rows"]["audited"] + 1
    assert _digest(src) == before


@cases(20)
@given(extracts(), st.sampled_from([[], ["--fail-on", "code-mismatch"], ["--fail-on", "skipped"]]))
def test_the_audit_command_exits_0_1_or_2_and_never_tracebacks(scratch, data, extra):
    src = scratch / "cli.csv"
    src.write_bytes(data)
    args = ["audit", str(src), "--title-column", "Position Title", "--code-column", "Code"]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
