"""The band column: which pay scale and point a cell names, and what it says of the level.

A band cell is read as one of three pay scales:

* **Agenda for Change**: ``Band 7``, ``7``, ``B8a``, ``AfC Band 8 - Range C``, ``8C``;
* **Soulbury** (local-authority educational psychologists): any cell naming Soulbury, read
  as scale A, scale B, the trainee scale or the assistant scale; the taxonomy's ``pay_note``
  of each Soulbury level names its scale the same way;
* **medical** grades (consultant, specialty doctor, registrar, ST/CT/FY grades...), which no
  psychological profession's level is paid on: a medical grade is never read as a level.

Anything else is ``unrecognised`` and sets nothing. ``band_level`` then says what a
band does to a matched title's level (the package docstring of ``pptaxonomy.audit`` and
docs/audit.md give the rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..loader import Taxonomy

_AFC = re.compile(
    r"^(?:afc|agenda for change|nhs)?\s*(?:pay\s*)?(?:band|bd|b)?\s*"
    r"(?P<n>[1-9])\s*(?:-|range)?\s*(?:range)?\s*(?P<r>[a-d])?$"
)
_MEDICAL = re.compile(
    r"\b(consultant|specialty doctor|specialist|associate specialist|staff grade|registrar|"
    r"foundation|fy ?[12]|f[12]|st ?[1-8]|ct ?[1-3]|sho|house officer|medical|dental|"
    r"clinical fellow|trust grade)\b"
)
_SOULBURY_SCALE = re.compile(r"\b(?:scale|range)\s*(?P<s>[ab])\b|\b(?P<t>trainee|assistant)\b")

#: ``pp_band_check`` values.
BAND_CHECKS = ("fits", "sets-level", "band-mismatch", "no-pay-data", "unrecognised-band")


@dataclass(frozen=True, slots=True)
class Band:
    """A band cell as read: its pay scale (``afc``, ``soulbury``, ``medical``) and point."""

    scale: str
    point: str


@lru_cache(maxsize=4096)
def read_band(raw: str) -> Band | None:
    """The pay scale and point a band cell names; ``None`` when it names none we know."""
    text = re.sub(r"[^a-z0-9]+", " ", raw.casefold()).strip()
    if not text:
        return None
    if "soulbury" in text:
        m = _SOULBURY_SCALE.search(text)
        if m is None:
            return Band("soulbury", "")
        return Band("soulbury", m.group("s").upper() if m.group("s") else m.group("t"))
    m = _AFC.match(text)
    if m is not None:
        n, r = m.group("n"), m.group("r")
        if r and n != "8":
            return None
        if n == "8" and not r:
            return None  # "Band 8" without its range names no one band
        return Band("afc", n + (r or ""))
    if _MEDICAL.search(text):
        return Band("medical", text)
    return None


def _soulbury_scale(note: str | None) -> str:
    m = _SOULBURY_SCALE.search((note or "").casefold())
    if m is None:
        return ""
    return m.group("s").upper() if m.group("s") else m.group("t")


def levels_fitting(taxonomy: Taxonomy, profession_id: str, band: Band) -> tuple[str, ...]:
    """The levels of the profession that the band fits (in the profession's level order)."""
    p = taxonomy.professions.get(profession_id)
    if p is None:
        return ()
    out = []
    for pl in p.levels:
        if band.scale == "afc" and pl.pay_scale == "agenda_for_change":
            if band.point in pl.bands:
                out.append(pl.level)
        elif (
            band.scale == "soulbury"
            and pl.pay_scale == "soulbury"
            and (not band.point or band.point == _soulbury_scale(pl.pay_note))
        ):
            out.append(pl.level)
    return tuple(out)


def band_known(taxonomy: Taxonomy, profession_id: str, band: Band) -> bool:
    """True when the taxonomy has pay data for the profession on the band's scale, so that
    a band fitting none of its levels is a finding rather than a gap in the data. A medical
    grade is always a finding: no psychological profession's level is on one."""
    p = taxonomy.professions.get(profession_id)
    if p is None:
        return False
    if band.scale == "medical":
        return True
    if band.scale == "afc":
        return any(pl.pay_scale == "agenda_for_change" and pl.bands for pl in p.levels)
    return any(pl.pay_scale == "soulbury" for pl in p.levels)


#: Reasons the matcher gives when the title itself named no level (the level is a default).
_DEFAULT_LEVEL = ("(no seniority word)", "no level evident", "(the only level of ")


def title_gives_level(m) -> bool:
    """True when the title itself names the level (a seniority word, a level title, band
    text in the title, or a local title's level); False when the level is a default."""
    if m.method == "local":
        return m.level_id is not None
    return not any(part in (m.reason or "") for part in _DEFAULT_LEVEL)


@dataclass(frozen=True, slots=True)
class BandReading:
    """What a band does to a matched title: ``check`` (one of ``BAND_CHECKS``), the level
    after the band, and why."""

    check: str
    level_id: str | None
    reason: str


def band_level(
    taxonomy: Taxonomy,
    profession_id: str,
    level_id: str | None,
    title_gives_level: bool,
    raw_band: str,
) -> BandReading:
    """The band's effect on a title matched to ``profession_id`` at ``level_id``.

    * a band that cannot be read: ``unrecognised-band``, level unchanged;
    * the title gives no level (no seniority word, no level title) and the band fits exactly
      one of the profession's levels: ``sets-level``, that level;
    * the title gives no level and the band fits several levels: ``fits``, and the level is
      the title's default (``qualified``) if the band fits it, else none (the band alone
      cannot tell, e.g. 8a for senior or principal);
    * the band fits the level (or, with no level, any level): ``fits``;
    * the taxonomy has no pay data for the profession on that scale (an AfC band on an
      educational psychologist, whose levels are Soulbury): ``no-pay-data``;
    * otherwise (a trainee on band 8a, a medical grade): ``band-mismatch``, level unchanged.
    """
    band = read_band(raw_band)
    if band is None:
        return BandReading("unrecognised-band", level_id, f"band {raw_band!r} not read")
    fits = levels_fitting(taxonomy, profession_id, band)
    shown = f"{band.scale} {band.point}".strip() if band.scale != "medical" else "a medical grade"
    if not title_gives_level:
        if len(fits) == 1:
            return BandReading("sets-level", fits[0], f"level from {shown}")
        if len(fits) > 1:
            if level_id in fits:
                return BandReading("fits", level_id, f"{shown} fits {' or '.join(fits)}")
            return BandReading("fits", None, f"no level: {shown} fits {' or '.join(fits)}")
    elif level_id is None or level_id in fits:
        return BandReading("fits", level_id, f"{shown} fits")
    if not fits and not band_known(taxonomy, profession_id, band):
        return BandReading("no-pay-data", level_id, f"no {band.scale} pay data for {profession_id}")
    where = f"level {level_id}" if (level_id and title_gives_level) else profession_id
    return BandReading("band-mismatch", level_id, f"{shown} fits no band of {where}")
