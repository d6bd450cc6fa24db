"""Scoring: from the label runs found in a title (and its unexplained words) to a ``Match``:
the best entry per profession, penalties for unexplained words, the level, the threshold,
and the answers for titles with no label run (generalisations, abstentions, negatives)."""

from __future__ import annotations

from .index import KIND, KIND_RANK, Entry, Hit, LabelIndex
from .levels import LevelReader
from .result import THRESHOLD, Alternative, Match
from .rules import RuleTables

#: Cost of each unexplained word next to an acronym label (APP, CAP, PWP...).
ACRONYM_PENALTY = 0.2
# Last words of labels that name a discipline or service rather than a person.
_DISCIPLINES = frozenset(
    ("psychology", "therapy", "therapies", "psychotherapy", "counselling", "dramatherapy", "cbt")
)


class Scorer:
    """Turns readings into ``Match`` answers for one label index and rule tables."""

    def __init__(self, tables: RuleTables, index: LabelIndex, levels: LevelReader):
        self._levels = levels
        self._level_words = tables.level_words
        self._index = index.index
        self._by_word = index.by_word
        self._label_words = index.label_words
        self._distinct_heads = index.distinct_heads
        self._group_of = index.group_of
        self._level_titles_of = index.level_titles_of

    def from_hits(
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
        per: dict[str, tuple[float, Hit, Entry]] = {}
        for h in hits:
            for e in h.entries:
                method, base = KIND["rule"] if bag_of_words else KIND[e.kind]
                strength = h.size + KIND_RANK[e.kind] / 10.0
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
                        and not whole_segment(segs, kv[1][1])
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
            method, base = KIND["rule"] if bag_of_words else KIND[e.kind]
            score = base - penalty
            if e.kind == "acronym" and h.size == 1 and unexplained:
                # "App developer", "Cap maker", ONS's "Developer, app": a one-word acronym
                # after or beside words it does not explain is more likely an ordinary word.
                # Words in later (qualifier) segments do not count: "APP - Primary Care
                # Network" is an APP.
                near = sum(1 for i in unexplained if segs[i] <= segs[h.start])
                score -= ACRONYM_PENALTY * near
            if fuzzy is not None:
                score = score * fuzzy[0] - 0.02
            word = level_word
            if word is None and e.level_id is None and not bag_of_words:
                # A label with a seniority word in it ("Assistant psychologist").
                inner = [lv for _, _, lv in self._level_words.scan(words[h.start : h.end])]
                word = self._levels.pick_level(inner)
            entry_level = e.level_id
            if word is None and entry_level is None and not bag_of_words:
                entry_level = self._scattered_level(pid, words, segs, h)
            level, level_reason = self._levels.level_for(pid, entry_level, word, band)
            alts.append((pid, level, round(max(score, 0.0), 3), method, e, level_reason))
        alternatives = tuple(Alternative(a[0], a[1], a[2]) for a in alts)
        pid, level, score, method, entry, level_reason = alts[0]
        ignored = [words[i] for i in unexplained]
        if len(alts) > 1:
            names = ", ".join(a[0] for a in alts)
            return self.result(
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
            return self.result(
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
        return self.result(pid, level, score, "matched", method, (), reason, fuzzy)

    def _scattered_level(self, pid: str, words, segs, h: Hit) -> str | None:
        """The level of a level title of ``pid`` whose words all stand in the label's own
        segment, in any order ("Art Therapist Specialist Practitioner": "Specialist art
        therapist", senior); the longest such title wins."""
        titles = self._level_titles_of.get(pid)
        if not titles:
            return None
        seg = segs[h.start]
        present = {w for w, s in zip(words, segs, strict=True) if s == seg}
        best: tuple[int, str] | None = None
        for key, level in titles:
            if (
                len(key) > h.size
                and present.issuperset(key)
                and (best is None or len(key) > best[0])
            ):
                best = (len(key), level)
        return best[1] if best else None

    def generalisation(self, core, level_word, band, fuzzy) -> Match:
        """A title whose words all appear in labels of some professions ("Psychologist")."""
        keys = None
        for w in core:
            found = self._by_word.get(w)
            if not found:
                return self.nothing(
                    f"no profession label matches; unknown words: {' '.join(core)}", fuzzy
                )
            keys = set(found) if keys is None else keys & found
            if not keys:
                break
        if not keys:
            return self.nothing(f"no single label has all of: {' '.join(core)}", fuzzy)
        if not any(w in self._distinct_heads for w in core):
            # "Practitioner", "Therapist", "Clinical", "Worker": words that many jobs
            # outside the psychological professions share; too little even to be ambiguous.
            return self.nothing(
                f"'{' '.join(core)}' names no profession (no head noun of its own)", fuzzy
            )
        pids: dict[str, Entry] = {}
        for k in keys:
            for e in self._index[k]:
                pids.setdefault(e.profession_id, e)
        score = 0.6 if len(pids) > 1 else 0.7
        if fuzzy is not None:
            score = score * fuzzy[0]
        alts = tuple(
            Alternative(
                pid, self._levels.level_for(pid, None, level_word, band)[0], round(score, 3)
            )
            for pid in sorted(pids)
        )
        if len(pids) > 1:
            return self.result(
                None,
                None,
                round(score, 3),
                "ambiguous",
                "rule",
                alts,
                f"'{' '.join(core)}' is part of labels of {len(pids)} professions",
                fuzzy,
            )
        return self.result(
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

    def nothing(self, reason: str, fuzzy) -> Match:
        """No reading at all: unknown, score 0, with the reason."""
        return self.result(None, None, 0.0, "unknown", None, (), reason, fuzzy)

    def not_psychological(self, why: str, fuzzy) -> Match:
        """A negative rule decided the title: ``why`` names the phrase and its category."""
        reason = f"not a psychological profession: {why}"
        return self.result(None, None, 1.0, "not-psychological", "rule", (), reason, fuzzy)

    def result(self, pid, level, score, status, method, alts, reason, fuzzy) -> Match:
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


def whole_segment(segs: list[int], h: Hit) -> bool:
    """True when the run is the whole of its segment ("... / Psychotherapist")."""
    seg = segs[h.start]
    return (
        segs[h.end - 1] == seg
        and (h.start == 0 or segs[h.start - 1] != seg)
        and (h.end == len(segs) or segs[h.end] != seg)
        and seg != segs[0]
    )


def _join(words: list[str], hits: list[Hit]) -> str:
    return " / ".join(" ".join(words[h.start : h.end]) for h in hits) or " ".join(words)
