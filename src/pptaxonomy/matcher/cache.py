"""The matcher's bounded memo tables: emptied when full, so memory stays bounded however
many distinct titles pass through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Entries a memo table holds before it is emptied.
MAX_CACHE = 200_000
#: Entries of the tables whose values are whole readings (a Match with its candidates, far
#: larger than a word's or a segment's entry): at 200,000 of them two such tables held about
#: 300 MB of an audit of 500,000 distinct titles, which reads each title once anyway.
MAX_READINGS = 20_000


def cached(cache: dict, key: Any, compute: Callable[[Any], Any], limit: int = MAX_CACHE) -> Any:
    """``cache[key]``, computed on a miss; the cache is emptied when it reaches ``limit``."""
    value = cache.get(key)
    if value is None:
        value = compute(key)
        if len(cache) >= limit:
            cache.clear()
        cache[key] = value
    return value
