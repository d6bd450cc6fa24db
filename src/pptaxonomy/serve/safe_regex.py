"""Regular expressions from requests, matched in linear time (RE2), so none can hang the server.

A value set's ``regex`` filter comes from the client (a ``tx-resource``, an inline value set).
Python's ``re`` backtracks: ``(a+)+`` against 56 a's and a ``Y`` takes longer than the age of
the universe, and it holds the one worker (the HL7 test suite ``regex-bad`` sends exactly
that). RE2 (``google-re2``, in the ``serve`` extra) matches in time linear in the text, with the
same answer for every pattern it accepts; a pattern it does not accept (a back-reference,
a look-around: features whose matching cannot be bounded) is refused with a 400.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from .errors import FhirError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the client's error, not a server log line


@lru_cache(maxsize=256)
def compile_filter(pattern: str) -> Any:
    """The compiled pattern (its ``fullmatch`` is what a ``regex`` filter applies), or a
    400 ``invalid`` FhirError naming the pattern when RE2 cannot compile it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise FhirError(
            400,
            "invalid",
            f"The regex {pattern!r} is not supported: {reason} (regex filters are matched in "
            "linear time, without back-references or look-arounds)",
        ) from None
