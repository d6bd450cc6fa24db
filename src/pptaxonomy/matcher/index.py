"""The label index: every name, label and level title of the taxonomy's professions (plus
the rule file's extra aliases) as word tuples, and the vocabulary built from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..normalise import normalise_title
from .rules import RuleTables
from .tokens import Tokeniser

if TYPE_CHECKING:
    from ..loader import Taxonomy

# Label kind -> (method, base score).
KIND = {
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
#: Label kinds from the weakest to the strongest.
KIND_RANK = {
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
EXACT_KINDS = frozenset(("name", "preferred", "protected_title", "level_title"))
#: Words shorter than this are never typo-corrected (too many real words lie one edit apart).
MIN_TYPO_LEN = 6


@dataclass(frozen=True, slots=True)
class Entry:
    """One label of one profession, as the index holds it."""

    profession_id: str
    kind: str
    level_id: str | None
    text: str


@dataclass(slots=True)
class Hit:
    """A run of title words ``[start, end)`` that is a label of the ``entries``."""

    start: int
    end: int  # exclusive
    entries: tuple[Entry, ...]

    @property
    def size(self) -> int:
        return self.end - self.start


_PARENS = re.compile(r"\s*\(([^()]*)\)\s*")


def level_title_forms(title: str | None) -> list[str]:
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


class LabelIndex:
    """Labels of one taxonomy: word tuple -> entries, bags of words, head nouns, vocabulary."""

    def __init__(self, taxonomy: Taxonomy, tables: RuleTables, tok: Tokeniser):
        self.level_rank = {lv.id: lv.rank for lv in taxonomy.levels.values()}
        self.levels_of: dict[str, tuple[str, ...]] = {}
        self.bands_of: dict[str, dict[str, tuple[str, ...]]] = {}
        self.profession_names: dict[str, str] = {}
        self.group_of = {p.id: p.group for p in taxonomy.professions.values()}
        index: dict[tuple[str, ...], list[Entry]] = {}

        def add(text: str, pid: str, kind: str, level: str | None = None) -> None:
            key = tok.content(tok.expand(normalise_title(text).split()))
            if not key:
                return
            entries = index.setdefault(key, [])
            for n, e in enumerate(entries):
                if e.profession_id == pid:
                    # A level title that is also a label ("Clinical psychologist") names
                    # the profession, not a level: the level then comes from the words.
                    if kind != "level_title" and KIND_RANK[kind] > KIND_RANK[e.kind]:
                        entries[n] = Entry(pid, kind, e.level_id, text)
                    return
            entries.append(Entry(pid, kind, level, text))

        for p in taxonomy.professions.values():
            self.profession_names[p.id] = p.name
            self.levels_of[p.id] = p.level_ids
            self.bands_of[p.id] = {pl.level: pl.bands for pl in p.levels}
            target = p.id
            if p.is_deprecated and p.replaced_by:
                target = p.replaced_by
            add(p.name, target, "name")
            for lab in p.labels:
                add(lab.text, target, lab.kind if lab.kind in KIND else "hidden")
            for pl in p.levels:
                for text in level_title_forms(pl.title):
                    add(text, target, "level_title", pl.level)
        for pid, texts in tables.extra_aliases.items():
            if pid in taxonomy.professions:
                for text in texts:
                    add(text, pid, "rule")
        self.index = {k: tuple(v) for k, v in index.items()}
        # Level titles by profession, as word sets: "Art Therapist Specialist Practitioner"
        # holds every word of the level title "Specialist art therapist" (senior).
        self.level_titles_of: dict[str, list[tuple[frozenset[str], str]]] = {}
        for key, entries in self.index.items():
            for e in entries:
                if e.kind == "level_title" and e.level_id is not None:
                    self.level_titles_of.setdefault(e.profession_id, []).append(
                        (frozenset(key), e.level_id)
                    )
        self.first = frozenset(k[0] for k in self.index)
        self.maxlen = max((len(k) for k in self.index), default=1)
        # Bag-of-words index: frozenset(words) -> entries, and word -> label keys.
        self.bags: dict[frozenset[str], list[Entry]] = {}
        self.by_word: dict[str, set[tuple[str, ...]]] = {}
        for key, entries in self.index.items():
            self.bags.setdefault(frozenset(key), []).extend(entries)
            for w in key:
                self.by_word.setdefault(w, set()).add(key)
        # Head nouns (last words of labels) that no hard negative shares: "psychologist"
        # yes; "therapist" (occupational therapist), "practitioner" (general practitioner) no.
        negative_words = {w for k in tables.negatives.table for w in k}
        heads = {
            k[-1]
            for k, entries in self.index.items()
            if any(e.kind in ("name", "preferred", "protected_title") for e in entries)
        }
        self.distinct_heads = frozenset(heads) - negative_words
        level_words = {w for k in tables.level_words.table for w in k}
        # Words that name a profession: a leftover one of these in a title is a conflict.
        self.label_words = frozenset(self.by_word)
        self.vocab = sorted(
            self.label_words
            | level_words
            | {w for k in tables.qualifiers.table for w in k}
            | negative_words
            | tables.neutral
            | tok.stop
        )
        self.vocab_set = frozenset(self.vocab)
        self.vocab_maxlen = max((len(w) for w in self.vocab), default=0)
        self.vocab_by_first: dict[str, list[str]] = {}
        for w in self.vocab:
            if len(w) >= MIN_TYPO_LEN - 1:
                self.vocab_by_first.setdefault(w[0], []).append(w)
        # Words that can name a profession, a level or a hard negative.
        self.special = (
            self.label_words
            | level_words
            | negative_words
            | {w for mods in tables.modifiers.values() for mod, _ in mods for w in mod}
        )
