"""From a title's segments to the words the matcher reads: abbreviations expanded ("Snr",
"Clin Psych", "HIT"), joined band text split ("b7" -> "band 7"), stopwords and titles of
address dropped. Also ``PhraseTable``, the longest-first phrase lookup the rule tables use."""

from __future__ import annotations

import re
from typing import Any

from ..normalise import normalise_title
from .cache import MAX_CACHE

_BAND_JOINED = re.compile(r"^(?:band|bd|b|afc|grade|gr)([1-9]|8[a-d])$")


class PhraseTable:
    """Phrases (tuples of words) -> value, looked up longest first."""

    __slots__ = ("first", "maxlen", "table")

    def __init__(self, table: dict[tuple[str, ...], Any]):
        self.table = table
        self.maxlen = max((len(k) for k in table), default=0)
        self.first = frozenset(k[0] for k in table)

    def scan(self, words: list[str] | tuple[str, ...]) -> list[tuple[int, int, Any]]:
        """Every longest phrase found, left to right, without overlaps: (start, end, value)."""
        out = []
        i, n = 0, len(words)
        first, table = self.first, self.table
        while i < n:
            if words[i] in first:
                for size in range(min(self.maxlen, n - i), 0, -1):
                    value = table.get(tuple(words[i : i + size]))
                    if value is not None:
                        out.append((i, i + size, value))
                        i += size
                        break
                else:
                    i += 1
            else:
                i += 1
        return out


def split_bands(words: list[str]) -> list[str]:
    """ "b7", "band8a", "afc7" -> "band", "7"."""
    out = []
    for w in words:
        if len(w) > 1 and not w[0].isdigit() and w[-1] in "0123456789abcd":
            m = _BAND_JOINED.match(w)
            if m:
                out.extend(("band", m.group(1)))
                continue
        out.append(w)
    return out


class Tokeniser:
    """The words of a title segment as the matcher reads them (see the module docstring)."""

    def __init__(self, rules: dict[str, Any]):
        self.abbrev = PhraseTable(
            {
                tuple(normalise_title(k).split()): tuple(normalise_title(v).split())
                for k, v in (rules.get("abbreviations") or {}).items()
            }
        )
        self.honorifics = frozenset(rules.get("honorifics") or ())
        self.stop = frozenset(rules.get("stopwords") or ())
        self._dropped = self.stop | self.honorifics
        self._seg_cache: dict[str, tuple[str, ...]] = {}

    def expand(self, words: list[str]) -> list[str]:
        """Abbreviations expanded, then joined band text split."""
        table = self.abbrev
        if table.first.intersection(words):
            out: list[str] = []
            last = 0
            for start, end, value in table.scan(words):
                out.extend(words[last:start])
                out.extend(value)
                last = end
            out.extend(words[last:])
            words = out
        return split_bands(words)

    def content(self, words: list[str]) -> tuple[str, ...]:
        """The words without stopwords and titles of address."""
        dropped = self._dropped
        return tuple(w for w in words if w not in dropped)

    def phrase(self, text: object) -> tuple[str, ...]:
        """Any text (a rule-table phrase, a label) as the words the matcher compares."""
        return self.content(self.expand(normalise_title(str(text)).split()))

    def segment_words(self, segment: str) -> tuple[str, ...]:
        """The words of one normalised segment, memoised (segments repeat across titles)."""
        found = self._seg_cache.get(segment)
        if found is None:
            if len(self._seg_cache) >= MAX_CACHE:
                self._seg_cache.clear()
            found = self._seg_cache[segment] = self.content(self.expand(segment.split()))
        return found

    def tokens(self, segments: tuple[str, ...]) -> tuple[list[str], list[int]]:
        """The words of a title's segments and, for each word, its segment number."""
        words: list[str] = []
        segs: list[int] = []
        for i, seg in enumerate(segments):
            found = self.segment_words(seg)
            words.extend(found)
            segs.extend([i] * len(found))
        return words, segs


def natural_order(title: str) -> str | None:
    """ONS's inverted form in natural word order: "Psychologist, clinical, consultant" ->
    "consultant clinical psychologist". ``None`` unless the title looks inverted (a head of
    at most two words before the first comma)."""
    parts = [p.strip() for p in title.split(",")]
    if len(parts) < 2 or not parts[0] or len(parts[0].split()) > 2 or not all(parts):
        return None
    return " ".join([*reversed(parts[1:]), parts[0]])
