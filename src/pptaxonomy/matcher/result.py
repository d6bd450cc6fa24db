"""What the matcher answers: a ``Match`` with its ``Alternative`` readings, and how two
readings of one title compare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STATUSES = ("matched", "ambiguous", "unknown", "not-psychological")
METHODS = ("exact", "alias", "hidden label", "rule", "fuzzy", "local")
#: A title is ``matched`` only at or above this score; below it the matcher abstains. Chosen
#: from the calibration table in docs/audit.md (``bench/calibrate.py`` on the dev part of the
#: real corpus): every reading at 0.80 or more was right, none of those under 0.80.
THRESHOLD = 0.8


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
        """True when the status is ``matched``."""
        return self.status == "matched"

    def to_dict(self) -> dict[str, Any]:
        """The reading as plain JSON-ready values."""
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


_STATUS_RANK = {"matched": 3, "not-psychological": 3, "ambiguous": 2, "unknown": 1}


def better(new: Match, old: Match) -> bool:
    """True when ``new`` is a better reading than ``old``: a firmer status, else a higher
    score."""
    a, b = _STATUS_RANK[new.status], _STATUS_RANK[old.status]
    if a != b:
        return a > b
    return new.score > old.score
