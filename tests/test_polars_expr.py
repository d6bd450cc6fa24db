"""``pptaxonomy.polars.match_expr``: the matcher as a Polars expression (extra ``polars``)."""

from __future__ import annotations

import pytest

pl = pytest.importorskip("polars", reason="the polars extra is not installed")

import pptaxonomy.polars  # noqa: E402
from pptaxonomy.matcher import matcher_for  # noqa: E402

TITLES = ["Senior Clinical Psychologist - CAMHS", "Trainee PWP", "Consultant Psychiatrist", None]


def test_match_expr_over_monthly_parquet_files_equals_the_matcher(tmp_path):
    for i, month in enumerate(("2025-01", "2025-02")):
        pl.DataFrame({"title": TITLES[i:] + TITLES[:i]}).write_parquet(
            tmp_path / f"{month}.parquet"
        )
    out = (
        pl.scan_parquet(tmp_path / "*.parquet")
        .with_columns(pp=pptaxonomy.polars.match_expr("title"))
        .unnest("pp")
        .collect()
    )
    assert out.height == 2 * len(TITLES)
    matcher = matcher_for()
    for row in out.iter_rows(named=True):
        r = matcher.match(row["title"] or "")
        assert (row["pp_profession_id"], row["pp_level_id"], row["pp_status"]) == (
            r.profession_id,
            r.level_id,
            r.status,
        )
        assert row["pp_score"] == round(r.score, 2) and row["pp_method"] == r.method
    assert set(out["pp_status"]) == {"matched", "not-psychological", "unknown"}
