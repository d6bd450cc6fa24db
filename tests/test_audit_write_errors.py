"""Write failures name the output that failed, not the input (the probe's D11): a full disk
(simulated with a file-size limit, which fails writes as a full disk does) on the row output
or on a report is one line naming that file, exit 2, the earlier output kept, no leftovers."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "Assignment Number,Position Title,Occupation Code,Org\n"
LIMIT = 64 * 1024


def _limited(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _audit(tmp_path: Path, *args: str, limit: int = LIMIT) -> subprocess.CompletedProcess:
    src = tmp_path / "in.csv"
    if not src.exists():
        rows = "".join(
            f"A{i},Clinical Psychologist {i % 700},S1L,Organisation {i}\n" for i in range(20_000)
        )
        src.write_text(HEADER + rows, encoding="utf-8")
    exe = Path(sys.executable).with_name("pptaxonomy")
    return subprocess.run(
        [str(exe), "audit", str(src), "--title-column", "Position Title", *args],
        capture_output=True,
        text=True,
        preexec_fn=_limited(limit),
        timeout=120,
        env=dict(os.environ, TMPDIR=str(tmp_path)),
    )


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("name", ["rows.csv", "rows.xlsx"])
def test_a_failed_row_output_names_it_and_keeps_the_old_one(tmp_path: Path, name: str):
    out = tmp_path / name
    out.write_bytes(b"earlier output")
    line = _one_line(_audit(tmp_path, "-o", str(out)))
    assert line.startswith(f"error: {out}: cannot write the row output (")
    assert "in.csv" not in line and '{"' not in line
    assert out.read_bytes() == b"earlier output"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.csv", name])


@pytest.mark.parametrize("name", ["r.json", "r.html"])
def test_a_failed_report_names_it(tmp_path: Path, name: str):
    report = tmp_path / name
    line = _one_line(_audit(tmp_path, "--report", str(report), limit=1000))  # reports: >1 kB
    assert line == f"error: {report}: cannot write the report (File too large)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
