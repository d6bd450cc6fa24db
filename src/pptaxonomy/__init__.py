"""pptaxonomy: the reference taxonomy of the UK psychological professions.

    >>> import pptaxonomy
    >>> tax = pptaxonomy.load()
    >>> tax.lookup("PWP").id
    'psychological-wellbeing-practitioner'
    >>> pptaxonomy.match("Snr Clin Psych - CAMHS").profession_id
    'clinical-psychologist'

Loading reads the packaged YAML and code lists on first use; LinkML is never imported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import (
    AmbiguousLabel,
    DataNotFound,
    PPTaxonomyError,
    UnknownIdentifier,
    UnknownLabel,
)

if TYPE_CHECKING:
    from .loader import Taxonomy
    from .matcher import Match

__version__ = "0.1.0"

__all__ = [
    "DATA_VERSION",
    "AmbiguousLabel",
    "DataNotFound",
    "Match",
    "PPTaxonomyError",
    "Taxonomy",
    "UnknownIdentifier",
    "UnknownLabel",
    "__version__",
    "load",
    "match",
]


def load(path=None) -> Taxonomy:
    """Return the taxonomy: the packaged release, or the taxonomy directory at ``path``.

    The packaged release is loaded once and cached; a ``path`` is read afresh each call.
    """
    from .loader import load as _load

    return _load(path)


def match(title: str, taxonomy: Taxonomy | None = None) -> Match:
    """Read one job title: the profession and level it names, or why it names none.

    Never guesses silently: below the matcher's threshold ``profession_id`` is None and
    ``status`` says why (``unknown``, ``ambiguous`` or ``not-psychological``).
    """
    from .matcher import match as _match

    return _match(title, taxonomy)


def __getattr__(name: str):
    if name == "DATA_VERSION":
        from ._data import data_version

        return data_version()
    if name == "Taxonomy":
        from .loader import Taxonomy

        return Taxonomy
    if name == "Match":
        from .matcher import Match

        return Match
    if name == "audit":
        # The audit package, callable: pptaxonomy.audit("extract.csv", profile=...).
        import importlib

        return importlib.import_module(".audit", __name__)
    raise AttributeError(f"module 'pptaxonomy' has no attribute {name!r}")
