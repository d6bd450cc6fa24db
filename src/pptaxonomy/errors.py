"""Typed exceptions. Each has a stable ``code`` slug that reports and docs use verbatim."""

from __future__ import annotations


class PPTaxonomyError(Exception):
    """Base class of every error this package raises on purpose."""

    code = "pptaxonomy-error"


class UnknownLabel(PPTaxonomyError, LookupError):
    """No profession has this label."""

    code = "unknown-label"

    def __init__(self, label: str, suggestions: tuple[str, ...] = ()):
        self.label = label
        self.suggestions = suggestions
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no profession is labelled {label!r}{hint}")


class AmbiguousLabel(PPTaxonomyError, LookupError):
    """More than one active profession has this label."""

    code = "ambiguous-label"

    def __init__(self, label: str, candidates: tuple[str, ...]):
        self.label = label
        self.candidates = candidates
        super().__init__(f"label {label!r} names several professions: {', '.join(candidates)}")


class UnknownIdentifier(PPTaxonomyError, LookupError):
    """No entity has this identifier."""

    code = "unknown-identifier"

    def __init__(self, identifier: str, kind: str = "entity"):
        self.identifier = identifier
        self.kind = kind
        super().__init__(f"no {kind} has the identifier {identifier!r}")


class DataNotFound(PPTaxonomyError, FileNotFoundError):
    """The taxonomy data could not be found (a broken installation)."""

    code = "data-not-found"


class TaxonomyDataError(PPTaxonomyError, ValueError):
    """The taxonomy files could not be read into the model; run `pptaxonomy validate`."""

    code = "taxonomy-data-error"
