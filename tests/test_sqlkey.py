"""The SQL-only path: the key SQL equals ``title_key``, and the title index read through it
agrees with the matcher on every title it resolves (real-title corpus, bench extract)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pptaxonomy.cli import main
from pptaxonomy.matcher import matcher_for
from pptaxonomy.sqlkey import DIALECTS, key_sql, title_key

REPO = Path(__file__).resolve().parents[1]
INDEX = REPO / "mappings" / "title-index.parquet"


def dev_titles() -> list[str]:
    with (REPO / "corpus" / "ons-titles.tsv").open(encoding="utf-8", newline="") as fh:
        return [r["title"] for r in csv.DictReader(fh, delimiter="\t") if r["part"] == "dev"]


def sql_keys(titles: list[str | None]) -> list[str | None]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM "
        "(SELECT unnest($1) AS title, generate_subscripts($1, 1) AS i)",
        [titles],
    )
    return [r[0] for r in con.execute(f"SELECT {key_sql('title')} FROM t ORDER BY i").fetchall()]


def resolve(titles: list[str], *extra: Path) -> dict[str, tuple]:
    """What the SQL path answers for each title it resolves (DuckDB over the Parquet index
    and, ``extra``, indexes of ``pptaxonomy title-index`` loaded next to it)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT DISTINCT unnest($1) AS title", [titles])
    index = " UNION ".join(f"SELECT * FROM '{p}'" for p in (INDEX, *extra))
    rows = con.execute(
        f"SELECT t.title, i.profession_id, i.level_id, i.status, i.score, i.method "
        f"FROM t JOIN ({index}) i ON i.title_key = {key_sql('t.title')} "
        f"WHERE NOT contains(t.title, ',') OR i.comma_safe"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def disagreements(answers: dict[str, tuple]) -> list[tuple]:
    m = matcher_for()
    out = []
    for title, (pid, level, status, score, method) in answers.items():
        r = m.match(title)
        full = (r.profession_id, r.level_id, r.status, round(r.score, 2), r.method)
        if full != (pid, level, status, score, method):
            out.append((title, full, (pid, level, status, score, method)))
    return out


EDGES = [
    "x '-y",
    "a&-b",
    "Well - being",
    "Counselor counselor",
    "",
    "  --  ",
    "Psychologist, Clinical (North)",
    "A || b",
    "drama therapists",
    "Health  Care / co-ordinator",
    "x`y",
    "\\back\\slash",
    "[Senior] {x} <y>",
    "Clinical Psychologist \u2013 CAMHS",
    "caf\u00e9 worker",
    "tab\there",
    "x" * 1001,
]


def test_the_sql_key_equals_title_key_on_every_corpus_title_and_edge_case():
    titles = [*dev_titles(), *EDGES]
    got = sql_keys(titles)
    bad = [(t, g, title_key(t)) for t, g in zip(titles, got, strict=True) if g != title_key(t)]
    assert bad == []
    assert title_key("caf\u00e9 worker") is None and title_key("x" * 1001) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from([*" -'`&+/|,()[]ab9Xz\\", "well", "being", "counselor"]),
            max_size=30,
        ).map("".join),
        min_size=1,
        max_size=20,
    )
)
def test_the_sql_key_equals_title_key_on_random_text(titles):
    assert sql_keys(titles) == [title_key(t) for t in titles]


def test_every_dialect_writes_one_expression_and_an_unknown_one_is_refused():
    for d in DIALECTS:
        assert key_sql("title", d).startswith("CASE WHEN ")
    assert "RLIKE" in key_sql("title", "spark") and "'g'" not in key_sql("title", "spark")
    with pytest.raises(ValueError, match="unknown dialect"):
        key_sql("title", "oracle")


def test_the_index_agrees_with_the_matcher_on_every_corpus_title_it_resolves():
    titles = dev_titles()
    answers = resolve(titles)
    assert disagreements(answers) == []
    share = len(answers) / len(set(titles))
    print(f"\ncorpus (dev): SQL resolves {len(answers)} of {len(set(titles))} titles ({share:.1%})")
    assert share > 0.85  # every dev title is in the index; only commas and non-ASCII remain


def test_the_index_agrees_with_the_matcher_on_the_bench_extract(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import bench_audit
    finally:
        sys.path.pop(0)
    path = tmp_path / "extract.csv"
    bench_audit.generate(path, 50_000)
    con = duckdb.connect()
    counts = dict(
        con.execute(
            f"SELECT \"Position Title\", count(*) FROM read_csv('{path}', all_varchar = true) "
            "GROUP BY 1"
        ).fetchall()
    )
    answers = resolve(list(counts))
    assert disagreements(answers) == []
    rows = sum(counts[t] for t in answers) / sum(counts.values())
    print(
        f"\nbench extract: SQL resolves {len(answers)} of {len(counts)} distinct titles "
        f"({len(answers) / len(counts):.1%}), {rows:.1%} of rows"
    )
    # With the extract's own distinct titles indexed (pptaxonomy title-index) and loaded
    # next to the shipped index: still 0 disagreements, and the 95 % target is met.
    titles = tmp_path / "titles.txt"
    titles.write_text("".join(f"{t}\n" for t in counts), encoding="utf-8")
    own = tmp_path / "own-index.parquet"
    result = CliRunner().invoke(main, ["title-index", str(titles), "-o", str(own)])
    assert result.exit_code == 0, result.output
    answers = resolve(list(counts), own)
    assert disagreements(answers) == []
    rows = sum(counts[t] for t in answers) / sum(counts.values())
    print(
        f"with its own titles: SQL resolves {len(answers)} of {len(counts)} distinct titles "
        f"({len(answers) / len(counts):.1%}), {rows:.1%} of rows"
    )
    assert rows >= 0.95


def test_the_dbt_example_model_carries_the_current_key_sql():
    model = (REPO / "examples" / "dbt" / "models" / "staff_pp.sql").read_text(encoding="utf-8")
    assert key_sql('s."Position Title"', "snowflake") in model
