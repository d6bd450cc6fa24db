"""Typo correction: a word is changed only when it is plausibly a misspelling of exactly one
vocabulary word, in time linear in the title."""

from __future__ import annotations

import re

from .cache import MAX_CACHE
from .index import MIN_TYPO_LEN, LabelIndex
from .tokens import Tokeniser

_NO_FIX: tuple[tuple[str, ...], float] = ((), 100.0)


class TypoCorrector:
    """Corrects the out-of-vocabulary words of a title against one label index."""

    def __init__(self, index: LabelIndex, tok: Tokeniser):
        self._tok = tok
        self._label_words = index.label_words
        self._vocab_set = index.vocab_set
        self._vocab_maxlen = index.vocab_maxlen
        self._vocab_by_first = index.vocab_by_first
        # Lengths of the label words by first letter, shortest first: the only cuts at which
        # a word can be a run-together pair of label words.
        lengths: dict[str, set[int]] = {}
        for v in self._label_words:
            lengths.setdefault(v[0], set()).add(len(v))
        self._label_lengths = {c: sorted(ns) for c, ns in lengths.items()}
        self._fix_cache: dict[str, tuple[tuple[str, ...], float]] = {}
        self._pools: dict[tuple[str, int], list[str]] = {}
        # Imported when a matcher is built, not when the package is imported.
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        self._distance = OSA.distance
        self._extract = extract

    def _needs_fix(self, w: str) -> bool:
        """True when ``w`` is a word correction would try (not known, long enough)."""
        n = len(w)
        return not (
            w in self._vocab_set or w.isdigit() or n < MIN_TYPO_LEN or n > self._vocab_maxlen + 2
        )

    def fix(self, w: str) -> tuple[tuple[str, ...], float]:
        """The memoised correction of any word: (replacement words, similarity 0-100); no
        words when it is known, too short, too long or no single vocabulary word is near."""
        found = self._fix_cache.get(w)
        if found is None:
            found = self._fix_word(w) if self._needs_fix(w) else _NO_FIX
            if len(self._fix_cache) >= MAX_CACHE:
                self._fix_cache.clear()
            self._fix_cache[w] = found
        return found

    def can_fix(self, words: list[str]) -> bool:
        """True when correction would change at least one of ``words``."""
        fix = self.fix
        return any(fix(w)[0] for w in words)

    def correct(self, words: list[str], segs: list[int]):
        """Typos corrected against the vocabulary, word by word, in time linear in the title.

        Only a word that is plausibly a misspelling of one vocabulary word is changed: at
        least ``MIN_TYPO_LEN`` letters, the same first letter, at most one edit (two from
        nine letters on; a swap of two letters is one edit) and no other vocabulary word as
        close. So "aromatherapist" stays (it is not a misspelt dramatherapist), and short
        real words ("camp", "sand", "paint") are never turned into "cap", "and", "pain".
        Returns (words, segment numbers, similarity of the worst change, changes), or
        ``None`` when nothing changed.
        """
        out_w: list[str] = []
        out_s: list[int] = []
        worst = 100.0
        changes = []
        for w, s in zip(words, segs, strict=True):
            fix = self.fix(w)
            if not fix[0]:
                out_w.append(w)
                out_s.append(s)
                continue
            out_w.extend(fix[0])
            out_s.extend([s] * len(fix[0]))
            worst = min(worst, fix[1])
            changes.append(f"{w}->{' '.join(fix[0])}")
        if not changes:
            return None
        # Corrections can complete an abbreviation or a phrase; re-expand each segment.
        words2: list[str] = []
        segs2: list[int] = []
        tok = self._tok
        for seg in sorted(set(out_s)):
            part = [w for w, s in zip(out_w, out_s, strict=True) if s == seg]
            for w in tok.content(tok.expand(part)):
                words2.append(w)
                segs2.append(seg)
        return words2, segs2, worst / 100.0, changes

    def _pool(self, first: str, n: int, limit: int) -> list[str]:
        """Vocabulary words that start with ``first`` and are within ``limit`` letters of
        ``n`` long: the only ones ``limit`` edits can reach (an edit changes the length by
        one at most), so the search looks at a handful of words, not hundreds."""
        key = (first, n)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = [
                v for v in self._vocab_by_first.get(first, ()) if abs(len(v) - n) <= limit
            ]
        return pool

    def _fix_word(self, w: str) -> tuple[tuple[str, ...], float]:
        """The correction of one word (empty when none) and its similarity, 0-100."""
        n = len(w)
        # A run-together pair of known words ("clinicalpsychologist").
        label_words = self._label_words
        for cut in self._label_lengths.get(w[0], ()):
            if 3 <= cut < n - 2 and w[:cut] in label_words and w[cut:] in label_words:
                return (w[:cut], w[cut:]), 95.0
        limit = 1 if n < 9 else 2
        pool = self._pool(w[0], n, limit)
        if not pool:
            return _NO_FIX
        found = self._extract(w, pool, scorer=self._distance, limit=2, score_cutoff=limit)
        if not found:
            return _NO_FIX
        fixed, dist = found[0][0], found[0][1]
        if len(found) > 1 and found[1][1] == dist:
            # Two vocabulary words as near. Pick one only when the word is it with an s
            # written as a soft c (said /s/ before e, i or y): "councellor" is counsellor so
            # misspelt, not councillor with another vowel. Anything else stays as it is
            # ("counsillor" is as near to both and is neither).
            fixed = soft_c_as_s(w)
            if fixed == w or fixed not in self._vocab_set:
                return _NO_FIX
        return (fixed,), 100.0 * (1 - dist / max(n, len(fixed)))


_SOFT_C = re.compile(r"c(?=[eiy])")


def soft_c_as_s(word: str) -> str:
    """The word with each soft c (before e, i or y, where it is said /s/) written as s."""
    return _SOFT_C.sub("s", word)
