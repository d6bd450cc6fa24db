"""Typo correction: a word is changed only when it is plausibly a misspelling of exactly one
vocabulary word, in time linear in the title."""

from __future__ import annotations

from .cache import cached
from .index import MIN_TYPO_LEN, LabelIndex
from .tokens import Tokeniser


class TypoCorrector:
    """Corrects the out-of-vocabulary words of a title against one label index."""

    def __init__(self, index: LabelIndex, tok: Tokeniser):
        self._tok = tok
        self._label_words = index.label_words
        self._vocab_set = index.vocab_set
        self._vocab_maxlen = index.vocab_maxlen
        self._vocab_by_first = index.vocab_by_first
        self._fix_cache: dict[str, tuple[tuple[str, ...], float]] = {}

    def needs_fix(self, w: str) -> bool:
        """True when ``w`` is a word correction would try (not known, long enough)."""
        n = len(w)
        return not (
            w in self._vocab_set or w.isdigit() or n < MIN_TYPO_LEN or n > self._vocab_maxlen + 2
        )

    def fix(self, w: str) -> tuple[tuple[str, ...], float]:
        """The memoised correction of one word (empty when none) and its similarity."""
        return cached(self._fix_cache, w, self._fix_word)

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
            if not self.needs_fix(w):
                out_w.append(w)
                out_s.append(s)
                continue
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

    def _fix_word(self, w: str) -> tuple[tuple[str, ...], float]:
        """The correction of one word (empty when none) and its similarity, 0-100."""
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        n = len(w)
        # A run-together pair of known words ("clinicalpsychologist").
        for cut in range(3, n - 2):
            a, b = w[:cut], w[cut:]
            if a in self._label_words and b in self._label_words:
                return (a, b), 95.0
        limit = 1 if n < 9 else 2
        pool = self._vocab_by_first.get(w[0], ())
        found = extract(w, pool, scorer=OSA.distance, limit=2, score_cutoff=limit)
        if found and (len(found) == 1 or found[1][1] > found[0][1]):
            fixed, dist = found[0][0], found[0][1]
            return (fixed,), 100.0 * (1 - dist / max(n, len(fixed)))
        return (), 100.0
