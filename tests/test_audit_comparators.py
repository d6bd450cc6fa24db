"""National comparators (``--comparators``): the shipped figures are sourced, a broken file
is refused with the file and the figure named, and the report shows them as other
definitions, never as a total."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pptaxonomy.audit.common import AuditError
from pptaxonomy.audit.comparators import load_comparators, shipped_comparators
from pptaxonomy.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "staff-extract-sample.csv"
SHIPPED = ROOT / "src" / "pptaxonomy" / "audit" / "national" / "england.yaml"


def test_shipped_figures_carry_source_date_and_confidence():
    assert "england" in shipped_comparators()
    comp = load_comparators("england")
    assert comp["figures"]
    for f in comp["figures"]:
        assert f["source"] and f["date"] and f["scope"] and f["measure"]
        assert f["confidence"] in ("verified", "inferred", "unverified")
        assert f["value"] > 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    source: Written answer", "    sourcex: Written answer", "figure 1: missing source"),
        (
            "confidence: verified\n  - id: talking",
            "confidence: sure\n  - id: talking",
            "confidence",
        ),
        ("value: 27800", "value: lots", "value must be a number"),
        (
            "id: talking-therapies-census-2022-counselling",
            "id: esr-psychological-professions-2023-03",
            "used twice",
        ),
        ("figures:\n", "figures: [\n", "england.yaml:"),
    ],
)
def test_a_broken_copy_is_refused_with_file_and_figure(tmp_path, old, new, message):
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "england.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(AuditError, match=r"england\.yaml") as info:
        load_comparators(str(broken))
    assert message in str(info.value)


def _audit(tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    report = tmp_path / "report.html"
    args = ["audit", str(SAMPLE), "--profile", "esr-staff-in-post", "--report", str(report)]
    result = CliRunner().invoke(main, [*args, *extra])
    return result.exit_code, result.output, report


def test_report_shows_figures_as_other_definitions(tmp_path):
    code, _, report = _audit(
        tmp_path, "--baseline", str(tmp_path / "b.csv"), "--comparators", "england"
    )
    assert code == 0
    html = report.read_text(encoding="utf-8")
    section = html[html.index("National figures for comparison") :]
    assert "other definitions" in section
    assert "about 27,800" in section and "2023-03" in section
    assert "https://parallelparliament.co.uk/question/16695" in section
    # the section comes after the extract's own range, before the reconciliation
    assert html.index("At least") < html.index("National figures") < html.index("Reconciliation")


def test_report_without_comparators_has_no_section(tmp_path):
    code, _, report = _audit(tmp_path, "--baseline", str(tmp_path / "b.csv"))
    assert code == 0
    assert "National figures" not in report.read_text(encoding="utf-8")


def test_unknown_comparators_exit_2_before_writing(tmp_path):
    code, output, report = _audit(tmp_path, "--comparators", "wales")
    assert code == 2
    assert "--comparators wales: no such comparator set or file; shipped: england" in output
    assert not report.exists()
