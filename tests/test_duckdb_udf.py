"""``pptaxonomy.duckdb.register``: pp_match in SQL answers what the matcher answers."""

from __future__ import annotations

import duckdb

import pptaxonomy.duckdb
from pptaxonomy.matcher import matcher_for

TITLES = [
    "Senior Clinical Psychologist - CAMHS",
    "Trainee PWP",
    "Consultant Psychiatrist",
    "Psychologist",
    "Psychologist, clinical",
    "Psychologue clinicienne",
    "",
]


def test_pp_match_over_a_parquet_folder_equals_the_matcher(tmp_path):
    con = duckdb.connect()
    pptaxonomy.duckdb.register(con)
    for month in ("2025-01", "2025-02"):
        con.execute(
            f"COPY (SELECT unnest($1) AS title) TO '{tmp_path}/{month}.parquet' (FORMAT parquet)",
            [[*TITLES, None]],
        )
    rows = con.execute(
        f"WITH m AS (SELECT t, pp_match(t) AS pp FROM "
        f"(SELECT DISTINCT title AS t FROM '{tmp_path}/*.parquet')) "
        f"SELECT s.title, unnest(m.pp) FROM '{tmp_path}/*.parquet' s "
        f"JOIN m ON s.title IS NOT DISTINCT FROM m.t"
    ).fetchall()
    assert len(rows) == 2 * (len(TITLES) + 1)
    matcher = matcher_for()
    for title, pid, gid, level, status, score, method in rows:
        r = matcher.match(title or "")
        assert (pid, gid, level, status, score, method) == (
            r.profession_id,
            r.group_id,
            r.level_id,
            r.status,
            round(r.score, 2),
            r.method,
        ), title
    assert {r[4] for r in rows} >= {"matched", "not-psychological", "unknown"}
