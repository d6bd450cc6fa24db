"""Operation parameters, read from a query string or a posted ``Parameters`` resource."""

from __future__ import annotations

from typing import Any

from .errors import FhirError

MAX_VALUE = 4096
"""Longest accepted string value (a filter, a code): longer ones are refused, not searched."""


class Params:
    """The parameters of one operation call: name -> values (strings, Codings or resources)."""

    def __init__(self, items: list[tuple[str, Any]], accept_language: str | None = None):
        self.items = items
        self.accept_language = accept_language
        """The request's Accept-Language header, the display language when none is named."""
        for name, value in items:
            if isinstance(value, str) and len(value) > MAX_VALUE:
                raise FhirError(
                    400,
                    "too-long",
                    f"parameter {name} is {len(value)} characters long "
                    f"(at most {MAX_VALUE} are accepted)",
                )

    @classmethod
    def from_query(cls, query: list[tuple[str, str]]) -> Params:
        return cls([(k, v) for k, v in query])

    @classmethod
    def from_resource(cls, body: Any, query: list[tuple[str, str]] = ()) -> Params:
        """Read a posted ``Parameters`` resource; query parameters are added to it."""
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise FhirError(400, "invalid", "the request body must be a FHIR Parameters resource")
        items: list[tuple[str, Any]] = list(query)
        params = body.get("parameter", [])
        if not isinstance(params, list):
            raise FhirError(400, "invalid", "Parameters.parameter must be an array")
        for p in params:
            if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                raise FhirError(400, "invalid", "each Parameters.parameter needs a name")
            items.append((p["name"], _value(p)))
        return cls(items)

    def get(self, *names: str) -> Any:
        """The first value of the first of ``names`` present, or None."""
        for name in names:
            for k, v in self.items:
                if k == name:
                    return v
        return None

    def all(self, name: str) -> list[Any]:
        return [v for k, v in self.items if k == name]

    def str(self, *names: str) -> str | None:
        v = self.get(*names)
        if v is None:
            return None
        if not isinstance(v, str | int | float | bool):
            raise FhirError(400, "invalid", f"parameter {names[0]} must be a simple value")
        return str(v).lower() if isinstance(v, bool) else str(v)

    def bool(self, name: str, default: bool = False) -> bool:
        v = self.get(name)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if str(v).lower() in ("true", "false"):
            return str(v).lower() == "true"
        raise FhirError(400, "invalid", f"parameter {name} must be true or false, not {v!r}")

    def int(self, name: str, default: int | None = None) -> int | None:
        v = self.get(name)
        if v is None:
            return default
        try:
            n = int(v)
        except (TypeError, ValueError):
            raise FhirError(400, "invalid", f"parameter {name} must be an integer") from None
        if n < 0:
            raise FhirError(400, "invalid", f"parameter {name} must not be negative")
        return n

    def resources(self, name: str) -> list[dict[str, Any]]:
        out = []
        for v in self.all(name):
            if not isinstance(v, dict) or "resourceType" not in v:
                raise FhirError(400, "invalid", f"parameter {name} must hold a resource")
            out.append(v)
        return out


def _value(p: dict[str, Any]) -> Any:
    if "resource" in p:
        return p["resource"]
    if "part" in p:
        return {"part": {q.get("name"): _value(q) for q in p["part"] if isinstance(q, dict)}}
    for k, v in p.items():
        if k.startswith("value"):
            return v
    return None
