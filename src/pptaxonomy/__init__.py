"""pptaxonomy: the reference taxonomy of the UK psychological professions.

    >>> import pptaxonomy
    >>> tax = pptaxonomy.load()
    >>> tax.lookup("PWP").id
    'psychological-wellbeing-practitioner'

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

__version__ = "0.1.0"

__all__ = [
    "DATA_VERSION",
    "AmbiguousLabel",
    "DataNotFound",
    "PPTaxonomyError",
    "Taxonomy",
    "UnknownIdentifier",
    "UnknownLabel",
    "__version__",
    "load",
]


def load(path=None) -> Taxonomy:
    """Return the taxonomy: the packaged release, or the taxonomy directory at ``path``.

    The packaged release is loaded once and cached; a ``path`` is read afresh each call.
    """
    from .loader import load as _load

    return _load(path)


def __getattr__(name: str):
    if name == "DATA_VERSION":
        from ._data import data_version

        return data_version()
    if name == "Taxonomy":
        from .loader import Taxonomy

        return Taxonomy
    raise AttributeError(f"module 'pptaxonomy' has no attribute {name!r}")
