"""``match_expr(column)``: the matcher as a Polars expression (optional extra ``polars``).

    >>> import polars as pl, pptaxonomy.polars  # doctest: +SKIP
    >>> df = pl.scan_parquet("snapshots/*.parquet")  # doctest: +SKIP
    >>> df.with_columns(pp=pptaxonomy.polars.match_expr("Position Title")).unnest("pp")

Each batch's distinct titles are read once (``map_batches``), then joined back to its rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import Taxonomy

__all__ = ["match_expr"]


def match_expr(column: str, taxonomy: Taxonomy | None = None) -> Any:
    """A ``pl.Expr``: a struct of ``pp_profession_id``, ``pp_group_id``, ``pp_level_id``,
    ``pp_status``, ``pp_score`` and ``pp_method`` for each title of ``column`` (NULL reads as
    the empty title)."""
    import polars as pl

    from .matcher import matcher_for

    matcher = matcher_for(taxonomy)
    fields = {
        "pp_profession_id": pl.String,
        "pp_group_id": pl.String,
        "pp_level_id": pl.String,
        "pp_status": pl.String,
        "pp_score": pl.Float64,
        "pp_method": pl.String,
    }
    dtype = pl.Struct(fields)

    def read(titles: pl.Series) -> pl.Series:
        distinct = titles.fill_null("").unique()
        found = [matcher.match(t) for t in distinct.to_list()]
        table = pl.DataFrame(
            {
                "t": distinct,
                "pp": pl.Series(
                    [
                        {
                            "pp_profession_id": m.profession_id,
                            "pp_group_id": m.group_id,
                            "pp_level_id": m.level_id,
                            "pp_status": m.status,
                            "pp_score": round(m.score, 2),
                            "pp_method": m.method,
                        }
                        for m in found
                    ],
                    dtype=dtype,
                ),
            }
        )
        rows = pl.DataFrame({"t": titles.fill_null("")})
        return rows.join(table, on="t", how="left", maintain_order="left")["pp"]

    return pl.col(column).map_batches(read, return_dtype=dtype)
