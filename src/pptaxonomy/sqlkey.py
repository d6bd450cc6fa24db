"""The title key of the SQL-only path, in Python and as SQL for four engines.

Where Python cannot run (a Snowflake or SQL Server warehouse, a locked-down Databricks
workspace), a staff table is joined to ``mappings/title-index.csv`` on a *key* computed in
SQL with ``lower``, ``replace``, ``translate``, ``trim`` and ``regexp_replace``.

The key is ``normalise.title_segments`` joined by ``" | "``: the normalised words of each
segment of the title ("Clinical Psychologist - CAMHS (North)" ->
``clinical psychologist | camhs | north``). It keeps the segments because the matcher reads
a title from its segments, so two titles with one key always get one reading (a title
without separators has ``normalise_title`` as its key). The key is defined only for titles
of printable ASCII (``' '`` to ``'~'``) of at most ``MAX_TITLE_CHARS`` characters: SQL cannot
fold Unicode as ``normalise.py`` does, so other titles get no key (NULL in SQL) and are left
to the full matcher rather than read differently.

``key_sql(column, dialect)`` writes the SQL expression; a test runs the DuckDB form over
the real-title corpus and random text and checks it equals ``title_key`` on every title.
"""

from __future__ import annotations

from .matcher import MAX_TITLE_CHARS
from .normalise import PHRASE_VARIANTS, WORD_VARIANTS, title_segments

__all__ = ["DIALECTS", "SEGMENT_MARK", "key_sql", "resolvable", "title_key"]

#: What joins the segments of a key.
SEGMENT_MARK = " | "
#: The engines ``key_sql`` writes for.
DIALECTS = ("duckdb", "spark", "snowflake", "tsql")
# The single-character separators of ``normalise._SEGMENT_SPLIT`` (its dash forms with
# spaces are the regular expression ``_DASHES``; its Unicode dashes are not ASCII).
_SEPARATORS = "/\\|,;:()[]{}<>"
_DASHES = " +-+ *| *-+ +"


def resolvable(title: object) -> bool:
    """True when the SQL path gives ``title`` a key: text of printable ASCII, not too long."""
    if title is None:
        return True  # an empty field, read as the empty title
    return (
        isinstance(title, str)
        and len(title) <= MAX_TITLE_CHARS
        and all(" " <= c <= "~" for c in title)
    )


def title_key(title: object) -> str | None:
    """The key SQL computes for ``title``; ``None`` where SQL gives none (see the module).

    >>> title_key("Snr. Clinical Psychologist - CAMHS (Band 8a)")
    'snr clinical psychologist | camhs | band 8a'
    >>> title_key("Psychologue clinicienne \u00e9tudiante") is None
    True
    """
    if not resolvable(title):
        return None
    return SEGMENT_MARK.join(title_segments(title or ""))


class _Dialect:
    """How one engine spells the few functions the key needs."""

    def __init__(self, name: str):
        self.name = name

    def lit(self, text: str) -> str:
        text = text.replace("'", "''")
        if self.name in ("spark", "snowflake"):
            # Their string literals read backslash escapes.
            text = text.replace("\\", "\\\\")
        return f"'{text}'"

    def regexp_replace(self, expr: str, pattern: str, repl: str) -> str:
        flags = ", 'g'" if self.name == "duckdb" else ""
        return f"regexp_replace({expr}, {self.lit(pattern)}, {self.lit(repl)}{flags})"

    def replace(self, expr: str, old: str, new: str) -> str:
        return f"replace({expr}, {self.lit(old)}, {self.lit(new)})"

    def concat(self, *parts: str) -> str:
        if self.name == "tsql":
            return "(" + " + ".join(parts) + ")"
        return "(" + " || ".join(parts) + ")"

    def guard(self, expr: str) -> str:
        """The condition under which the key is defined (``resolvable``)."""
        ascii_re = "^[ -~]*$"
        if self.name == "duckdb":
            like = f"regexp_matches({expr}, {self.lit(ascii_re)})"
            length = f"length({expr})"
        elif self.name == "spark":
            like = f"{expr} RLIKE {self.lit(ascii_re)}"
            length = f"length({expr})"
        elif self.name == "snowflake":
            like = f"REGEXP_LIKE({expr}, {self.lit('[ -~]*')})"
            length = f"length({expr})"
        else:
            # LEN ignores trailing spaces; the ASCII test makes this a character count.
            like = f"REGEXP_LIKE({expr}, {self.lit(ascii_re)})"
            length = f"DATALENGTH(CAST({expr} AS varchar(max)))"
        return f"{like} AND {length} <= {MAX_TITLE_CHARS}"


def key_sql(column: str, dialect: str = "duckdb") -> str:
    """The SQL expression of ``title_key`` over ``column`` (an SQL expression) in ``dialect``.

    NULL where ``title_key`` is ``None``; an empty field (NULL) is the empty title, as in
    the audit. Every step mirrors one of ``normalise.py`` for ASCII text, in its order.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; one of {', '.join(DIALECTS)}")
    d = _Dialect(dialect)
    t = f"coalesce({column}, '')"
    s = f"lower({t})"
    s = d.replace(d.replace(s, "&", " and "), "+", " and ")
    # Segment separators -> '|' (before apostrophes go: "x '-y" is one segment).
    s = f"translate({s}, {d.lit(_SEPARATORS)}, {d.lit('|' * len(_SEPARATORS))})"
    s = d.regexp_replace(s, _DASHES, "|")
    s = d.replace(d.replace(s, "'", ""), "`", "")
    s = f"trim({d.regexp_replace(s, '[^a-z0-9|]+', ' ')})"
    s = d.regexp_replace(s, " *[|] *", "|")
    s = d.regexp_replace(s, "[|]+", "|")
    s = d.regexp_replace(s, "^[|]|[|]$", "")
    # Every word between spaces of its own (" a  b | c "), so that REPLACE changes whole
    # words, and each occurrence of a repeated word.
    s = d.concat("' '", d.replace(d.regexp_replace(s, " +", "  "), "|", " | "), "' '")
    for old, new in WORD_VARIANTS.items():
        s = d.replace(s, f" {old} ", f" {new} ")
    for old, new in PHRASE_VARIANTS.items():
        s = d.replace(s, " " + "  ".join(old) + " ", " " + "  ".join(new) + " ")
    s = f"trim({d.regexp_replace(s, ' +', ' ')})"
    return f"CASE WHEN {d.guard(t)} THEN {s} END"
