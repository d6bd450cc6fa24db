"""The rule tables of ``match_rules.yaml``, loaded and compiled into lookup tables: seniority
words, neutral and qualifier words, hard negatives (by phrase and by head noun), group and
umbrella terms, and the modifiers that change the profession a label names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..normalise import normalise_title
from .tokens import PhraseTable, Tokeniser

if TYPE_CHECKING:
    from ..loader import Taxonomy

RULES_FILE = Path(__file__).with_name("match_rules.yaml")


def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """The rule file as plain data (the packaged ``match_rules.yaml`` by default)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)


class RuleTables:
    """The compiled rule tables of one rule file, for one taxonomy."""

    def __init__(self, rules: dict[str, Any], tok: Tokeniser, taxonomy: Taxonomy):
        phrase = tok.phrase
        self.level_words = PhraseTable(
            {phrase(k): v for k, v in (rules.get("level_words") or {}).items()}
        )
        self.level_fallbacks: dict[str, str] = dict(rules.get("level_fallbacks") or {})
        self.neutral = frozenset(normalise_title(str(w)) for w in rules.get("neutral_words") or ())
        quals = {phrase(q): True for q in rules.get("qualifiers") or ()}
        self.qualifiers = PhraseTable({k: v for k, v in quals.items() if k})
        neg: dict[tuple[str, ...], tuple[str, str]] = {}
        negatives = rules.get("negatives") or {}
        for strength in ("weak", "strong"):
            for category, phrases in (negatives.get(strength) or {}).items():
                for text in phrases:
                    key = phrase(text)
                    if key:
                        neg[key] = (strength, category)
        self.negatives = PhraseTable(neg)
        self.head_negatives: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
        for head, spec in (rules.get("head_negatives") or {}).items():
            mods = tuple(k for k in (phrase(m) for m in spec.get("modifiers") or ()) if k)
            self.head_negatives[normalise_title(head)] = (str(spec.get("category")), mods)

        self.group_terms: dict[frozenset[str], str] = {}
        for g in taxonomy.groups.values() if hasattr(taxonomy, "groups") else ():
            words = phrase(g.name)
            if len(words) >= 1 and words[-1].endswith("s"):
                # "Psychological therapists" -> "psychological therapist"
                self.group_terms[frozenset((*words[:-1], words[-1][:-1]))] = g.id
            self.group_terms[frozenset(words)] = g.id
        self.umbrellas: dict[frozenset[str], tuple[str, ...]] = {}
        for text, pids in (rules.get("umbrella_terms") or {}).items():
            known = tuple(p for p in pids if p in taxonomy.professions)
            if known:
                self.umbrellas[frozenset(phrase(text))] = known
        for gid, texts in (rules.get("group_terms") or {}).items():
            for text in texts:
                self.group_terms[frozenset(phrase(text))] = gid
        self.modifiers: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        for head, table in (rules.get("profession_modifiers") or {}).items():
            for mod, target in (table or {}).items():
                # A profession not yet in the data still changes the reading: the title names
                # a profession this release does not have, so the matcher abstains.
                self.modifiers.setdefault(phrase(head), []).append((phrase(mod), target))
        for mods in self.modifiers.values():
            mods.sort(key=lambda mt: -len(mt[0]))
        self.modifier_blockers: dict[str, frozenset[str]] = {
            target: frozenset(words)
            for target, words in (rules.get("modifier_blockers") or {}).items()
        }
        self.served_populations: dict[str, frozenset[str]] = {
            pid: frozenset(w for text in words for w in phrase(text))
            for pid, words in (rules.get("served_populations") or {}).items()
        }
        self.inverted_head_negatives: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
        for head, spec in (rules.get("inverted_head_negatives") or {}).items():
            mods = tuple(k for k in (phrase(m) for m in spec.get("modifiers") or ()) if k)
            self.inverted_head_negatives[normalise_title(head)] = (str(spec.get("category")), mods)
        self.extra_aliases: dict[str, list[str]] = dict(rules.get("extra_aliases") or {})
