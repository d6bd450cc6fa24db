"""The readings of the distinct titles, registered in DuckDB as the small tables the passes join."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .statuses import clean_code, code_state, row_status

if TYPE_CHECKING:
    from ..loader import Taxonomy


class _Results:
    """What the audit made of the distinct titles, registered in DuckDB as small tables.

    ``pp_t``: title -> pp_* columns, the reading's status and the title's class;
    ``pp_s``: (class, raw code) -> clean code and ``pp_status``; ``pp_pairs``: ``p1`` with
    each pair's reading and status, for the summary. A status depends only on the title's
    class (reading status and expected codes) and the code, so it is worked out once per
    (class, code), and the row output joins on the title, then on (class, code).

    Titles can be added in batches (``add`` then ``register_titles``): the titles read early
    are registered while DuckDB's first pass is still running.
    """

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.readings: dict[str, Any] = {}  # title -> Match
        self.expected: dict[str, tuple[str, ...]] = {}  # title -> expected codes
        self._codes_of: dict[tuple, tuple[str, ...]] = {}
        self._classes: dict[tuple[str, tuple[str, ...]], int] = {}
        # Few distinct readings among many titles: those go in as a small table ``pp_r``
        # and DuckDB joins them to the titles (fewer, shorter Python lists are quicker).
        self._rows: dict[tuple, int] = {}
        self._titles: list[str] = []
        self._rids: list[int] = []
        self._registered = False

    def add(self, title: str, m: Any) -> None:
        exp = self._expected_codes(m)
        self.readings[title] = m
        self.expected[title] = exp
        c = self._classes.setdefault((m.status, exp), len(self._classes))
        row = (
            m.profession_id or None,
            m.level_id or None,
            f"{m.score:.2f}",
            m.method or None,
            " ".join(exp) or None,
            c,
            m.status,
        )
        self._titles.append(title)
        self._rids.append(self._rows.setdefault(row, len(self._rows)))

    def titles_to_match(self, con) -> list[str]:
        """The titles of ``p1`` not read yet; forgets readings of titles that are not in
        ``p1`` (the rows they left in ``pp_t`` join to nothing)."""
        if not self._registered:
            return [row[0] for row in con.execute("SELECT DISTINCT t FROM p1").fetchall()]
        for (t,) in con.execute("SELECT t FROM pp_t ANTI JOIN p1 USING (t)").fetchall():
            self.readings.pop(t, None)
            self.expected.pop(t, None)
        return [
            row[0]
            for row in con.execute("SELECT DISTINCT t FROM p1 ANTI JOIN pp_t USING (t)").fetchall()
        ]

    def _expected_codes(self, m: Any) -> tuple[str, ...]:
        """Its profession's codes at its level; all candidates' codes if ambiguous."""
        if m.status == "matched":
            key = ((m.profession_id, m.level_id),)
        elif m.status == "ambiguous":
            key = tuple((a.profession_id, a.level_id) for a in m.alternatives)
        else:
            return ()
        found = self._codes_of.get(key)
        if found is None:
            codes: set[str] = set()
            for pid, level in key:
                p = self.taxonomy.professions.get(pid)
                if p is not None:
                    lv = level if level in p.level_ids else None
                    codes.update(self.taxonomy.occupation_codes_for(pid, lv))
            found = self._codes_of[key] = tuple(sorted(codes))
        return found

    def register_titles(self, con) -> None:
        """Add the titles added since the last call to ``pp_t``."""
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * 7
        con.execute(
            "CREATE OR REPLACE TABLE pp_r AS SELECT unnest($1::INTEGER[]) AS rid, "
            "unnest($2::VARCHAR[]) AS pp_profession_id, unnest($3::VARCHAR[]) AS pp_level_id, "
            "unnest($4::VARCHAR[]) AS pp_score, unnest($5::VARCHAR[]) AS pp_method, "
            "unnest($6::VARCHAR[]) AS pp_expected_codes, unnest($7::INTEGER[]) AS cls, "
            "unnest($8::VARCHAR[]) AS st",
            [list(range(len(self._rows))), *(list(col) for col in cols)],
        )
        verb = "INSERT INTO pp_t" if self._registered else "CREATE OR REPLACE TABLE pp_t AS"
        con.execute(
            f"{verb} SELECT u.t, r.* EXCLUDE (rid) FROM (SELECT unnest($1::VARCHAR[]) AS t, "
            "unnest($2::INTEGER[]) AS rid) u JOIN pp_r r USING (rid)",
            [self._titles, self._rids],
        )
        self._registered = True
        self._titles, self._rids = [], []

    def register_statuses(self, con) -> None:
        """``pp_s`` and ``pp_pairs``, once every title of ``p1`` is in ``pp_t``."""
        class_list = list(self._classes)
        keys = con.execute(
            "SELECT DISTINCT m.cls, p.raw FROM p1 p JOIN pp_t m USING (t)"
        ).fetchall()
        codes, statuses = [], []
        for c, raw in keys:
            title_status, exp = class_list[c]
            code = clean_code(raw)
            codes.append(code)
            statuses.append(row_status(title_status, exp, code_state(code, self.taxonomy), code))
        con.execute(
            "CREATE OR REPLACE TABLE pp_s AS SELECT unnest($1::INTEGER[]) AS cls, "
            "unnest($2::VARCHAR[]) AS raw, unnest($3::VARCHAR[]) AS code, "
            "unnest($4::VARCHAR[]) AS pp_status",
            [[k[0] for k in keys], [k[1] for k in keys], codes, statuses],
        )
        con.execute(
            "CREATE OR REPLACE VIEW pp_pairs AS SELECT p.t, p.raw, p.n, p.k1, p.k2, m.st, "
            "m.pp_profession_id AS pid, m.pp_level_id AS lv, s.code, s.pp_status AS status "
            "FROM p1 p JOIN pp_t m USING (t) JOIN pp_s s ON m.cls = s.cls AND p.raw = s.raw"
        )
