"""The readings of the distinct titles, registered in DuckDB as the small tables the passes join."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .bands import title_gives_level
from .statuses import clean_code, code_state, row_status

if TYPE_CHECKING:
    from ..loader import Taxonomy


class _Results:
    """What the audit made of the distinct titles, registered in DuckDB as small tables.

    ``pp_t``: title -> pp_* columns, the reading's status, id (``rid``) and class;
    ``pp_s``: (class, raw code) -> clean code and ``pp_status``; ``pp_pairs``: ``p1`` with
    each pair's reading and status, for the summary. A status depends only on the title's
    class (reading status and expected codes) and the code, so it is worked out once per
    (class, code), and the row output joins on the title, then on (class, code).

    Titles can be added in batches (``add`` then ``register_titles``): the titles read early
    are registered while DuckDB's first pass is still running.
    """

    def __init__(self, taxonomy: Taxonomy, matcher: Any = None):
        self.taxonomy = taxonomy
        #: Reads a title again for the few the summary quotes (``reading``): no Match is
        #: kept per title, as hundreds of thousands of them cost hundreds of MB.
        self.matcher = matcher
        self._codes_of: dict[tuple, tuple[str, ...]] = {}
        self._classes: dict[tuple[str, tuple[str, ...]], int] = {}
        # Few distinct readings among many titles: those go in as a small table ``pp_r``
        # and DuckDB joins them to the titles (fewer, shorter Python lists are quicker).
        self._rows: dict[tuple, int] = {}
        self._titles: list[str] = []
        self._rids: list[int] = []
        self._registered = False

    def add(self, title: str, m: Any) -> None:
        exp = self.expected_codes(m)
        c = self._classes.setdefault((m.status, exp), len(self._classes))
        row = (
            m.profession_id or None,
            m.level_id or None,
            f"{m.score:.2f}",
            m.method or None,
            " ".join(exp) or None,
            c,
            m.status,
            getattr(m, "group_id", None) or None,
            # What the band rule needs beyond the columns (it reads the title's reason).
            m.status == "matched" and title_gives_level(m),
        )
        self._titles.append(title)
        self._rids.append(self._rows.setdefault(row, len(self._rows)))

    def reading(self, title: str) -> Any:
        """The matcher's reading of ``title`` (read again: the matcher is deterministic)."""
        if self.matcher is None:
            from ..matcher import matcher_for

            self.matcher = matcher_for(self.taxonomy)
        return self.matcher.match(title)

    def titles_to_match(self, con, batch: int = 50_000) -> tuple[int, Iterator[list[str]]]:
        """How many titles of ``p1`` are not read yet, and those titles in lists of at most
        ``batch`` (fetched from DuckDB as they are read, not all held in Python at once).
        Titles read early that are not in ``p1`` keep rows in ``pp_tid`` that join to
        nothing."""
        if not self._registered:
            con.execute("CREATE OR REPLACE TABLE pp_todo AS SELECT DISTINCT t FROM p1")
        else:
            con.execute(
                "CREATE OR REPLACE TABLE pp_todo AS "
                "SELECT DISTINCT t FROM p1 ANTI JOIN pp_tid USING (t)"
            )
        total = con.execute("SELECT count(*) FROM pp_todo").fetchone()[0]

        def batches() -> Iterator[list[str]]:
            cur = con.cursor()  # its own: the caller registers titles on ``con`` meanwhile
            try:
                result = cur.execute("SELECT t FROM pp_todo")
                while rows := result.fetchmany(batch):
                    yield [r[0] for r in rows]
            finally:
                cur.close()
            con.execute("DROP TABLE pp_todo")

        return total, batches()

    def expected_codes(self, m: Any, level: Any = ...) -> tuple[str, ...]:
        """Its profession's codes at its level (``level`` when given: the level after the
        band); all candidates' codes if ambiguous."""
        if m.status == "matched":
            key = ((m.profession_id, m.level_id if level is ... else level),)
        elif m.status == "ambiguous":
            key = tuple((a.profession_id, a.level_id) for a in m.alternatives)
        else:
            return ()
        return self._codes_for(key)

    def _codes_for(self, key: tuple[tuple[str, Any], ...]) -> tuple[str, ...]:
        """The occupation codes of the (profession, level) pairs of ``key``, memoised."""
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
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * 9
        names = ("pp_profession_id", "pp_level_id", "pp_score", "pp_method")
        select, params = rows_of(
            [
                ("rid", "INTEGER", range(len(self._rows))),
                *((n, "VARCHAR?", col) for n, col in zip(names, cols[:4], strict=True)),
                ("pp_expected_codes", "VARCHAR?", cols[4]),
                ("cls", "INTEGER", cols[5]),
                ("st", "VARCHAR", cols[6]),
                ("pp_group_id", "VARCHAR?", cols[7]),
            ]
        )
        con.execute(f"CREATE OR REPLACE TABLE pp_r AS {select}", params)
        # Per title only its reading's id: the readings' text is held once, in pp_r.
        verb = "INSERT INTO pp_tid" if self._registered else "CREATE OR REPLACE TABLE pp_tid AS"
        select, params = rows_of([("t", "VARCHAR", self._titles), ("rid", "INTEGER", self._rids)])
        con.execute(f"{verb} {select}", params)
        if not self._registered:
            # pp_t keeps the reading's id: the band rule works per (reading, band), not per
            # title.
            con.execute(
                "CREATE OR REPLACE VIEW pp_t AS SELECT u.t, r.* FROM pp_tid u JOIN pp_r r "
                "USING (rid)"
            )
        self._registered = True
        self._titles, self._rids = [], []

    def register_bands(self, con) -> None:
        """``pp_rb``: for each (reading, band) of a matched title of ``p1``, what the band
        does (``bands.band_level``): the level after it, its method, expected codes, class
        and ``pp_band_check``. Empty when the file has no band column.

        A band's effect depends on the reading, not the title, so it is worked out once per
        distinct (reading, band): the passes join ``pp_t`` (which keeps the reading's
        ``rid``) to it on (``rid``, band), and no per-title list passes through Python,
        however many titles the file has.
        """
        from .bands import band_level

        rows = list(self._rows)
        combos = con.execute(
            "SELECT DISTINCT m.rid, p.b FROM p1 p JOIN pp_t m USING (t) "
            "WHERE p.b <> '' AND m.st = 'matched' ORDER BY 1, 2"
        ).fetchall()
        out: dict[str, list] = {k: [] for k in ("rid", "b", "lv", "method", "exp", "cls", "chk")}
        for rid, b in combos:
            pid, level, _score, method, _exp, _cls, status, _grp, gives = rows[rid]
            r = band_level(self.taxonomy, pid, level, gives, b)
            exp = self._codes_for(((pid, r.level_id),))
            changed = r.level_id != level or r.check == "sets-level"
            found = (
                r.level_id,
                f"{method}+band" if changed else method,
                " ".join(exp) or None,
                self._classes.setdefault((status, exp), len(self._classes)),
                r.check,
            )
            for k, v in zip(out, (rid, b, *found), strict=True):
                out[k].append(v)
        select, params = rows_of(
            [
                ("i", "INTEGER", range(len(out["rid"]))),
                ("rid", "INTEGER", out["rid"]),
                ("b", "VARCHAR", out["b"]),
                ("pp_level_id", "VARCHAR?", out["lv"]),
                ("pp_method", "VARCHAR?", out["method"]),
                ("pp_expected_codes", "VARCHAR?", out["exp"]),
                ("cls", "INTEGER", out["cls"]),
                ("pp_band_check", "VARCHAR", out["chk"]),
            ]
        )
        con.execute(f"CREATE OR REPLACE TABLE pp_rb AS {select}", params)

    def register_statuses(self, con) -> None:
        """``pp_s`` and ``pp_pairs``, once every title of ``p1`` is in ``pp_t`` and every
        (reading, band) in ``pp_rb``."""
        class_list = list(self._classes)
        keys = con.execute(
            "SELECT DISTINCT coalesce(bb.cls, m.cls), p.raw FROM p1 p JOIN pp_t m USING (t) "
            "LEFT JOIN pp_rb bb ON m.rid = bb.rid AND p.b = bb.b"
        ).fetchall()
        codes, statuses, certainty = [], [], []
        for c, raw in keys:
            title_status, exp = class_list[c]
            code = clean_code(raw)
            codes.append(code)
            status = row_status(title_status, exp, code_state(code, self.taxonomy), code)
            statuses.append(status)
            certainty.append(row_certainty(title_status, status))
        select, params = rows_of(
            [
                ("cls", "INTEGER", [k[0] for k in keys]),
                ("raw", "VARCHAR", [k[1] for k in keys]),
                ("code", "VARCHAR", codes),
                ("pp_status", "VARCHAR", statuses),
                ("pp_certainty", "VARCHAR?", certainty),
            ]
        )
        con.execute(f"CREATE OR REPLACE TABLE pp_s AS {select}", params)
        # One row per (title, raw code, band): the reading after the band, and the status.
        con.execute(
            "CREATE OR REPLACE VIEW pp_triples AS SELECT p.t, p.raw, p.b, p.n, p.k1, p.k2, "
            "m.st, m.pp_profession_id AS pid, m.pp_group_id AS grp, "
            "CASE WHEN bb.rid IS NULL THEN m.pp_level_id ELSE bb.pp_level_id END AS lv, "
            "CASE WHEN bb.rid IS NULL THEN m.pp_expected_codes ELSE bb.pp_expected_codes END "
            "AS exp, CASE WHEN bb.rid IS NULL THEN m.pp_method ELSE bb.pp_method END AS method, "
            "bb.pp_band_check AS band_check, s.code, s.pp_status AS status, "
            "s.pp_certainty AS cert FROM p1 p JOIN pp_t m USING (t) "
            "LEFT JOIN pp_rb bb ON m.rid = bb.rid AND p.b = bb.b "
            "JOIN pp_s s ON coalesce(bb.cls, m.cls) = s.cls AND p.raw = s.raw"
        )
        # The same over the band: one row per (title, raw code, reading). The table keeps
        # ids of the small tables, not their text (that doubled the audit's peak memory at
        # 500,000 titles); a band row stands for every band giving the same reading.
        con.execute(
            "CREATE OR REPLACE TABLE pp_pc AS SELECT p.t, p.raw, sum(p.n) AS n, "
            "min(p.k1) AS k1, max(p.k2) AS k2, u.rid, min(bb.i) AS bi FROM p1 p "
            "JOIN pp_tid u USING (t) JOIN pp_r m USING (rid) "
            "LEFT JOIN pp_rb bb ON u.rid = bb.rid AND p.b = bb.b GROUP BY p.t, p.raw, u.rid, "
            "CASE WHEN bb.rid IS NULL THEN m.pp_level_id ELSE bb.pp_level_id END, "
            "CASE WHEN bb.rid IS NULL THEN m.pp_expected_codes ELSE bb.pp_expected_codes END, "
            "CASE WHEN bb.rid IS NULL THEN m.pp_method ELSE bb.pp_method END"
        )
        con.execute(
            "CREATE OR REPLACE VIEW pp_pairs AS SELECT c.t, c.raw, c.n, c.k1, c.k2, m.st, "
            "m.pp_profession_id AS pid, m.pp_group_id AS grp, "
            "CASE WHEN bb.i IS NULL THEN m.pp_level_id ELSE bb.pp_level_id END AS lv, "
            "CASE WHEN bb.i IS NULL THEN m.pp_expected_codes ELSE bb.pp_expected_codes END "
            "AS exp, CASE WHEN bb.i IS NULL THEN m.pp_method ELSE bb.pp_method END AS method, "
            "s.code, s.pp_status AS status, s.pp_certainty AS cert FROM pp_pc c "
            "JOIN pp_r m USING (rid) LEFT JOIN pp_rb bb ON c.bi = bb.i "
            "JOIN pp_s s ON coalesce(bb.cls, m.cls) = s.cls AND c.raw = s.raw"
        )


def row_certainty(title_status: str, status: str) -> str | None:
    """``matched`` for a title read as one profession; ``possible`` for a row that might be a
    psychological professional (an ambiguous or group-only title; a psychological code on a
    title the matcher does not recognise); ``None`` otherwise (not counted)."""
    if title_status == "matched":
        return "matched"
    if title_status == "ambiguous":
        return "possible"
    if title_status == "unknown" and status == "psych-code-unrecognised-title":
        return "possible"
    return None


_SEP = "\x1f"  # the unit separator: never in a title read from a text file, but checked


def rows_of(columns: list[tuple[str, str, Iterable[Any]]]) -> tuple[str, list[Any]]:
    """A ``SELECT`` (and its parameters) that turns equal-length Python sequences into rows.

    ``columns`` holds (name, type, values); type ``INTEGER``, ``VARCHAR``, or ``VARCHAR?``
    (``None`` allowed; written as ``''`` and read back as NULL). Each column goes to DuckDB
    as one text parameter split by ``string_split``: a Python list bound as a parameter
    costs about 1 s per 10,000 items on DuckDB 1.x (measured on 1.1.3: 14.8 s for 30,000
    titles, against 0.03 s this way; 2.0 takes 0.1 s either way). A value holding the
    separator falls back to list parameters (any text, only slower on 1.x).
    """
    texts = [["" if v is None else str(v) for v in values] for _, _, values in columns]
    if any(_SEP in t for col in texts for t in col):
        select = ", ".join(
            f"unnest(${i}::{typ.rstrip('?')}[]) AS {name}"
            for i, (name, typ, _) in enumerate(columns, 1)
        )
        params = [
            [
                None if (typ == "VARCHAR?" and t == "") else (int(t) if typ == "INTEGER" else t)
                for t in col
            ]
            for (_, typ, _), col in zip(columns, texts, strict=True)
        ]
        return f"SELECT {select}", params
    inner = ", ".join(
        f"unnest(string_split(${i}, chr(31))[2:]) AS c{i}" for i in range(1, len(columns) + 1)
    )
    outer = []
    for i, (name, typ, _) in enumerate(columns, 1):
        expr = {"INTEGER": f"c{i}::INTEGER", "VARCHAR?": f"nullif(c{i}, '')"}.get(typ, f"c{i}")
        outer.append(f"{expr} AS {name}")
    params = ["".join(_SEP + t for t in col) for col in texts]
    return f"SELECT {', '.join(outer)} FROM (SELECT {inner})", params
