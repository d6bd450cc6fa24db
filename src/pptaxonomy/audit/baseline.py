"""The workforce baseline, the reconciliation table and the fix list, as SQL over audited rows.

The SQL is plain (``GROUPING SETS``, ``GROUPING()``, ``count(DISTINCT)``, ``TRY_CAST``,
``CASE``, ``CAST(NULL AS STRING)``): the functions here return it as text given the names of
the relation and its columns, so the same statements run on DuckDB (the audit) and on Spark
SQL (``pptaxonomy.spark.baseline_dataframe``); ``quote`` is the engine's identifier quote
(DuckDB a double quote, Spark a backtick).

Conventions (NHS England Workforce Statistics; ``BASELINE_CONVENTIONS`` is written into
every baseline file's metadata):

* only assignments with FTE > 0 count (when there is an FTE column);
* headcount counts a person once within each cell, so cells do not sum to their totals;
* FTE is the sum of the assignments' FTE;
* trainees are a level of their own (``level_id`` ``trainee``);
* ``certainty`` ``matched``: the title names one profession; ``possible``: the row might
  be a psychological professional (ambiguous or group-only title, or a psychological
  code on a title the matcher does not recognise). ``ALL`` adds both.
"""

from __future__ import annotations

from typing import Any

#: The slim row table ``rw`` the first pass keeps when a baseline is wanted.
ROW_COLUMNS = ("t", "raw", "b", "k", "p", "f", "f_given", "o", "a", "d")

#: Above this many fine cells on a date, a person's headcount is taken the direct way.
MANY_CELLS = 16

BASELINE_COLUMNS = (
    "census_date",
    "organisation",
    "group_id",
    "profession_id",
    "profession_name",
    "level_id",
    "certainty",
    "headcount",
    "fte",
    "assignments",
)

BASELINE_CONVENTIONS = (
    "NHS England Workforce Statistics conventions: only assignments with FTE > 0 are "
    "counted; headcount counts each person once within a cell, so cells do not sum to "
    "their totals; FTE is the sum of assignment FTE; trainees are their own level.",
    "certainty 'matched': the title names one psychological profession; 'possible': the "
    "row might be one (ambiguous or group-only title, or a psychological occupation code "
    "on an unrecognised title); 'ALL': both. The baseline is a range: at least the "
    "matched figure, at most the ALL figure.",
    "'ALL' in organisation, group_id, profession_id or level_id marks a total over it; an "
    "empty profession_id is a possible row whose profession is not known.",
)


def _q(name: str, quote: str = '"') -> str:
    return quote + name.replace(quote, quote + quote) + quote


def slim_rows_sql(source: str, exprs: dict[str, str | None], quote: str = '"') -> str:
    """``SELECT`` of the slim row table from ``source`` (a ``read_csv(...)`` call or a
    table of text columns): ``exprs`` gives the title, code and band expressions and the
    column names of the other roles (``None``: not in the file)."""

    def col(role: str) -> str:
        name = exprs.get(role)
        return f"nullif(trim({_q(name, quote)}), '')" if name else "CAST(NULL AS STRING)"

    fte = exprs.get("fte")
    if fte:
        # "0,8" (a decimal comma) reads as 0.8.
        f = f"TRY_CAST(replace(trim({_q(fte, quote)}), ',', '.') AS DOUBLE)"
        given = f"(nullif(trim({_q(fte, quote)}), '') IS NOT NULL)"
    else:
        f, given = "CAST(NULL AS DOUBLE)", "CAST(NULL AS BOOLEAN)"
    return (
        f"SELECT {exprs['title']} AS t, {exprs['code']} AS raw, {exprs['band']} AS b, "
        f"{col('key')} AS k, {col('person')} AS p, {f} AS f, {given} AS f_given, "
        f"coalesce({col('org')}, '') AS o, coalesce({col('area')}, '') AS a, "
        f"coalesce({col('date')}, '') AS d FROM {source}"
    )


def register_row_view(con) -> None:
    """View ``pp_rows``: every slim row with its reading after the band, code, status and
    certainty (the relation the baseline SQL reads). A view, not a second copy of the rows:
    the joins are to small tables, and a copy doubled the peak memory on 1.5 M rows."""
    con.execute(
        "CREATE OR REPLACE VIEW pp_rows AS SELECT r.t, r.k, r.p, r.f, r.f_given, r.o, r.a, "
        "r.d, m.pp_profession_id AS pid, m.pp_group_id AS grp, m.st, "
        "CASE WHEN bb.rid IS NULL THEN m.pp_level_id ELSE bb.pp_level_id END AS lv, "
        "s.code, s.pp_status AS status, s.pp_certainty AS cert, bb.pp_band_check AS band_check "
        "FROM rw r JOIN pp_t m ON r.t = m.t LEFT JOIN pp_rb bb ON m.rid = bb.rid AND r.b = bb.b "
        "JOIN pp_s s ON coalesce(bb.cls, m.cls) = s.cls AND r.raw = s.raw"
    )


#: The columns of ``pp_rows`` the SQL reads, by meaning (override for another relation).
ROW_NAMES = {
    "date": "d",
    "org": "o",
    "group": "grp",
    "profession": "pid",
    "level": "lv",
    "certainty": "cert",
    "person": "p",
    "fte": "f",
    "code": "code",
}


def baseline_sql(
    rows: str = "pp_rows",
    professions: str = "pp_professions",
    levels: str = "pp_levels",
    names: dict[str, str] | None = None,
    *,
    fte: bool = True,
    person: bool = True,
    org: bool = True,
    quote: str = '"',
) -> str:
    """The baseline ``SELECT`` over ``rows``.

    ``professions`` (id, name) and ``levels`` (id, rank) name the professions and order the
    levels. ``fte``/``person``/``org``: whether the extract has those columns; without FTE
    every assignment counts and ``fte`` is NULL, without a person ``headcount`` is NULL,
    without an organisation only the ``ALL`` organisation rows are made."""
    n = {k: _q(v, quote) for k, v in {**ROW_NAMES, **(names or {})}.items()}
    where = f"{n['certainty']} IN ('matched', 'possible')"
    if fte:
        where += f" AND {n['fte']} > 0"
    dims = ("organisation", "group_id", "profession_id", "level_id", "certainty")

    def label(d: str) -> str:
        if d == "organisation" and not org:
            return "'ALL' AS organisation"
        return f"CASE WHEN GROUPING({d}) = 1 THEN 'ALL' ELSE {d} END AS {d}"

    sets = []
    for o in [("organisation",), ()] if org else [()]:
        for p in (
            ("group_id", "profession_id", "level_id"),
            ("group_id", "profession_id"),
            ("group_id",),
            (),
        ):
            for c in (("certainty",), ()):
                sets.append("(" + ", ".join(("census_date", *o, *p, *c, "person")) + ")")
    inner = (
        f"SELECT {n['date']} AS census_date, {n['org']} AS organisation, "
        f"coalesce({n['group']}, '') AS group_id, "
        f"coalesce({n['profession']}, '') AS profession_id, "
        f"coalesce({n['level']}, '') AS level_id, {n['certainty']} AS certainty, "
        f"{n['person']} AS person, {n['fte']} AS fte FROM {rows} WHERE {where}"
    )
    cell = ", ".join(("census_date", *dims))
    levels_ = [
        (o, depth, c)
        for o in ((True, False) if org else (False,))
        for depth in (3, 2, 1, 0)
        for c in (True, False)
    ]
    # Headcount without count(DISTINCT person) over the grouping sets (that, or one row per
    # (cell, person) for each of the 16 totals, was most of the audit's extra time). A
    # person counts once in every cell holding any of their fine cells (date, organisation,
    # profession, level, certainty): count each (person, fine cell) and take one off for
    # each that repeats, in that total, an earlier fine cell of the same person (``dups``,
    # from pairs of a person's fine cells; persons hold a few). A person in more than
    # ``MANY_CELLS`` fine cells (rows with an empty person field are one person) is counted
    # the direct way instead, as pairs would grow with the square.
    fine = (
        f"SELECT {cell}, coalesce(person, '') AS person, sum(fte) AS f, count(*) AS n "
        f"FROM ({inner}) r GROUP BY {cell}, coalesce(person, '')"
    )
    persons = (
        "SELECT census_date, person, count(*) AS m FROM fine GROUP BY census_date, person "
        "HAVING count(*) > 1"
    )
    fine_m = (
        "SELECT fine.*, coalesce(pm.m, 1) AS m FROM fine LEFT JOIN pm "
        "ON fine.census_date = pm.census_date AND fine.person = pm.person"
    )

    def same(o: bool, depth: int, c: bool) -> str:
        parts = [f"a.{d} = b.{d}" for d in ("group_id", "profession_id", "level_id")[:depth]]
        parts += ["a.organisation = b.organisation"] if o else []
        parts += ["a.certainty = b.certainty"] if c else []
        return " AND ".join(parts) or "TRUE"

    def flag(lv) -> str:
        return "d" + "".join(("o" if lv[0] else "x", str(lv[1]), "c" if lv[2] else "x"))

    dups = (
        f"SELECT {', '.join(f'min(a.{d}) AS {d}' for d in ('census_date', *dims))}, "
        + ", ".join(f"max(CASE WHEN {same(*lv)} THEN 1 ELSE 0 END) AS {flag(lv)}" for lv in levels_)
        + " FROM fr a JOIN fr b ON a.census_date = b.census_date AND a.person = b.person "
        "AND b.rn < a.rn GROUP BY a.census_date, a.person, a.rn"
    )
    ranked = (
        "SELECT *, row_number() OVER (PARTITION BY census_date, person ORDER BY "
        f"{', '.join(dims)}) AS rn FROM fm WHERE m > 1 AND m <= {MANY_CELLS}"
    )

    def chosen() -> str:
        # The flag of the total each grouping set makes.
        g = {d: f"GROUPING({d})" for d in dims if d != "organisation" or org}
        depth = f"(3 - {g['group_id']} - {g['profession_id']} - {g['level_id']})"
        whens = []
        for lv in levels_:
            cond = [f"{depth} = {lv[1]}", f"{g['certainty']} = {0 if lv[2] else 1}"]
            if org:
                cond.append(f"{g['organisation']} = {0 if lv[0] else 1}")
            whens.append(f"WHEN {' AND '.join(cond)} THEN sum({flag(lv)})")
        return f"CASE {' '.join(whens)} END"

    sets_cells = [s.replace(", person)", ")") for s in sets]
    labels = ", ".join(label(d) for d in dims)
    by_cells = f"GROUP BY GROUPING SETS ({', '.join(sets_cells)})"
    # Each part sums per fine cell first: the grouping sets then roll up a few thousand rows.
    per_cell = (
        f"SELECT {cell}, sum(CASE WHEN m <= {MANY_CELLS} THEN 1 ELSE 0 END) AS h, "
        f"sum(f) AS f, sum(n) AS n FROM fm GROUP BY {cell}"
    )
    parts = [
        f"SELECT census_date, {labels}, sum(h) AS h, sum(f) AS f, sum(n) AS n "
        f"FROM ({per_cell}) c {by_cells}",
    ]
    if person:
        flags = ", ".join(f"sum({flag(lv)}) AS {flag(lv)}" for lv in levels_)
        dup_cells = f"SELECT {cell}, {flags} FROM ({dups}) d GROUP BY {cell}"
        parts.append(
            f"SELECT census_date, {labels}, -{chosen()} AS h, CAST(NULL AS DOUBLE) AS f, "
            f"CAST(NULL AS BIGINT) AS n FROM ({dup_cells}) d {by_cells}"
        )
    big = (
        f"SELECT census_date, {labels}, person FROM fm WHERE m > {MANY_CELLS} "
        f"GROUP BY GROUPING SETS ({', '.join(sets)})"
    )
    if person:  # without a person column headcount is NULL: no need to count
        parts.append(
            f"SELECT {cell}, count(*) AS h, CAST(NULL AS DOUBLE) AS f, "
            f"CAST(NULL AS BIGINT) AS n FROM ({big}) bp GROUP BY {cell}"
        )
    grouped = (
        f"SELECT {cell}, {'sum(h)' if person else 'CAST(NULL AS BIGINT)'} AS headcount, "
        f"{'sum(f)' if fte else 'CAST(NULL AS DOUBLE)'} AS fte, sum(n) AS assignments "
        f"FROM ({' UNION ALL '.join(parts)}) u GROUP BY {cell}"
    )
    return (
        f"WITH fine AS ({fine}), pm AS ({persons}), fm AS ({fine_m}), fr AS ({ranked}) "
        "SELECT g.census_date, g.organisation, g.group_id, g.profession_id, "
        "CASE WHEN g.profession_id = 'ALL' AND g.group_id = 'ALL' THEN "
        "'All psychological professions' WHEN g.profession_id = 'ALL' THEN "
        "'All professions of the group' "
        "WHEN g.profession_id = '' THEN '(profession not known)' ELSE coalesce(p.name, "
        "g.profession_id) END AS profession_name, g.level_id, g.certainty, g.headcount, "
        f"round(g.fte, 2) AS fte, g.assignments FROM ({grouped}) g "
        f"LEFT JOIN {professions} p ON g.profession_id = p.id "
        f"LEFT JOIN {levels} l ON g.level_id = l.id "
        "ORDER BY g.census_date, CASE WHEN g.organisation = 'ALL' THEN 0 ELSE 1 END, "
        "g.organisation, CASE WHEN g.group_id = 'ALL' THEN 0 ELSE 1 END, g.group_id, "
        "CASE WHEN g.profession_id = 'ALL' THEN 0 ELSE 1 END, g.profession_id, "
        "CASE WHEN g.level_id = 'ALL' THEN -1 ELSE coalesce(l.rank, 99) END, g.level_id, "
        "CASE WHEN g.certainty = 'ALL' THEN 0 WHEN g.certainty = 'matched' THEN 1 ELSE 2 END"
    )


RECONCILIATION_COLUMNS = (
    "census_date",
    "code",
    "code_kind",
    "profession_id",
    "certainty",
    "headcount",
    "fte",
    "assignments",
)


def reconciliation_sql(
    rows: str = "pp_rows",
    names: dict[str, str] | None = None,
    *,
    fte: bool = True,
    person: bool = True,
) -> str:
    """FTE and headcount by NHS occupation code x profession: every row that is or might be
    a psychological professional, and every row carrying a psychological code (S?L applied
    psychology, S?M psychological therapy, S?H arts therapies) whatever its title. A code
    total (profession ``ALL``) follows each code's rows."""
    n = {**ROW_NAMES, **(names or {})}
    code = _q(n["code"])
    psych = (
        f"(length({code}) = 3 AND substr({code}, 1, 1) = 'S' "
        f"AND substr({code}, 3, 1) IN ('L', 'M', 'H'))"
    )
    where = f"({_q(n['certainty'])} IS NOT NULL OR {psych})"
    if fte:
        where += f" AND {_q(n['fte'])} > 0"
    head = "count(DISTINCT person)" if person else "CAST(NULL AS BIGINT)"
    fte_sum = "round(sum(fte), 2)" if fte else "CAST(NULL AS DOUBLE)"
    inner = (
        f"SELECT {_q(n['date'])} AS census_date, {code} AS code, CASE WHEN {code} = '' "
        f"THEN 'no code' WHEN {psych} THEN 'psychological code' ELSE 'other code' END "
        "AS code_kind, CASE WHEN "
        f"{_q(n['certainty'])} IS NULL THEN '(not a psychological title)' ELSE "
        f"coalesce({_q(n['profession'])}, '(profession not known)') END AS profession_id, "
        f"coalesce({_q(n['certainty'])}, 'not counted') AS certainty, "
        f"{_q(n['person'])} AS person, {_q(n['fte'])} AS fte FROM {rows} WHERE {where}"
    )
    return (
        "SELECT census_date, code, code_kind, "
        "CASE WHEN GROUPING(profession_id) = 1 THEN 'ALL' ELSE profession_id END "
        "AS profession_id, CASE WHEN GROUPING(certainty) = 1 THEN 'ALL' ELSE certainty END "
        f"AS certainty, {head} AS headcount, {fte_sum} AS fte, count(*) AS assignments "
        f"FROM ({inner}) r GROUP BY GROUPING SETS ((census_date, code, code_kind, "
        "profession_id, certainty), (census_date, code, code_kind)) "
        "ORDER BY census_date, code_kind, code, GROUPING(profession_id) DESC, "
        "profession_id, certainty"
    )


def fix_rows_sql(rows: str = "pp_rows", *, fte: bool = True) -> str:
    """The (title, code, profession, level) groups whose code contradicts the taxonomy
    (``code-mismatch`` or ``retired-code`` on a matched title), with rows, FTE and two
    example keys; the suggestion is added from the crosswalk (``fix_list``)."""
    f = "round(sum(f), 2)" if fte else "CAST(NULL AS DOUBLE)"
    return (
        f"SELECT t, code, status, pid, lv, count(*) AS n, {f} AS fte, min(k) AS k1, "
        f"max(k) AS k2 FROM {rows} WHERE st = 'matched' AND status IN "
        "('code-mismatch', 'retired-code') GROUP BY t, code, status, pid, lv "
        "ORDER BY n DESC, t, code, pid, lv NULLS FIRST"
    )


FIX_COLUMNS = (
    "title",
    "code",
    "status",
    "profession_id",
    "level_id",
    "suggested_code",
    "rule",
    "rows",
    "fte",
    "example_keys",
)


def fix_list(con, taxonomy, *, slim: bool, fte: bool, key: bool) -> list[dict[str, Any]]:
    """One row per contradicting (title, code, reading): the code to use instead and the
    rule that chose it (``suggest_code``)."""
    if slim:
        sql = fix_rows_sql(fte=fte)
    else:
        sql = (
            "SELECT t, code, status, pid, lv, sum(n) AS n, NULL AS fte, min(k1), max(k2) "
            "FROM pp_pairs WHERE st = 'matched' AND status IN ('code-mismatch', "
            "'retired-code') GROUP BY t, code, status, pid, lv "
            "ORDER BY n DESC, t, code, pid, lv NULLS FIRST"
        )
    out = []
    # Many (title, code) groups share a reading; the crosswalk is searched once for each.
    suggestions: dict[tuple[str, str | None], tuple[str, str]] = {}
    for t, code, status, pid, lv, n, f, k1, k2 in con.execute(sql).fetchall():
        if (pid, lv) not in suggestions:
            suggestions[(pid, lv)] = suggest_code(taxonomy, pid, lv)
        suggested, rule = suggestions[(pid, lv)]
        out.append(
            {
                "title": t,
                "code": code,
                "status": status,
                "profession_id": pid,
                "level_id": lv,
                "suggested_code": suggested,
                "rule": rule,
                "rows": int(n),
                "fte": f,
                "example_keys": " ".join(sorted({k for k in (k1, k2) if k})) if key else "",
            }
        )
    return out


def suggest_code(taxonomy, profession_id: str, level_id: str | None) -> tuple[str, str]:
    """The code a contradicting row should carry, and why (the crosswalk's preferred flag)."""
    from ..loader import NHS_OCCUPATION_CODE

    p = taxonomy.professions.get(profession_id)
    name = p.name.lower() if p else profession_id
    rows = [
        m
        for m in taxonomy.mappings_for(profession_id)
        if m.code_system == NHS_OCCUPATION_CODE and m.code and not m.no_match
    ]
    if level_id is None:
        codes = (
            sorted({suggest_code(taxonomy, profession_id, lv)[0] for lv in p.level_ids} - {""})
            if p
            else []
        )
        if len(codes) == 1:
            return codes[0], f"{name}, level not known: {codes[0]} is preferred at every level"
        return (
            "",
            f"{name}, level not known: the preferred codes differ by level ({' '.join(codes)})",
        )
    at = [m for m in rows if m.level in (level_id, None)]
    preferred = [m for m in at if m.preferred] or (at if len(at) == 1 else [])
    if not preferred:
        return "", f"{name} ({level_id}): the crosswalk has no preferred code"
    best = preferred[0]
    others = sorted({m.code for m in at if m.code != best.code})
    if not best.preferred:
        basis = f"the taxonomy's only code at this level, {best.confidence}"
    elif best.preferred_confidence == "verified":
        basis = "the taxonomy's preferred code, from coding guidance"
    else:
        basis = f"the taxonomy's preferred code, by rule ({best.preferred_confidence})"
    also = f"; also accepted: {' '.join(others)}" if others else ""
    return best.code, f"{name} ({level_id}): {best.code} ({basis}{also})"


def register_reference_tables(con, taxonomy) -> None:
    """``pp_professions`` (id, name) and ``pp_levels`` (id, rank) for the baseline SQL."""
    from .results import rows_of

    profs = sorted(taxonomy.professions.values(), key=lambda p: p.id)
    select, params = rows_of(
        [("id", "VARCHAR", [p.id for p in profs]), ("name", "VARCHAR", [p.name for p in profs])]
    )
    con.execute(f"CREATE OR REPLACE TABLE pp_professions AS {select}", params)
    levels = list(taxonomy.levels)
    select, params = rows_of([("id", "VARCHAR", levels), ("rank", "INTEGER", range(len(levels)))])
    con.execute(f"CREATE OR REPLACE TABLE pp_levels AS {select}", params)


def build_tables(con, taxonomy, cols: dict, slim: bool) -> dict[str, Any]:
    """The baseline, the reconciliation table (both need the slim rows) and the fix list,
    each as ``{"columns": [...], "rows": [[...], ...], "metadata": {...}}``."""
    fte, person, org = bool(cols.get("fte")), bool(cols.get("person")), bool(cols.get("org"))
    meta = {
        "conventions": list(BASELINE_CONVENTIONS),
        "fte_column": cols.get("fte"),
        "person_column": cols.get("person"),
        "organisation_column": cols.get("org"),
        "census_date_column": cols.get("date"),
    }
    if not fte:
        meta["note_fte"] = "no FTE column: every assignment counts and fte is empty"
    if not person:
        meta["note_headcount"] = "no person column: headcount is empty (assignments are given)"
    tables: dict[str, Any] = {}
    if slim:
        register_reference_tables(con, taxonomy)
        rows = con.execute(baseline_sql(fte=fte, person=person, org=org)).fetchall()
        tables["baseline"] = {"columns": list(BASELINE_COLUMNS), "rows": rows, "metadata": meta}
        rows = con.execute(reconciliation_sql(fte=fte, person=person)).fetchall()
        tables["reconciliation"] = {
            "columns": list(RECONCILIATION_COLUMNS),
            "rows": rows,
            "metadata": meta,
        }
        tables["data_quality"] = data_quality(con, fte=fte, key=bool(cols.get("key")))
    fixes = fix_list(con, taxonomy, slim=slim, fte=fte, key=bool(cols.get("key")))
    tables["fixes"] = {
        "columns": list(FIX_COLUMNS),
        "rows": [[f[c] for c in FIX_COLUMNS] for f in fixes],
        "metadata": {
            "rule": "suggested_code is the crosswalk's preferred code for the "
            "profession at the level (schema slot preferred)"
        },
    }
    return tables


def baseline_range(tables: dict[str, Any]) -> list[dict[str, Any]]:
    """Per census date, the national totals: at least (matched), at most (matched or
    possible) headcount and FTE."""
    base = tables.get("baseline")
    if not base:
        return []
    idx = {c: i for i, c in enumerate(base["columns"])}
    out: dict[str, dict[str, Any]] = {}
    for r in base["rows"]:
        if any(
            r[idx[c]] != "ALL" for c in ("organisation", "group_id", "profession_id", "level_id")
        ):
            continue
        d = out.setdefault(r[idx["census_date"]], {"census_date": r[idx["census_date"]]})
        which = {"matched": "at_least", "ALL": "at_most"}.get(r[idx["certainty"]])
        if which:
            d[which] = {
                "headcount": r[idx["headcount"]],
                "fte": r[idx["fte"]],
                "assignments": r[idx["assignments"]],
            }
    return [out[k] for k in sorted(out)]


def data_quality(con, *, fte: bool, key: bool) -> dict[str, Any]:
    """Counts of rows whose FTE is missing, unreadable, zero or above 1, and of key values
    given to more than one row (over every row of the extract: the slim rows ``rw``, as
    these need no reading)."""
    out: dict[str, Any] = {}
    if fte:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE NOT f_given), "
            "count(*) FILTER (WHERE f_given AND f IS NULL), count(*) FILTER (WHERE f <= 0), "
            "count(*) FILTER (WHERE f > 1) FROM rw"
        ).fetchone()
        out.update(
            zip(
                ("fte_missing", "fte_unreadable", "fte_zero_or_less", "fte_over_1"),
                row,
                strict=True,
            )
        )
    if key:
        keys, rows = con.execute(
            "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT k, count(*) AS n FROM rw "
            "WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1)"
        ).fetchone()
        out["duplicate_keys"], out["rows_with_duplicate_keys"] = keys, int(rows)
    return out
