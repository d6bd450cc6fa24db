"""Match free-text job titles to a profession and a level: ``match(title) -> Match``.

    >>> from pptaxonomy.matcher import match
    >>> m = match("Snr Clinical Psychologist - CAMHS (Band 8a)")
    >>> (m.status, m.profession_id, m.level_id, m.method)
    ('matched', 'clinical-psychologist', 'senior', 'exact')

How a title is read (the details are in ``match_rules.yaml`` and ``docs/audit.md``):

1. Normalise it (``pptaxonomy.normalise``) and split it at its separators, so that
   "Psychologist - CAMHS (North)" has a job part and qualifier parts; expand abbreviations
   ("Snr", "Clin Psych", "HIT"); read band text ("Band 8a", "B7", "AfC 7").
2. Look every run of words up in a label index built from the taxonomy: each profession's
   name, labels (preferred, protected, alternative, acronym, historic, hidden) and level titles,
   plus the few extra aliases of the rule table. The longest runs win; runs of different
   professions make the title ``ambiguous``.
3. Hard negatives (psychiatrists, nurses, OTs, administrators, debt and genetic counsellors,
   peer support workers, the generic "mental health practitioner"...) make it
   ``not-psychological``, unless the negative words lie inside a profession label.
4. The words left over must be explained: seniority words give the level, qualifiers
   (service, team, place, contract) cost nothing, unexplained words lower the score.
5. A title with no label run is tried as a bag of words (a rule match), then with typos
   corrected against the vocabulary (rapidfuzz, strict cut-off), then as a generalisation of
   labels ("Psychologist" fits seven professions: ``ambiguous``).

Below ``THRESHOLD`` the matcher abstains (``unknown``); it never guesses silently. A
``Matcher`` is built once per taxonomy and cached, and it caches its answers by title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .normalise import normalise_title, title_segments

if TYPE_CHECKING:
    from .loader import Taxonomy

__all__ = [
    "MAX_TITLE_CHARS",
    "METHODS",
    "STATUSES",
    "THRESHOLD",
    "Alternative",
    "Match",
    "Matcher",
    "match",
    "matcher_for",
]

STATUSES = ("matched", "ambiguous", "unknown", "not-psychological")
METHODS = ("exact", "alias", "hidden label", "rule", "fuzzy", "local")
#: A title is ``matched`` only at or above this score; below it the matcher abstains. Chosen
#: from the calibration table in docs/audit.md (``bench/calibrate.py`` on the dev part of the
#: real corpus): every reading at 0.80 or more was right, none of those under 0.80.
THRESHOLD = 0.8
RULES_FILE = Path(__file__).with_name("match_rules.yaml")

# Label kind -> (method, base score).
_KIND = {
    "name": ("exact", 1.0),
    "preferred": ("exact", 1.0),
    "protected_title": ("exact", 1.0),
    "level_title": ("exact", 1.0),
    "alternative": ("alias", 0.98),
    "acronym": ("alias", 0.98),
    "historic": ("alias", 0.97),
    "hidden": ("hidden label", 0.96),
    "rule": ("rule", 0.94),
}
_KIND_RANK = {
    k: i
    for i, k in enumerate(
        (
            "rule",
            "hidden",
            "historic",
            "acronym",
            "alternative",
            "level_title",
            "protected_title",
            "preferred",
            "name",
        )
    )
}
_BAND_JOINED = re.compile(r"^(?:band|bd|b|afc|grade|gr)([1-9]|8[a-d])$")
_BAND_VALUE = re.compile(r"^([1-9]|8[a-d])$")
_BAND_WORDS = {"band", "bd", "afc", "grade", "gr"}
_MAX_CACHE = 200_000
_EXACT_KINDS = frozenset(("name", "preferred", "protected_title", "level_title"))
# Cost of each unexplained word next to an acronym label (APP, CAP, PWP...).
_ACRONYM_PENALTY = 0.2
#: Words shorter than this are never typo-corrected (too many real words lie one edit apart).
_MIN_TYPO_LEN = 6
#: Titles longer than this are not read: no job title is that long, and reading one would
#: cost time in proportion to its length.
MAX_TITLE_CHARS = 1000
# Last words of labels that name a discipline or service rather than a person.
_DISCIPLINES = frozenset(
    ("psychology", "therapy", "therapies", "psychotherapy", "counselling", "dramatherapy", "cbt")
)


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another reading of a title, with its score."""

    profession_id: str
    level_id: str | None
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """What the matcher read in a title.

    ``status`` is ``matched`` (``profession_id`` set, ``score`` >= ``THRESHOLD``),
    ``ambiguous`` (several professions fit; see ``alternatives``; a title naming several
    professions, "Forensic/Clinical Psychologist", lists exactly those; a title naming only a
    group lists the group's professions and sets ``group_id``), ``unknown`` (the matcher
    abstains) or ``not-psychological`` (a hard negative such as a psychiatrist or a nurse).
    """

    title: str
    profession_id: str | None
    level_id: str | None
    score: float
    status: str
    method: str | None
    alternatives: tuple[Alternative, ...] = ()
    reason: str = ""
    #: The profession group the title names: the group of the matched profession, the
    #: group shared by every alternative, or the group a group-only title names
    #: ("Psychologist", "Psychological therapist"); ``None`` when there is none.
    group_id: str | None = None

    @property
    def is_match(self) -> bool:
        return self.status == "matched"

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status,
            "profession_id": self.profession_id,
            "level_id": self.level_id,
            "score": self.score,
            "method": self.method,
            "alternatives": [
                {"profession_id": a.profession_id, "level_id": a.level_id, "score": a.score}
                for a in self.alternatives
            ],
            "reason": self.reason,
            "group_id": self.group_id,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    profession_id: str
    kind: str
    level_id: str | None
    text: str


@dataclass(slots=True)
class _Hit:
    start: int
    end: int  # exclusive
    entries: tuple[_Entry, ...]

    @property
    def size(self) -> int:
        return self.end - self.start


class _PhraseTable:
    """Phrases (tuples of words) -> value, looked up longest first."""

    __slots__ = ("first", "maxlen", "table")

    def __init__(self, table: dict[tuple[str, ...], Any]):
        self.table = table
        self.maxlen = max((len(k) for k in table), default=0)
        self.first = {k[0] for k in table}

    def scan(self, words: list[str]) -> list[tuple[int, int, Any]]:
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


def _load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)


class Matcher:
    """A title matcher for one taxonomy. Build it with ``matcher_for(taxonomy)``."""

    def __init__(self, taxonomy: Taxonomy, rules: dict[str, Any] | None = None):
        rules = rules if rules is not None else _load_rules()
        self.taxonomy = taxonomy
        self.data_version = taxonomy.data_version
        self._cache: dict[str, Match] = {}
        self._key_cache: dict[tuple[str, ...], Match] = {}
        self._seg_cache: dict[str, tuple[str, ...]] = {}
        self._quiet_cache: dict[str, bool] = {}
        self._fix_cache: dict[str, tuple[tuple[str, ...], float]] = {}

        self._abbrev = _PhraseTable(
            {
                tuple(normalise_title(k).split()): tuple(normalise_title(v).split())
                for k, v in (rules.get("abbreviations") or {}).items()
            }
        )
        self._honorifics = frozenset(rules.get("honorifics") or ())
        self._stop = frozenset(rules.get("stopwords") or ())
        self._level_words = _PhraseTable(
            {self._phrase(k): v for k, v in (rules.get("level_words") or {}).items()}
        )
        self._level_fallbacks = dict(rules.get("level_fallbacks") or {})
        self._neutral = frozenset(normalise_title(str(w)) for w in rules.get("neutral_words") or ())
        quals = {self._phrase(q): True for q in rules.get("qualifiers") or ()}
        self._qualifiers = _PhraseTable({k: v for k, v in quals.items() if k})
        neg: dict[tuple[str, ...], tuple[str, str]] = {}
        negatives = rules.get("negatives") or {}
        for strength in ("weak", "strong"):
            for category, phrases in (negatives.get(strength) or {}).items():
                for phrase in phrases:
                    key = self._phrase(phrase)
                    if key:
                        neg[key] = (strength, category)
        self._negatives = _PhraseTable(neg)
        self._head_negatives: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
        for head, spec in (rules.get("head_negatives") or {}).items():
            mods = tuple(k for k in (self._phrase(m) for m in spec.get("modifiers") or ()) if k)
            self._head_negatives[normalise_title(head)] = (str(spec.get("category")), mods)

        level_rank = {lv.id: lv.rank for lv in taxonomy.levels.values()}
        self._level_rank = level_rank
        self._levels_of: dict[str, tuple[str, ...]] = {}
        self._bands_of: dict[str, dict[str, tuple[str, ...]]] = {}
        index: dict[tuple[str, ...], list[_Entry]] = {}
        self._profession_names: dict[str, str] = {}
        self._group_of = {p.id: p.group for p in taxonomy.professions.values()}
        self._group_terms: dict[frozenset[str], str] = {}
        for g in taxonomy.groups.values() if hasattr(taxonomy, "groups") else ():
            words = self._phrase(g.name)
            if len(words) >= 1 and words[-1].endswith("s"):
                # "Psychological therapists" -> "psychological therapist"
                self._group_terms[frozenset((*words[:-1], words[-1][:-1]))] = g.id
            self._group_terms[frozenset(words)] = g.id
        self._umbrellas: dict[frozenset[str], tuple[str, ...]] = {}
        for text, pids in (rules.get("umbrella_terms") or {}).items():
            known = tuple(p for p in pids if p in taxonomy.professions)
            if known:
                self._umbrellas[frozenset(self._phrase(text))] = known
        for gid, texts in (rules.get("group_terms") or {}).items():
            for text in texts:
                self._group_terms[frozenset(self._phrase(text))] = gid
        self._modifiers: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        for head, table in (rules.get("profession_modifiers") or {}).items():
            for mod, target in (table or {}).items():
                # A profession not yet in the data still changes the reading: the title names
                # a profession this release does not have, so the matcher abstains.
                self._modifiers.setdefault(self._phrase(head), []).append(
                    (self._phrase(mod), target)
                )
        for mods in self._modifiers.values():
            mods.sort(key=lambda mt: -len(mt[0]))
        self._modifier_blockers: dict[str, frozenset[str]] = {
            target: frozenset(words)
            for target, words in (rules.get("modifier_blockers") or {}).items()
        }

        def add(text: str, pid: str, kind: str, level: str | None = None) -> None:
            key = self._content(self._expand(normalise_title(text).split()))
            if not key:
                return
            entries = index.setdefault(key, [])
            for n, e in enumerate(entries):
                if e.profession_id == pid:
                    # A level title that is also a label ("Clinical psychologist") names
                    # the profession, not a level: the level then comes from the words.
                    if kind != "level_title" and _KIND_RANK[kind] > _KIND_RANK[e.kind]:
                        entries[n] = _Entry(pid, kind, e.level_id, text)
                    return
            entries.append(_Entry(pid, kind, level, text))

        for p in taxonomy.professions.values():
            self._profession_names[p.id] = p.name
            self._levels_of[p.id] = p.level_ids
            self._bands_of[p.id] = {pl.level: pl.bands for pl in p.levels}
            target = p.id
            if p.is_deprecated and p.replaced_by:
                target = p.replaced_by
            add(p.name, target, "name")
            for lab in p.labels:
                add(lab.text, target, lab.kind if lab.kind in _KIND else "hidden")
            for pl in p.levels:
                for text in _level_title_forms(pl.title):
                    add(text, target, "level_title", pl.level)
        for pid, texts in (rules.get("extra_aliases") or {}).items():
            if pid in taxonomy.professions:
                for text in texts:
                    add(text, pid, "rule")
        self._index = {k: tuple(v) for k, v in index.items()}
        self._index_first = {k[0] for k in self._index}
        self._index_maxlen = max((len(k) for k in self._index), default=1)
        # Bag-of-words index: frozenset(words) -> entries, and word -> label keys.
        self._bags: dict[frozenset[str], list[_Entry]] = {}
        self._by_word: dict[str, set[tuple[str, ...]]] = {}
        for key, entries in self._index.items():
            self._bags.setdefault(frozenset(key), []).extend(entries)
            for w in key:
                self._by_word.setdefault(w, set()).add(key)
        # Head nouns (last words of labels) that no hard negative shares: "psychologist"
        # yes; "therapist" (occupational therapist), "practitioner" (general practitioner) no.
        negative_words = {w for k in self._negatives.table for w in k}
        heads = {
            k[-1]
            for k, entries in self._index.items()
            if any(e.kind in ("name", "preferred", "protected_title") for e in entries)
        }
        self._distinct_heads = frozenset(heads) - negative_words
        # Words that name a profession: a leftover one of these in a title is a conflict.
        self._label_words = frozenset(self._by_word)
        self._vocab = sorted(
            self._label_words
            | {w for k in self._level_words.table for w in k}
            | {w for k in self._qualifiers.table for w in k}
            | {w for k in self._negatives.table for w in k}
            | self._neutral
            | self._stop
        )
        self._vocab_set = frozenset(self._vocab)
        self._vocab_maxlen = max((len(w) for w in self._vocab), default=0)
        self._vocab_by_first: dict[str, list[str]] = {}
        for w in self._vocab:
            if len(w) >= _MIN_TYPO_LEN - 1:
                self._vocab_by_first.setdefault(w[0], []).append(w)
        # Words that can name a profession, a level or a hard negative.
        self._special = (
            self._label_words
            | {w for k in self._level_words.table for w in k}
            | {w for k in self._negatives.table for w in k}
            | {w for mods in self._modifiers.values() for mod, _ in mods for w in mod}
        )

    # -- text helpers -------------------------------------------------------------------

    def _expand(self, words: list[str]) -> list[str]:
        table = self._abbrev
        if not table.first.intersection(words):
            words = words
        else:
            out: list[str] = []
            last = 0
            for start, end, value in table.scan(words):
                out.extend(words[last:start])
                out.extend(value)
                last = end
            out.extend(words[last:])
            words = out
        return self._split_bands(words)

    @staticmethod
    def _split_bands(words: list[str]) -> list[str]:
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

    def _content(self, words: list[str]) -> tuple[str, ...]:
        return tuple(w for w in words if w not in self._stop and w not in self._honorifics)

    def _phrase(self, text: object) -> tuple[str, ...]:
        return self._content(self._expand(normalise_title(str(text)).split()))

    # -- public API ---------------------------------------------------------------------

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
        cached = self._cache.get(title)
        if cached is not None:
            return cached
        segments = title_segments(title)
        result = _cached(self._key_cache, segments, self._match_segments)
        if (
            "," in title
            and not (result.status == "matched" and result.score >= 0.95)
            and not self._label_words.isdisjoint(normalise_title(title).split())
        ):
            natural = _natural_order(title)
            if natural is not None:
                other = self._key_cache.get(title_segments(natural))
                if other is None:
                    other = self._match_segments(title_segments(natural))
                if _better(other, result):
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
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        self._cache[title] = result
        return result

    def match_many(self, titles: Iterable[object]) -> list[Match]:
        return [self.match(t) for t in titles]

    # -- the reading ---------------------------------------------------------------------

    def _tokens(self, segments: tuple[str, ...]) -> tuple[list[str], list[int]]:
        words: list[str] = []
        segs: list[int] = []
        cache = self._seg_cache
        for i, seg in enumerate(segments):
            found = cache.get(seg)
            if found is None:
                if len(cache) >= _MAX_CACHE:
                    cache.clear()
                found = cache[seg] = self._content(self._expand(seg.split()))
            words.extend(found)
            segs.extend([i] * len(found))
        return words, segs

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
        words, segs = self._tokens(segments)
        if not words:
            return Match("", None, None, 0.0, "unknown", None, (), "no words in the title")
        result = self._read(words, segs, fuzzy=None)
        if result.status in ("matched", "not-psychological") and result.score >= 0.95:
            return result
        oov = [w for w in words if w not in self._vocab_set and not w.isdigit()]
        if oov:
            fixed = self._correct(words, segs)
            if fixed is not None:
                new_words, new_segs, ratio, changes = fixed
                second = self._read(new_words, new_segs, fuzzy=(ratio, changes))
                if _better(second, result):
                    return second
                if (
                    second.status == result.status == "matched"
                    and second.profession_id == result.profession_id
                    and second.level_id != result.level_id
                ):
                    # The correction explained a word ("Senoir"): its level, the first score.
                    return replace(second, score=result.score)
        return result

    def _says_nothing(self, segment: str) -> bool:
        """True when a segment holds only service, team, place, contract or hours words and
        numbers: nothing that could name a profession, a level or a band."""
        found = self._quiet_cache.get(segment)
        if found is None:
            words = list(self._content(self._expand(segment.split())))
            found = False
            if words and not any(w in self._special for w in words):
                level, _, explained, band = self._explain(words, list(range(len(words))))
                found = (
                    level is None
                    and band is None
                    and all(i in explained or w.isdigit() for i, w in enumerate(words))
                )
            if len(self._quiet_cache) >= _MAX_CACHE:
                self._quiet_cache.clear()
            self._quiet_cache[segment] = found
        return found

    def _correct(self, words: list[str], segs: list[int]):
        """Typos corrected against the vocabulary, word by word, in time linear in the title.

        Only a word that is plausibly a misspelling of one vocabulary word is changed: at
        least ``_MIN_TYPO_LEN`` letters, the same first letter, at most one edit (two from
        nine letters on; a swap of two letters is one edit) and no other vocabulary word as
        close. So "aromatherapist" stays (it is not a misspelt dramatherapist), and short
        real words ("camp", "sand", "paint") are never turned into "cap", "and", "pain".
        """
        out_w: list[str] = []
        out_s: list[int] = []
        worst = 100.0
        changes = []
        for w, s in zip(words, segs, strict=True):
            n = len(w)
            if (
                w in self._vocab_set
                or w.isdigit()
                or n < _MIN_TYPO_LEN
                or n > self._vocab_maxlen + 2
            ):
                out_w.append(w)
                out_s.append(s)
                continue
            fix = _cached(self._fix_cache, w, self._fix_word)
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
        for seg in sorted(set(out_s)):
            part = [w for w, s in zip(out_w, out_s, strict=True) if s == seg]
            for w in self._content(self._expand(part)):
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

    def _hits(self, words: list[str], segs: list[int]) -> list[_Hit]:
        hits = []
        n = len(words)
        index, first = self._index, self._index_first
        for i in range(n):
            if words[i] not in first:
                continue
            for size in range(min(self._index_maxlen, n - i), 0, -1):
                entries = index.get(tuple(words[i : i + size]))
                if entries is None:
                    continue
                j = i + size
                if segs[i] != segs[j - 1] and (
                    (i > 0 and segs[i - 1] == segs[i]) or (j < n and segs[j] == segs[j - 1])
                ):
                    # A run across a separator must cover whole segments:
                    # "Psychologist (Forensic)" yes, "Clinical Psychologist (Forensic
                    # Services)" no.
                    continue
                hits.append(_Hit(i, j, entries))
                break  # the longest run starting here
        # Drop runs inside a longer run.
        hits.sort(key=lambda h: (-h.size, h.start))
        kept: list[_Hit] = []
        for h in hits:
            if not any(k.start <= h.start and h.end <= k.end for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h.start)
        return kept

    def _read(self, words: list[str], segs: list[int], fuzzy) -> Match:
        hits = self._hits(words, segs)
        covered = [False] * len(words)
        for h in hits:
            for i in range(h.start, h.end):
                covered[i] = True
        missing = self._apply_modifiers(words, hits, covered)
        if missing is not None and all(not h.entries for h in hits):
            return self._nothing(
                f"'{missing[0]}' names {missing[1]}, not a profession of this release", fuzzy
            )
        hits = [h for h in hits if h.entries]
        hits = self._coordinated(words, segs, hits, covered)

        # Hard negatives: strong ones anywhere outside a profession label, weak ones only
        # when no label is found at all.
        for start, end, (strength, category) in self._negatives.scan(words):
            inside = all(covered[i] for i in range(start, end))
            if inside:
                continue
            if strength == "strong" and any(
                segs[h.start] < segs[start]
                and segs[h.start] == segs[h.end - 1]
                and h.size > 1
                and any(e.kind in _EXACT_KINDS for e in h.entries)
                for h in hits
            ):
                # "Clinical Psychologist (Mental Health Practitioner)": an exact profession
                # name in the job title's segment is not overridden by a qualifier segment.
                continue
            if strength == "strong" or not hits:
                phrase = " ".join(words[start:end])
                return self._not_psychological(f"'{phrase}' ({category})", fuzzy)

        leftover = [i for i in range(len(words)) if not covered[i]]
        head_negative = self._head_negative(words, hits, leftover)
        if head_negative is not None:
            phrase, head, category = head_negative
            why = f"'{phrase}' is not a therapeutic {head} ({category})"
            return self._not_psychological(why, fuzzy)
        level_word, level_phrase, explained, band = self._explain(words, leftover)
        unexplained = [i for i in leftover if i not in explained]
        if hits and level_word is not None and len(set(segs)) > 1:
            # The level named in the job title's own segment wins over one in a qualifier
            # segment ("Consultant Clinical Psychologist - Team Lead" is a consultant); with
            # none there, a level title ("Consultant clinical psychologist") wins.
            main = segs[hits[0].start]
            own = self._explain(words, [i for i in leftover if segs[i] == main])[0]
            if own is not None:
                level_word = own
            elif any(e.level_id for e in hits[0].entries):
                level_word = None

        if hits:
            return self._from_hits(
                words, segs, hits, unexplained, level_word, level_phrase, band, fuzzy
            )
        core = tuple(words[i] for i in unexplained)
        if not core:
            return self._nothing(
                "no profession named (only seniority, band or service words)", fuzzy
            )
        group = self._group_terms.get(frozenset(core))
        if group is not None:
            return self._group_answer(group, level_word, band, fuzzy)
        umbrella = self._umbrellas.get(frozenset(core))
        if umbrella is not None:
            alts = tuple(
                Alternative(pid, self._level_for(pid, None, level_word, band)[0], 0.6)
                for pid in umbrella
            )
            return self._result(
                None,
                None,
                0.6,
                "ambiguous",
                "rule",
                alts,
                f"'{' '.join(core)}' is an umbrella term for {', '.join(umbrella)}",
                fuzzy,
            )
        bag = self._bags.get(frozenset(core)) or self._scattered(core, words)
        if bag:
            hit = _Hit(0, 0, tuple(bag))
            return self._from_hits(
                words, segs, [hit], [], level_word, level_phrase, band, fuzzy, bag_of_words=True
            )
        return self._generalisation(core, level_word, band, fuzzy)

    def _group_answer(self, group: str, level_word, band, fuzzy) -> Match:
        """A title that names only a group ("Psychologist"): ambiguous over its professions."""
        pids = sorted(
            p.id
            for p in self.taxonomy.professions.values()
            if p.group == group and not p.is_deprecated
        )
        alts = tuple(
            Alternative(pid, self._level_for(pid, None, level_word, band)[0], 0.6) for pid in pids
        )
        m = self._result(
            None,
            None,
            0.6,
            "ambiguous",
            "rule",
            alts,
            f"names only the group '{group}', not one of its {len(pids)} professions",
            fuzzy,
        )
        return replace(m, group_id=group)

    def _apply_modifiers(self, words, hits, covered) -> tuple[str, str] | None:
        """Words that change the profession a label names: "Child psychotherapist",
        "Psychotherapist, children's", "CYP PWP" (``profession_modifiers``). Returns
        (phrase, profession id) when the new profession is not in the taxonomy."""
        missing = None
        if not self._modifiers:
            return None
        for h in hits:
            mods = self._modifiers.get(tuple(words[h.start : h.end]))
            if not mods:
                continue
            free = {w: i for i, w in enumerate(words) if not covered[i]}
            for mod, target in mods:
                if self._modifier_blockers.get(target, frozenset()) & free.keys():
                    continue  # "Psychotherapist (Adult) - CAMHS" names its population
                if all(w in free for w in mod):
                    text = " ".join((*mod, *words[h.start : h.end]))
                    if target not in self._group_of:
                        h.entries = ()
                        missing = (text, target)
                        for w in mod:
                            covered[free[w]] = True
                        break
                    h.entries = (_Entry(target, "rule", None, text),)
                    for w in mod:
                        covered[free[w]] = True
                    break
        return missing

    @staticmethod
    def _whole_segment(segs: list[int], h: _Hit) -> bool:
        """True when the run is the whole of its segment ("... / Psychotherapist")."""
        seg = segs[h.start]
        return (
            segs[h.end - 1] == seg
            and (h.start == 0 or segs[h.start - 1] != seg)
            and (h.end == len(segs) or segs[h.end] != seg)
            and seg != segs[0]
        )

    def _coordinated(self, words, segs, hits, covered) -> list[_Hit]:
        """Disciplines coordinated with a label: "Forensic/Clinical Psychologist", "Health or
        Clinical Psychologist", "Clinical and Forensic Psychologist". Each discipline word
        just before a label, which with the label's head forms another label, adds that
        profession, so the title reads as exactly those professions. A discipline in another
        segment counts only when its segment holds nothing else ("Forensic / ..."), so that
        "Clinical Psychologist - Forensic Services" stays one profession."""
        extra: list[_Hit] = []
        for h in hits:
            if h.size < 2:
                continue
            tail = tuple(words[h.start + 1 : h.end])
            found: list[tuple[int, tuple[_Entry, ...]]] = []
            joiners: list[int] = []
            j = h.start - 1
            while j >= 0 and not covered[j]:
                if words[j] == "or":
                    joiners.append(j)
                elif (words[j],) in self._level_words.table:
                    pass  # "Senior Clinical/Counselling Psychologist": the level is shared
                elif (entries := self._index.get((words[j], *tail))) is not None:
                    found.append((j, entries))
                else:
                    break
                j -= 1
            if not found:
                continue
            # Words of another segment count only if that whole segment was read.
            if j >= 0 and segs[j] != segs[h.start] and segs[j] == segs[j + 1]:
                found = [(i, e) for i, e in found if segs[i] == segs[h.start]]
            for i, entries in found:
                extra.append(_Hit(i, i + 1, entries))
                covered[i] = True
            first = min(i for i, _ in found) if found else h.start
            for i in joiners:
                if i > first:
                    covered[i] = True
        if not extra:
            return hits
        return sorted([*hits, *extra], key=lambda x: x.start)

    def _head_negative(self, words, hits, leftover):
        """(modifier, head noun, category) when every label found is a head noun of
        ``head_negatives`` and the other words name a non-therapeutic modifier of it."""
        if not hits or not leftover or not self._head_negatives:
            return None
        heads = {" ".join(words[h.start : h.end]) for h in hits}
        if len(heads) != 1:
            return None
        head = next(iter(heads))
        spec = self._head_negatives.get(head)
        if spec is None:
            return None
        rest = {words[i] for i in leftover}
        for mod in spec[1]:
            if rest.issuperset(mod):
                return " ".join(mod), head, spec[0]
        return None

    def _scattered(self, core: tuple[str, ...], words: list[str]) -> list[_Entry]:
        """Labels whose words all appear in the title, in any order, and cover its core.

        "Psychologist - Clinical" or "CYP Wellbeing Practitioner (IAPT)": the biggest such
        label wins; several of the same size give every profession they name.
        """
        keys = None
        for w in core:
            found = self._by_word.get(w)
            if not found:
                return []
            keys = set(found) if keys is None else keys & found
            if not keys:
                return []
        present = set(words)
        fits = [k for k in keys if present.issuperset(k)]
        if not fits:
            return []
        size = max(len(k) for k in fits)
        out: list[_Entry] = []
        for k in fits:
            if len(k) == size:
                out.extend(self._index[k])
        return out

    def _explain(self, words: list[str], leftover: list[int]):
        """Leftover words that are seniority, band, qualifier or neutral words."""
        explained: set[int] = set()
        levels: list[tuple[str, str]] = []
        band = None
        if not leftover:
            return None, None, explained, None
        runs: list[list[int]] = []
        for i in leftover:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            sub = [words[i] for i in run]
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
                if _BAND_VALUE.match(w):
                    after_band_word = j > 0 and sub[j - 1] in _BAND_WORDS
                    if after_band_word or not w.isdigit() or j == len(sub) - 1:
                        band = w
                    explained.add(idx)
                elif w in self._neutral or w in _BAND_WORDS:
                    explained.add(idx)
        level_word = self._pick_level([lv for lv, _ in levels])
        level_phrase = next((p for lv, p in levels if lv == level_word), None)
        return level_word, level_phrase, explained, band

    def _pick_level(self, names: list[str]) -> str | None:
        """Trainee wins (a trainee post says so); otherwise the highest level named."""
        if not names:
            return None
        if "trainee" in names:
            return "trainee"
        return max(names, key=lambda lv: self._level_rank.get(lv, 0))

    def _level_for(
        self, pid: str, entry_level: str | None, level_word: str | None, band: str | None
    ) -> tuple[str | None, str]:
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

    def _from_hits(
        self,
        words,
        segs,
        hits,
        unexplained,
        level_word,
        level_phrase,
        band,
        fuzzy,
        bag_of_words=False,
    ) -> Match:
        # Candidates: best entry per profession over all hits.
        per: dict[str, tuple[float, _Hit, _Entry]] = {}
        for h in hits:
            for e in h.entries:
                method, base = _KIND["rule"] if bag_of_words else _KIND[e.kind]
                strength = h.size + _KIND_RANK[e.kind] / 10.0
                cur = per.get(e.profession_id)
                if cur is None or strength > cur[0]:
                    per[e.profession_id] = (strength, h, e)
        ranked = sorted(per.items(), key=lambda kv: -kv[1][0])
        if len(ranked) > 1:
            # A generic one-word hidden label ("psychotherapist") gives way to a longer
            # label, and a discipline ("health psychology", "family therapy") to a job title:
            # "Counselling Psychologist - Health Psychology Service" is one profession.
            top_size = ranked[0][1][1].size
            has_role = any(words[kv[1][1].end - 1] not in _DISCIPLINES for kv in ranked)
            ranked = [
                kv
                for kv in ranked
                if kv is ranked[0]
                or not (
                    (
                        kv[1][1].size == 1
                        and kv[1][2].kind == "hidden"
                        and top_size > 1
                        and not self._whole_segment(segs, kv[1][1])
                    )
                    or (has_role and words[kv[1][1].end - 1] in _DISCIPLINES)
                )
            ]

        penalty = 0.0
        hit_segs = (
            {segs[i] for h in hits for i in range(h.start, h.end)}
            if not bag_of_words
            else set(segs)
        )
        for i in unexplained:
            same = segs[i] in hit_segs
            conflict = words[i] in self._label_words
            penalty += (0.15 if conflict else 0.07) if same else (0.05 if conflict else 0.02)

        alts = []
        for pid, (_strength, h, e) in ranked:
            method, base = _KIND["rule"] if bag_of_words else _KIND[e.kind]
            score = base - penalty
            if e.kind == "acronym" and h.size == 1 and unexplained:
                # "App developer", "Cap maker", ONS's "Developer, app": a one-word acronym
                # after or beside words it does not explain is more likely an ordinary word.
                # Words in later (qualifier) segments do not count: "APP - Primary Care
                # Network" is an APP.
                near = sum(1 for i in unexplained if segs[i] <= segs[h.start])
                score -= _ACRONYM_PENALTY * near
            if fuzzy is not None:
                score = score * fuzzy[0] - 0.02
            word = level_word
            if word is None and e.level_id is None and not bag_of_words:
                # A label with a seniority word in it ("Assistant psychologist").
                inner = [lv for _, _, lv in self._level_words.scan(words[h.start : h.end])]
                word = self._pick_level(inner)
            level, level_reason = self._level_for(pid, e.level_id, word, band)
            alts.append((pid, level, round(max(score, 0.0), 3), method, e, level_reason))
        alternatives = tuple(Alternative(a[0], a[1], a[2]) for a in alts)
        pid, level, score, method, entry, level_reason = alts[0]
        ignored = [words[i] for i in unexplained]
        if len(alts) > 1:
            names = ", ".join(a[0] for a in alts)
            return self._result(
                None,
                None,
                score,
                "ambiguous",
                method,
                alternatives,
                f"'{_join(words, hits)}' fits several professions: {names}",
                fuzzy,
            )
        how = "words" if bag_of_words else f"{entry.kind.replace('_', ' ')} '{entry.text}'"
        reason = f"{how}; {level_reason}"
        if ignored:
            reason += f"; unexplained: {' '.join(ignored)}"
        if score < THRESHOLD:
            return self._result(
                None,
                None,
                score,
                "unknown",
                method,
                alternatives,
                f"best reading {pid} scored {score:.2f}, below {THRESHOLD} (the band under "
                f"which readings of the real development titles were wrong; docs/audit.md): "
                f"{reason}",
                fuzzy,
            )
        return self._result(pid, level, score, "matched", method, (), reason, fuzzy)

    def _generalisation(self, core, level_word, band, fuzzy) -> Match:
        """A title whose words all appear in labels of some professions ("Psychologist")."""
        keys = None
        for w in core:
            found = self._by_word.get(w)
            if not found:
                return self._nothing(
                    f"no profession label matches; unknown words: {' '.join(core)}", fuzzy
                )
            keys = set(found) if keys is None else keys & found
            if not keys:
                break
        if not keys:
            return self._nothing(f"no single label has all of: {' '.join(core)}", fuzzy)
        if not any(w in self._distinct_heads for w in core):
            # "Practitioner", "Therapist", "Clinical", "Worker": words that many jobs
            # outside the psychological professions share; too little even to be ambiguous.
            return self._nothing(
                f"'{' '.join(core)}' names no profession (no head noun of its own)", fuzzy
            )
        pids: dict[str, _Entry] = {}
        for k in keys:
            for e in self._index[k]:
                pids.setdefault(e.profession_id, e)
        score = 0.6 if len(pids) > 1 else 0.7
        if fuzzy is not None:
            score = score * fuzzy[0]
        alts = tuple(
            Alternative(pid, self._level_for(pid, None, level_word, band)[0], round(score, 3))
            for pid in sorted(pids)
        )
        if len(pids) > 1:
            return self._result(
                None,
                None,
                round(score, 3),
                "ambiguous",
                "rule",
                alts,
                f"'{' '.join(core)}' is part of labels of {len(pids)} professions",
                fuzzy,
            )
        return self._result(
            None,
            None,
            round(score, 3),
            "unknown",
            "rule",
            alts,
            f"'{' '.join(core)}' is only part of a label of {alts[0].profession_id}; "
            "too little to match",
            fuzzy,
        )

    def _nothing(self, reason: str, fuzzy) -> Match:
        """No reading at all: unknown, score 0, with the reason."""
        return self._result(None, None, 0.0, "unknown", None, (), reason, fuzzy)

    def _not_psychological(self, why: str, fuzzy) -> Match:
        """A negative rule decided the title: ``why`` names the phrase and its category."""
        reason = f"not a psychological profession: {why}"
        return self._result(None, None, 1.0, "not-psychological", "rule", (), reason, fuzzy)

    def _result(self, pid, level, score, status, method, alts, reason, fuzzy) -> Match:
        if fuzzy is not None:
            method = "fuzzy" if status in ("matched", "ambiguous", "unknown") and method else method
            reason = f"{reason}; typo corrected: {', '.join(fuzzy[1])}"
        group = None
        if pid is not None:
            group = self._group_of.get(pid)
        elif alts and status == "ambiguous":
            groups = {self._group_of.get(a.profession_id) for a in alts}
            if len(groups) == 1:
                group = groups.pop()
        return Match("", pid, level, round(float(score), 3), status, method, alts, reason, group)


_PARENS = re.compile(r"\s*\(([^()]*)\)\s*")


def _level_title_forms(title: str | None) -> list[str]:
    """A level title and, when it has a bracketed part, the title without it and that part.

    "Senior (highly specialist) clinical psychologist" -> also "Senior clinical psychologist";
    "High intensity therapist (CBT therapist)" -> also "High intensity therapist" and
    "CBT therapist".
    """
    if not title:
        return []
    forms = [title]
    inner = _PARENS.findall(title)
    if inner:
        forms.append(_PARENS.sub(" ", title).strip())
        if title.rstrip().endswith(")"):
            forms.append(inner[-1])
    return forms


def _natural_order(title: str) -> str | None:
    """ONS's inverted form in natural word order: "Psychologist, clinical, consultant" ->
    "consultant clinical psychologist". ``None`` unless the title looks inverted (a head of
    at most two words before the first comma)."""
    parts = [p.strip() for p in title.split(",")]
    if len(parts) < 2 or not parts[0] or len(parts[0].split()) > 2 or not all(parts):
        return None
    return " ".join([*reversed(parts[1:]), parts[0]])


def _join(words: list[str], hits: list[_Hit]) -> str:
    return " / ".join(" ".join(words[h.start : h.end]) for h in hits) or " ".join(words)


_STATUS_RANK = {"matched": 3, "not-psychological": 3, "ambiguous": 2, "unknown": 1}


def _better(new: Match, old: Match) -> bool:
    a, b = _STATUS_RANK[new.status], _STATUS_RANK[old.status]
    if a != b:
        return a > b
    return new.score > old.score


@lru_cache(maxsize=8)
def _matcher_cached(taxonomy: Taxonomy) -> Matcher:
    return Matcher(taxonomy)


def matcher_for(taxonomy: Taxonomy | None = None) -> Matcher:
    """The cached matcher of ``taxonomy`` (the packaged release by default)."""
    if taxonomy is None:
        from .loader import load

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


def cli_match(titles: Iterable[str], as_json: bool = False, local_titles: str | None = None) -> int:
    """``pptaxonomy match``: print a table (or JSON lines) of readings; returns the exit code.

    ``local_titles``: a CSV of ``title,profession_id[,level_id]`` that wins over the matcher
    (``pptaxonomy.local_titles``); a bad file prints its error and returns 2.
    """
    import json
    import sys

    m: Any = matcher_for()
    if local_titles is not None:
        from .local_titles import LocalTitlesError, load_local_titles

        try:
            m = load_local_titles(local_titles)
        except LocalTitlesError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    results = [m.match(t) for t in titles]
    if as_json:
        for r in results:
            # One record a line: U+2028/U+2029 and DEL would split it for str.splitlines().
            line = json.dumps(r.to_dict(), ensure_ascii=False)
            print(line.translate(_JSON_LINE_BREAKS))
        return 0
    width = min(max((len(r.title) for r in results), default=5), 50)
    print(f"{'title':{width}}  {'status':17} {'profession':38} {'level':15} score  method")
    for r in results:
        title = "".join(ch if ch.isprintable() else " " for ch in r.title)
        if len(title) > width:
            title = title[: width - 1] + "\u2026"
        print(
            f"{title:{width}}  {r.status:17} {r.profession_id or '-':38} {r.level_id or '-':15} "
            f"{r.score:.2f}   {r.method or '-'}"
        )
        detail = r.reason
        if r.alternatives and r.status != "matched":
            alts = ", ".join(
                f"{a.profession_id}{'/' + a.level_id if a.level_id else ''} {a.score:.2f}"
                for a in r.alternatives
            )
            detail += f" [alternatives: {alts}]"
        print(f"{'':{width}}  \u2514 {detail}")
    sys.stdout.flush()
    return 0


_JSON_LINE_BREAKS = {0x2028: "\\u2028", 0x2029: "\\u2029", 0x7F: "\\u007f", 0x85: "\\u0085"}


def _cached(cache: dict, key: Any, compute: Any) -> Any:
    """``cache[key]``, computed on a miss; the cache is emptied when it reaches _MAX_CACHE."""
    value = cache.get(key)
    if value is None:
        value = compute(key)
        if len(cache) >= _MAX_CACHE:
            cache.clear()
        cache[key] = value
    return value
