"""The matcher's bounded memo tables: emptied when full, so memory stays bounded however
many distinct titles pass through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Entries a memo table holds before it is emptied.
MAX_CACHE = 20_000


def cached(cache: dict, key: Any, compute: Callable[[Any], Any]) -> Any:
    """``cache[key]``, computed on a miss; the cache is emptied when it reaches MAX_CACHE."""
    value = cache.get(key)
    if value is None:
        value = compute(key)
        if len(cache) >= MAX_CACHE:
            cache.clear()
        cache[key] = value
    return value
