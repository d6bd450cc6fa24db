"""Levels: the seniority, band, qualifier and neutral words of a title, and the level of a
profession they give ("Senior", "Band 8a", a level title, a fallback)."""

from __future__ import annotations

from .index import LabelIndex
from .rules import RuleTables

#: Band numbers as they stand alone ("7", "8a").
_BAND_VALUES = frozenset((*"123456789", "8a", "8b", "8c", "8d"))
#: Words that introduce a band number ("Band 7", "AfC 6").
BAND_WORDS = frozenset(("band", "bd", "afc", "grade", "gr"))


class LevelReader:
    """Reads levels and explains leftover words for one set of rule tables and labels."""

    def __init__(self, tables: RuleTables, index: LabelIndex):
        self._level_words = tables.level_words
        self._qualifiers = tables.qualifiers
        self._neutral = tables.neutral
        self._level_fallbacks = tables.level_fallbacks
        self._level_rank = index.level_rank
        self._levels_of = index.levels_of
        self._bands_of = index.bands_of
        # Words explained on their own, and every word that can explain anything.
        self._single = tables.neutral | BAND_WORDS
        self.explainable = (
            self._single | _BAND_VALUES | tables.level_words.first | tables.qualifiers.first
        )

    def explain(self, words: list[str], leftover: list[int]):
        """Leftover words that are seniority, band, qualifier or neutral words:
        (level named, its phrase, indices explained, band named)."""
        explained: set[int] = set()
        if not leftover:
            return None, None, explained, None
        levels: list[tuple[str, str]] = []
        band = None
        runs: list[list[int]] = []
        prev = -2
        for i in leftover:
            if i == prev + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
            prev = i
        explainable, single = self.explainable, self._single
        for run in runs:
            sub = [words[i] for i in run]
            if explainable.isdisjoint(sub):
                continue  # most words of most titles: nothing to look up
            for start, end, level in self._level_words.scan(sub):
                levels.append((level, " ".join(sub[start:end])))
                explained.update(run[start:end])
            for start, end, _ in self._qualifiers.scan(sub):
                if not any(run[j] in explained for j in range(start, end)):
                    explained.update(run[start:end])
            for j, w in enumerate(sub):
                idx = run[j]
                if idx in explained:
                    continue
                if w in _BAND_VALUES:
                    after_band_word = j > 0 and sub[j - 1] in BAND_WORDS
                    if after_band_word or not w.isdigit() or j == len(sub) - 1:
                        band = w
                    explained.add(idx)
                elif w in single:
                    explained.add(idx)
        if not levels:
            return None, None, explained, band
        level_word = self.pick_level([lv for lv, _ in levels])
        level_phrase = next((p for lv, p in levels if lv == level_word), None)
        return level_word, level_phrase, explained, band

    def pick_level(self, names: list[str]) -> str | None:
        """Trainee wins (a trainee post says so); otherwise the highest level named."""
        if not names:
            return None
        if "trainee" in names:
            return "trainee"
        return max(names, key=lambda lv: self._level_rank.get(lv, 0))

    def level_for(
        self, pid: str, entry_level: str | None, level_word: str | None, band: str | None
    ) -> tuple[str | None, str]:
        """The level of ``pid`` a title gives, and why."""
        held = self._levels_of.get(pid, ())
        if level_word is not None:
            if level_word in held:
                return level_word, f"level from '{level_word}'"
            fb = self._level_fallbacks.get(level_word)
            if fb in held:
                return fb, f"level {fb} ({level_word} is not a level of {pid})"
            if len(held) == 1:
                return held[0], f"level {held[0]} (the only level of {pid})"
            if entry_level is not None:
                return entry_level, "level from the level title"
            return None, f"no level: {level_word} is not a level of {pid}"
        if entry_level is not None:
            return entry_level, "level from the level title"
        if band is not None:
            fits = [lv for lv, bands in self._bands_of.get(pid, {}).items() if band in bands]
            if "qualified" in fits:
                return "qualified", f"qualified (band {band}, no seniority word)"
            if len(fits) == 1:
                return fits[0], f"level from band {band}"
            if len(fits) > 1:
                return None, f"no level: band {band} fits {' or '.join(fits)}"
            if "qualified" in held:
                return None, f"no level: band {band} fits no level of {pid}"
        if "qualified" in held:
            return "qualified", "qualified (no seniority word)"
        if len(held) == 1:
            return held[0], f"level {held[0]} (the only level of {pid})"
        return None, "no level evident"
