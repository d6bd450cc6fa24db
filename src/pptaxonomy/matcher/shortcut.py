"""The short path for titles none of whose words can name a profession.

Most real titles ("Plumber", "Shop assistant, retail", "Technician, laboratory") hold no word
that any step of the reading acts on. For such a title the full reading finds no label run,
no negative, no level, qualifier or band, corrects no typo and reads no inverted form: it
answers ``unknown`` with the words it did not know. ``Shortcut.answer`` gives that answer
straight from the title's words, without splitting segments or running the reading.

A word is *active* when some step could act on it: a word of a label, a level phrase, a
qualifier, a hard negative (by phrase, head noun or inverted form), a modifier, a group or
umbrella term, an abbreviation or a spelling variant; a stopword or honorific (dropped from
the words read); a word with a digit in it (bands, hours); a word the typo step would
correct. A title with an active word takes the full reading; one without never needs it.
``tests/test_matcher_shortcut.py`` checks that both give the same answer on corpus titles.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..normalise import PHRASE_VARIANTS, WORD_VARIANTS, _clean
from .cache import MAX_CACHE
from .levels import BAND_WORDS
from .result import Match

if TYPE_CHECKING:
    from .index import LabelIndex
    from .levels import LevelReader
    from .rules import RuleTables
    from .tokens import Tokeniser
    from .typos import TypoCorrector

# The words of a cleaned title, as ``normalise`` splits them (apostrophes removed first).
_WORD = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"[0-9]")

#: Word kinds in the memo table. A ``NEGATIVE`` word starts a hard negative and nothing else.
INERT, DROPPED, ACTIVE, NEGATIVE = 0, 1, 2, 3

_UNKNOWN_WORDS = "no profession label matches; unknown words: "


def _words_of(phrases) -> set[str]:
    return {w for p in phrases for w in p}


class Shortcut:
    """Answers the titles that have no active word; ``None`` for every other title."""

    def __init__(
        self,
        tables: RuleTables,
        index: LabelIndex,
        levels: LevelReader,
        tok: Tokeniser,
        typos: TypoCorrector,
    ):
        # Phrase tables (levels, qualifiers, negatives, abbreviations) are read from their
        # first words; a later word acts only after one. Modifiers, served populations,
        # blockers and the modifiers of head nouns act only beside a label run.
        active: set[str] = set(index.label_words)
        active |= levels.explainable | BAND_WORDS
        active |= _words_of(tok.abbrev.table)
        active |= _words_of(PHRASE_VARIANTS) | set(WORD_VARIANTS)
        active |= _words_of(tables.group_terms) | _words_of(tables.umbrellas)
        for table in (tables.head_negatives, tables.inverted_head_negatives):
            active |= {w for head in table for w in head.split()}
        # Stopwords and honorifics are dropped before anything but normalisation and the
        # abbreviations reads them (every rule phrase and label is compared without them),
        # so they are dropped here too, unless one of those steps names them.
        before_content = (
            _words_of(tok.abbrev.table)
            | _words_of(PHRASE_VARIANTS)
            | set(WORD_VARIANTS)
            | {w for head in tables.inverted_head_negatives for w in head.split()}
        )
        dropped = (tok.stop | tok.honorifics) - before_content
        kinds = {w: NEGATIVE for w in tables.negatives.first - active - dropped}
        kinds.update({w: ACTIVE for w in active - dropped})
        kinds.update({w: DROPPED for w in dropped})
        self._fixed = kinds
        self._kinds = dict(kinds)
        self._fix = typos.fix
        self._negatives = tables.negatives

    def kind(self, word: str) -> int:
        """``INERT``, ``DROPPED`` or ``ACTIVE`` (memoised; see the module docstring)."""
        found = self._kinds.get(word)
        if found is None:
            # Every band form ("b7", "8a") has a digit. A word the typo step would correct
            # only into words no step acts on either ("loader" -> "leader" is not one:
            # leader is a level word) cannot change the answer: the corrected reading
            # finds nothing either, and the first reading stands.
            if _DIGIT.search(word):
                found = ACTIVE
            else:
                fixed = self._fix(word)[0]
                known = self._fixed
                found = ACTIVE if any(v in known or _DIGIT.search(v) for v in fixed) else INERT
            if len(self._kinds) >= MAX_CACHE:
                self._kinds = dict(self._fixed)  # only the learnt words are forgotten
            self._kinds[word] = found
        return found

    def forget(self) -> None:
        """Forget the words learnt from titles (the fixed kinds stay)."""
        self._kinds = dict(self._fixed)

    def answer(self, title: str) -> Match | None:
        """The full reading's answer when no word of ``title`` is active, else ``None``.

        A title whose other words are inert and whose negative words form a hard negative
        ("Driver, bus") is ``not-psychological`` by the first strong negative, else by the
        first weak one, as the full reading finds them (no label run can override them)."""
        clean = _clean(title)
        if "'" in clean:
            clean = clean.replace("'", "")
        kinds = self._kinds
        kept = []
        negative = False
        for w in _WORD.findall(clean):
            k = kinds.get(w)
            if k is None:
                k = self.kind(w)
            if k == INERT:
                kept.append(w)
            elif k == NEGATIVE:
                kept.append(w)
                negative = True
            elif k == ACTIVE:
                return None
        if not kept:
            return None  # no words, or only dropped ones: the full reading says which
        if negative:
            return self._negative(title, kept)
        return Match(
            title, None, None, 0.0, "unknown", None, (), _UNKNOWN_WORDS + " ".join(kept), None
        )

    def _negative(self, title: str, words: list[str]) -> Match | None:
        weak = None
        for start, end, (strength, category) in self._negatives.scan(words):
            if strength == "strong":
                return _not_psychological(title, words, start, end, category)
            if weak is None:
                weak = (start, end, category)
        if weak is None:
            return None  # a negative's first word without the rest of it: read in full
        return _not_psychological(title, words, *weak)


def _not_psychological(title: str, words: list[str], start: int, end: int, category: str):
    why = f"not a psychological profession: '{' '.join(words[start:end])}' ({category})"
    return Match(title, None, None, 1.0, "not-psychological", "rule", (), why, None)
