"""Plain, immutable Python objects for the taxonomy (the read path; no LinkML).

Field names follow the schema's slot names, except where a shorter name reads better in Python:
``Profession.status`` (slot ``profession_status``) and ``Profession.levels`` (``levels_held``).
Every referenced entity is held by identifier; ``Taxonomy.get`` resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass

AFC_BANDS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")


def band_rank(band: str) -> int:
    """Position of an Agenda for Change band on the pay spine (``"8a"`` after ``"7"``)."""
    return AFC_BANDS.index(band)


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    url: str
    name: str | None = None
    publisher: str | None = None
    version: str | None = None
    date: str | None = None
    licence: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Label:
    text: str
    kind: str
    protected_by: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ProfessionLevel:
    level: str
    title: str | None = None
    pay_scale: str = "agenda_for_change"
    band_min: str | None = None
    band_max: str | None = None
    pay_note: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    comment: str | None = None

    @property
    def bands(self) -> tuple[str, ...]:
        """Every Agenda for Change band from ``band_min`` to ``band_max`` inclusive."""
        if self.band_min is None:
            return ()
        hi = self.band_max or self.band_min
        return AFC_BANDS[band_rank(self.band_min) : band_rank(hi) + 1]


@dataclass(frozen=True, slots=True)
class Registration:
    register: str
    mandatory: bool | None = None
    mandatory_since: str | None = None
    via: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Progression:
    to_profession: str
    sources: tuple[str, ...] = ()
    route_kind: str | None = None
    requirements: str | None = None
    typical_duration: str | None = None
    confidence: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class EntryRoute:
    """One way into a profession: its kind, what it requires, and where it starts from."""

    entry_kind: str
    requirements: str
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    typical_duration: str | None = None
    from_professions: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Specialism:
    """A recognised area of advanced practice within a profession."""

    name: str
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    description: str | None = None
    qualification: str | None = None
    register: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Credential:
    """A status members of a profession may hold beyond registration (not a profession)."""

    name: str
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    description: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A job title deliberately left out of the taxonomy, with the reason."""

    text: str
    reason: str
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    related_profession: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Profession:
    id: str
    name: str
    description: str
    group: str
    core_twelve: bool
    status: str
    regulation_kind: str
    levels: tuple[ProfessionLevel, ...]
    sources: tuple[str, ...]
    other_groups: tuple[str, ...] = ()
    labels: tuple[Label, ...] = ()
    regulator: str | None = None
    registrations: tuple[Registration, ...] = ()
    professional_bodies: tuple[str, ...] = ()
    entry_route: str | None = None
    entry_routes: tuple[EntryRoute, ...] = ()
    training_route: str | None = None
    progressions: tuple[Progression, ...] = ()
    specialisms: tuple[Specialism, ...] = ()
    credentials: tuple[Credential, ...] = ()
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None

    @property
    def is_deprecated(self) -> bool:
        return self.deprecated or self.status == "deprecated"

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(pl.level for pl in self.levels)

    def level(self, level_id: str) -> ProfessionLevel | None:
        return next((pl for pl in self.levels if pl.level == level_id), None)

    def labels_of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(lab.text for lab in self.labels if lab.kind == kind)

    @property
    def protected_titles(self) -> tuple[str, ...]:
        return self.labels_of_kind("protected_title")


@dataclass(frozen=True, slots=True)
class ProfessionGroup:
    id: str
    name: str
    description: str
    in_hee_taxonomy: bool
    sources: tuple[str, ...]
    rank: int | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    name: str
    description: str
    rank: int
    sources: tuple[str, ...]
    band_min: str | None = None
    band_max: str | None = None
    career_framework_level_min: int | None = None
    career_framework_level_max: int | None = None
    occupation_code_levels: tuple[str, ...] = ()
    confidence: str | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Regulator:
    id: str
    name: str
    regulator_kind: str
    sources: tuple[str, ...]
    description: str | None = None
    url: str | None = None
    confidence: str | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ProfessionalBody:
    id: str
    name: str
    body_roles: tuple[str, ...]
    sources: tuple[str, ...]
    acronym: str | None = None
    description: str | None = None
    url: str | None = None
    confidence: str | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Accreditation:
    accredited_by: str
    since: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Register:
    id: str
    name: str
    register_kind: str
    sources: tuple[str, ...]
    description: str | None = None
    regulator: str | None = None
    owner: str | None = None
    covers: tuple[str, ...] = ()
    protected_titles: tuple[Label, ...] = ()
    accreditation: Accreditation | None = None
    url: str | None = None
    confidence: str | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class CodeSystem:
    id: str
    name: str
    code_system_status: str
    sources: tuple[str, ...]
    description: str | None = None
    publisher: str | None = None
    version: str | None = None
    url: str | None = None
    licence: str | None = None
    code_iri_prefix: str | None = None
    curie_prefix: str | None = None
    code_list_file: str | None = None
    code_list_sha256: str | None = None
    deprecated: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()
    deprecation_reason: str | None = None
    comment: str | None = None

    @property
    def is_retired(self) -> bool:
        return self.code_system_status == "retired"


@dataclass(frozen=True, slots=True)
class OccupationCode:
    code: str
    code_system: str
    name: str
    code_status: str = "valid"
    parent_code: str | None = None
    iri: str | None = None
    main_staff_group: str | None = None
    broad_staff_group: str | None = None
    detailed_staff_group: str | None = None
    occupation_level: str | None = None
    care_setting: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str | None = None
    comment: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.code_status == "valid"


@dataclass(frozen=True, slots=True)
class Mapping:
    profession: str
    code_system: str
    predicate: str
    justification: str
    confidence: str
    sources: tuple[str, ...]
    level: str | None = None
    code: str | None = None
    no_match: bool = False
    valid_from: str | None = None
    valid_to: str | None = None
    target_retired: bool = False
    #: The code to prefer among several at the level (schema: ``preferred``).
    preferred: bool = False
    preferred_confidence: str | None = None
    comment: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a crosswalk row across releases."""
        return (self.profession, self.level or "", self.code_system, self.code or "")


ENTITY_TYPES = {
    "sources": Source,
    "code_systems": CodeSystem,
    "regulators": Regulator,
    "professional_bodies": ProfessionalBody,
    "registers": Register,
    "groups": ProfessionGroup,
    "levels": Level,
    "professions": Profession,
}

# Every identified entity, for Taxonomy.get.
Entity = (
    Source
    | CodeSystem
    | Regulator
    | ProfessionalBody
    | Register
    | ProfessionGroup
    | Level
    | Profession
)
