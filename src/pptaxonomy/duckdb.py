"""``pp_match(title)`` in DuckDB: the matcher as a SQL function, for notebook users.

    >>> import duckdb, pptaxonomy.duckdb
    >>> con = duckdb.connect()
    >>> pptaxonomy.duckdb.register(con)  # doctest: +SKIP
    >>> con.sql("SELECT pp_match('Senior Clinical Psychologist').level_id").fetchone()
    ('senior',)

Over a Parquet folder of monthly snapshots, match each distinct title once and join back::

    WITH m AS (SELECT t, pp_match(t) AS pp FROM (SELECT DISTINCT "Position Title" AS t
               FROM 'snapshots/*.parquet'))
    SELECT s.*, unnest(m.pp) FROM 'snapshots/*.parquet' s JOIN m ON s."Position Title" = m.t

The function is a plain Python UDF (no pyarrow needed); the matcher caches its readings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import Taxonomy

__all__ = ["FIELDS", "register"]

#: The fields of the struct ``pp_match`` returns, with their DuckDB types.
FIELDS = (
    ("profession_id", "VARCHAR"),
    ("group_id", "VARCHAR"),
    ("level_id", "VARCHAR"),
    ("status", "VARCHAR"),
    ("score", "DOUBLE"),
    ("method", "VARCHAR"),
)


def register(con: Any, name: str = "pp_match", taxonomy: Taxonomy | None = None) -> None:
    """Register ``name(title VARCHAR) -> STRUCT(...)`` (``FIELDS``) on the connection ``con``.

    A NULL title reads as the empty title (status ``unknown``), as in the audit.
    """
    import duckdb

    from .matcher import matcher_for

    matcher = matcher_for(taxonomy)

    def pp_match(title: str | None) -> dict[str, Any]:
        m = matcher.match(title or "")
        return {
            "profession_id": m.profession_id,
            "group_id": m.group_id,
            "level_id": m.level_id,
            "status": m.status,
            "score": round(m.score, 2),
            "method": m.method,
        }

    struct = duckdb.struct_type({n: duckdb.sqltype(t) for n, t in FIELDS})
    con.create_function(
        name,
        pp_match,
        [duckdb.sqltype("VARCHAR")],
        struct,
        null_handling="special",
        side_effects=False,
    )
