"""The reading of a title's words: label runs (longest first, whole segments across a
separator), words that change the profession ("Child psychotherapist"), coordinated
disciplines ("Forensic/Clinical Psychologist"), hard negatives by phrase and by head noun,
groups and umbrella terms, and labels whose words are scattered through the title."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..normalise import normalise_title
from .index import EXACT_KINDS, Entry, Hit, LabelIndex
from .levels import LevelReader
from .result import Alternative, Match
from .rules import RuleTables
from .scoring import Scorer
from .tokens import Tokeniser

if TYPE_CHECKING:
    from ..loader import Taxonomy


class Reader:
    """Reads the words of a title (``Tokeniser.tokens``) for one taxonomy."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        tables: RuleTables,
        index: LabelIndex,
        levels: LevelReader,
        tok: Tokeniser,
    ):
        self.taxonomy = taxonomy
        self._levels = levels
        self._score = Scorer(tables, index, levels)
        self._negatives = tables.negatives
        self._head_negatives = tables.head_negatives
        self._group_terms = tables.group_terms
        self._umbrellas = tables.umbrellas
        self._modifiers = tables.modifiers
        self._modifier_blockers = tables.modifier_blockers
        self._level_words = tables.level_words
        self._index = index.index
        self._index_first = index.first
        self._index_maxlen = index.maxlen
        self._bags = index.bags
        self._by_word = index.by_word
        self._group_of = index.group_of
        self._tok = tok
        self._served_populations = tables.served_populations
        self._inverted_head_negatives = tables.inverted_head_negatives

    def _hits(self, words: list[str], segs: list[int]) -> list[Hit]:
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
                hits.append(Hit(i, j, entries))
                break  # the longest run starting here
        # Drop runs inside a longer run.
        hits.sort(key=lambda h: (-h.size, h.start))
        kept: list[Hit] = []
        for h in hits:
            if not any(k.start <= h.start and h.end <= k.end for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h.start)
        return kept

    def read(self, words: list[str], segs: list[int], fuzzy) -> Match:
        hits = self._hits(words, segs)
        covered = [False] * len(words)
        for h in hits:
            for i in range(h.start, h.end):
                covered[i] = True
        missing = self._apply_modifiers(words, hits, covered)
        if missing is not None and all(not h.entries for h in hits):
            return self._score.nothing(
                f"'{missing[0]}' names {missing[1]}, not a profession of this release", fuzzy
            )
        hits = [h for h in hits if h.entries]
        hits = self._coordinated(words, segs, hits, covered)
        for h in hits:
            umbrella = self._umbrellas.get(frozenset(words[h.start : h.end]))
            if umbrella is not None:
                # A label that is also an umbrella term ("NHS Talking Therapies therapist")
                # names each of the umbrella's professions.
                text = " ".join(words[h.start : h.end])
                h.entries = tuple(Entry(pid, "rule", None, text) for pid in umbrella)

        # Hard negatives: strong ones anywhere outside a profession label, weak ones only
        # when no label, group or umbrella term is found at all.
        weak = None
        for start, end, (strength, category) in self._negatives.scan(words):
            inside = all(covered[i] for i in range(start, end))
            if inside:
                continue
            if strength == "strong" and any(
                segs[h.start] < segs[start]
                and segs[h.start] == segs[h.end - 1]
                and h.size > 1
                and any(e.kind in EXACT_KINDS for e in h.entries)
                for h in hits
            ):
                # "Clinical Psychologist (Mental Health Practitioner)": an exact profession
                # name in the job title's segment is not overridden by a qualifier segment.
                continue
            if strength == "strong":
                phrase = " ".join(words[start:end])
                return self._score.not_psychological(f"'{phrase}' ({category})", fuzzy)
            if not hits and weak is None:
                weak = f"'{' '.join(words[start:end])}' ({category})"

        leftover = [i for i in range(len(words)) if not covered[i]]
        head_negative = self._head_negative(words, hits, leftover)
        if head_negative is not None:
            phrase, head, category = head_negative
            why = f"'{phrase}' is not a therapeutic {head} ({category})"
            return self._score.not_psychological(why, fuzzy)
        served = self._served(hits)
        if served:
            # "Student counsellor": the population the profession serves, not its level.
            leftover = [i for i in leftover if words[i] not in served]
        level_word, level_phrase, explained, band = self._levels.explain(words, leftover)
        unexplained = [i for i in leftover if i not in explained]
        if hits and level_word is not None and len(set(segs)) > 1:
            # The level named in the job title's own segment wins over one in a qualifier
            # segment ("Consultant Clinical Psychologist - Team Lead" is a consultant); with
            # none there, a level title ("Consultant clinical psychologist") wins.
            main = segs[hits[0].start]
            own = self._levels.explain(words, [i for i in leftover if segs[i] == main])[0]
            if own is not None:
                level_word = own
            elif any(e.level_id for e in hits[0].entries):
                level_word = None

        if hits:
            return self._score.from_hits(
                words, segs, hits, unexplained, level_word, level_phrase, band, fuzzy
            )
        core = tuple(words[i] for i in unexplained)
        if weak is not None and (
            frozenset(core) not in self._group_terms and frozenset(core) not in self._umbrellas
        ):
            return self._score.not_psychological(weak, fuzzy)
        if not core:
            return self._score.nothing(
                "no profession named (only seniority, band or service words)", fuzzy
            )
        group = self._group_terms.get(frozenset(core))
        if group is not None:
            return self._group_answer(group, level_word, band, fuzzy)
        umbrella = self._umbrellas.get(frozenset(core))
        if umbrella is not None:
            reason = f"'{' '.join(core)}' is an umbrella term for {', '.join(umbrella)}"
            return self._ambiguous_among(umbrella, reason, level_word, band, fuzzy)
        bag = self._bags.get(frozenset(core)) or self._scattered(core, words)
        if bag:
            hit = Hit(0, 0, tuple(bag))
            return self._score.from_hits(
                words, segs, [hit], [], level_word, level_phrase, band, fuzzy, bag_of_words=True
            )
        return self._score.generalisation(core, level_word, band, fuzzy)

    def finds_nothing(self, words: list[str], segs: list[int]) -> bool:
        """True when the words hold no label run and no hard negative ("Assistant, shop":
        "assistant" starts labels, but none is there)."""
        return not self._negatives.scan(words) and not self._hits(words, segs)

    def read_runless(self, words: list[str]) -> Match | None:
        """``read`` for words in which no label run and no hard negative can start (the
        caller checks), without those steps; ``None`` when the words form a group, umbrella
        or scattered label (read those in full)."""
        level_word, _, explained, band = self._levels.explain(words, list(range(len(words))))
        core = tuple(w for i, w in enumerate(words) if i not in explained)
        if not core:
            return self._score.nothing(
                "no profession named (only seniority, band or service words)", None
            )
        key = frozenset(core)
        if key in self._group_terms or key in self._umbrellas or key in self._bags:
            return None
        if self._scattered(core, words):
            return None
        return self._score.generalisation(core, level_word, band, None)

    def _served(self, hits: list[Hit]) -> frozenset[str]:
        """Words naming a population that a profession of ``hits`` serves."""
        if not self._served_populations:
            return frozenset()
        out: frozenset[str] = frozenset()
        for h in hits:
            for e in h.entries:
                found = self._served_populations.get(e.profession_id)
                if found:
                    out |= found
        return out

    def inverted_negative(self, title: str) -> Match | None:
        """``not-psychological`` for ONS's inverted form of a non-therapeutic head noun
        ("Counsellor, bank": ``inverted_head_negatives``), else ``None``."""
        head, _, rest = title.partition(",")
        spec = self._inverted_head_negatives.get(normalise_title(head))
        if spec is None:
            return None
        rest_words = set(self._tok.phrase(rest))
        for mod in spec[1]:
            if rest_words.issuperset(mod):
                phrase = " ".join(mod)
                why = (
                    f"'{phrase}' is not a therapeutic {normalise_title(head)} ({spec[0]}; "
                    f"ONS's inverted form '{normalise_title(head)}, {phrase}')"
                )
                return self._score.not_psychological(why, None)
        return None

    def _group_answer(self, group: str, level_word, band, fuzzy) -> Match:
        """A title that names only a group ("Psychologist"): ambiguous over its professions."""
        pids = sorted(
            p.id
            for p in self.taxonomy.professions.values()
            if p.group == group and not p.is_deprecated
        )
        reason = f"names only the group '{group}', not one of its {len(pids)} professions"
        m = self._ambiguous_among(pids, reason, level_word, band, fuzzy)
        return replace(m, group_id=group)

    def _ambiguous_among(self, pids, reason: str, level_word, band, fuzzy) -> Match:
        """An ``ambiguous`` rule answer over ``pids``, each at the level the title states."""
        alts = tuple(
            Alternative(pid, self._levels.level_for(pid, None, level_word, band)[0], 0.6)
            for pid in pids
        )
        return self._score.result(None, None, 0.6, "ambiguous", "rule", alts, reason, fuzzy)

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
                    h.entries = (Entry(target, "rule", None, text),)
                    for w in mod:
                        covered[free[w]] = True
                    break
        return missing

    def _coordinated(self, words, segs, hits, covered) -> list[Hit]:
        """Disciplines coordinated with a label: "Forensic/Clinical Psychologist", "Health or
        Clinical Psychologist", "Clinical and Forensic Psychologist". Each discipline word
        just before a label, which with the label's head forms another label, adds that
        profession, so the title reads as exactly those professions. A discipline in another
        segment counts only when its segment holds nothing else ("Forensic / ..."), so that
        "Clinical Psychologist - Forensic Services" stays one profession."""
        extra: list[Hit] = []
        for h in hits:
            if h.size < 2:
                continue
            tail = tuple(words[h.start + 1 : h.end])
            found: list[tuple[int, tuple[Entry, ...]]] = []
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
                extra.append(Hit(i, i + 1, entries))
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

    def _scattered(self, core: tuple[str, ...], words: list[str]) -> list[Entry]:
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
        out: list[Entry] = []
        for k in fits:
            if len(k) == size:
                out.extend(self._index[k])
        return out
