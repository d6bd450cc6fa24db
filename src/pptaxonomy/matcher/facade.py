"""The ``Matcher``: one per taxonomy, built from its parts (tokeniser, rule tables, label
index, level reader, typo corrector, reader) and memoising its answers by title."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..normalise import PHRASE_VARIANTS, normalise_title, title_segments
from .cache import MAX_CACHE, MAX_READINGS, cached
from .index import LabelIndex
from .levels import LevelReader
from .reading import Reader
from .result import Match, better
from .rules import RuleTables, load_rules
from .shortcut import Shortcut
from .tokens import Tokeniser, natural_order
from .typos import TypoCorrector

if TYPE_CHECKING:
    from ..loader import Taxonomy

#: Titles longer than this are not read: no job title is that long, and reading one would
#: cost time in proportion to its length.
MAX_TITLE_CHARS = 1000


class Matcher:
    """A title matcher for one taxonomy. Build it with ``matcher_for(taxonomy)``."""

    def __init__(self, taxonomy: Taxonomy, rules: dict[str, Any] | None = None):
        rules = rules if rules is not None else load_rules()
        self.taxonomy = taxonomy
        self.data_version = taxonomy.data_version
        self._cache: dict[str, Match] = {}
        self._key_cache: dict[tuple[str, ...], Match] = {}
        self._quiet_cache: dict[str, bool] = {}
        self._tok = Tokeniser(rules)
        tables = RuleTables(rules, self._tok, taxonomy)
        index = LabelIndex(taxonomy, tables, self._tok)
        self._levels = LevelReader(tables, index)
        self._typos = TypoCorrector(index, self._tok)
        self._reader = Reader(taxonomy, tables, index, self._levels, self._tok)
        self._shortcut = Shortcut(tables, index, self._levels, self._tok, self._typos)
        self._label_words = index.label_words
        self._vocab_set = index.vocab_set
        self._special = index.special
        # Words that can start a label run or a hard negative. Most real titles hold none of
        # them ("Plumber", "Account manager") and skip that part of the reading.
        self._run_starts = index.first | tables.negatives.first
        self._phrase_first = frozenset(k[0] for k in PHRASE_VARIANTS)

    def forget(self) -> None:
        """Empty the memo tables (readings, segments, words, corrections): for a caller that
        has read all its titles and needs the memory for what comes next (the audit's
        DuckDB stage). Readings stay the same; only the next titles are read from scratch."""
        from ..normalise import _PART_CACHE

        self._cache.clear()
        self._key_cache.clear()
        self._quiet_cache.clear()
        self._tok._seg_cache.clear()
        self._typos._fix_cache.clear()
        self._shortcut.forget()
        _PART_CACHE.clear()

    def match(self, title: object) -> Match:
        """Read one title. Never raises for any string; non-strings read as empty."""
        if not isinstance(title, str):
            title = "" if title is None else str(title)
        if len(title) > MAX_TITLE_CHARS:
            return Match(
                title,
                None,
                None,
                0.0,
                "unknown",
                None,
                (),
                f"not read: {len(title):,} characters, longer than any job title "
                f"({MAX_TITLE_CHARS:,} at most)",
            )
        known = self._cache.get(title)
        if known is not None:
            return known
        result = self._shortcut.answer(title)
        if result is None:
            result = self._read(title)
        if len(self._cache) >= MAX_READINGS:
            self._cache.clear()
        self._cache[title] = result
        return result

    def _read(self, title: str) -> Match:
        """The full reading of a title (its segments, inverted forms, natural order)."""
        segments = title_segments(title)
        inverted = self._reader.inverted_negative(title) if "," in title else None
        result = inverted or cached(self._key_cache, segments, self._match_segments, MAX_READINGS)
        if (
            inverted is None
            and "," in title
            and not (result.status == "matched" and result.score >= 0.95)
            and self._names_a_label(title, segments)
        ):
            natural = natural_order(title)
            if natural is not None:
                other = cached(
                    self._key_cache, title_segments(natural), self._match_segments, MAX_READINGS
                )
                if better(other, result):
                    result = replace(other, reason=f"read as '{natural}': {other.reason}")
        if result.title != title:
            r = result
            result = Match(
                title,
                r.profession_id,
                r.level_id,
                r.score,
                r.status,
                r.method,
                r.alternatives,
                r.reason,
                r.group_id,
            )
        return result

    def match_many(self, titles: Iterable[object]) -> list[Match]:
        return [self.match(t) for t in titles]

    # -- the reading ---------------------------------------------------------------------

    def _match_segments(self, segments: tuple[str, ...]) -> Match:
        if len(segments) > 1:
            # Segments that say nothing about the profession or level ("- CAMHS", "(North)",
            # "(Fixed Term)", "(0.8 WTE)") cannot change the reading: read the title without
            # them (and share the answer with every title that differs only in them).
            kept = tuple(seg for seg in segments if not self._says_nothing(seg))
            if kept and len(kept) < len(segments):
                found = self._key_cache.get(kept)
                if found is None:
                    found = self._key_cache[kept] = self._match_segments(kept)
                return found
        words, segs = self._tok.tokens(segments)
        if not words:
            return Match("", None, None, 0.0, "unknown", None, (), "no words in the title")
        if not self._typos.can_fix(words) and (
            self._run_starts.isdisjoint(words) or self._reader.finds_nothing(words, segs)
        ):
            # The full reading would find no run and no negative, and correction would
            # change nothing: the rest of the reading gives the same answer.
            quick = self._reader.read_runless(words)
            if quick is not None:
                return quick
        result = self._reader.read(words, segs, fuzzy=None)
        if result.status in ("matched", "not-psychological") and result.score >= 0.95:
            return result
        oov = [w for w in words if w not in self._vocab_set and not w.isdigit()]
        if oov:
            fixed = self._typos.correct(words, segs)
            if fixed is not None:
                new_words, new_segs, ratio, changes = fixed
                second = self._reader.read(new_words, new_segs, fuzzy=(ratio, changes))
                if better(second, result):
                    return second
                if (
                    second.status == result.status == "matched"
                    and second.profession_id == result.profession_id
                    and second.level_id != result.level_id
                ):
                    # The correction explained a word ("Senoir"): its level, the first score.
                    return replace(second, score=result.score)
        return result

    def _names_a_label(self, title: str, segments: tuple[str, ...]) -> bool:
        """True when the title's words include a label word (the words of its segments,
        unless a spelling variant could join words across a separator)."""
        words = [w for seg in segments for w in seg.split()]
        if not self._label_words.isdisjoint(words):
            return True
        if self._phrase_first.isdisjoint(words):
            return False
        return not self._label_words.isdisjoint(normalise_title(title).split())

    def _says_nothing(self, segment: str) -> bool:
        """True when a segment holds only service, team, place, contract or hours words and
        numbers: nothing that could name a profession, a level or a band."""
        found = self._quiet_cache.get(segment)
        if found is None:
            words = list(self._tok.segment_words(segment))
            found = False
            if words and not any(w in self._special for w in words):
                level, _, explained, band = self._levels.explain(words, list(range(len(words))))
                found = (
                    level is None
                    and band is None
                    and all(i in explained or w.isdigit() for i, w in enumerate(words))
                )
            if len(self._quiet_cache) >= MAX_CACHE:
                self._quiet_cache.clear()
            self._quiet_cache[segment] = found
        return found


@lru_cache(maxsize=8)
def _matcher_cached(taxonomy: Taxonomy) -> Matcher:
    return Matcher(taxonomy)


def matcher_for(taxonomy: Taxonomy | None = None) -> Matcher:
    """The cached matcher of ``taxonomy`` (the packaged release by default)."""
    if taxonomy is None:
        from ..loader import load

        taxonomy = load()
    return _matcher_cached(taxonomy)


def match(title: str, taxonomy: Taxonomy | None = None) -> Match:
    """Read a job title: the profession and level it names, or why it names none.

    >>> match("Trainee PWP").level_id
    'trainee'
    >>> match("Consultant Psychiatrist").status
    'not-psychological'
    """
    return matcher_for(taxonomy).match(title)
