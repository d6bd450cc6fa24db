"""The ASGI application (Starlette): routing, request parsing and FHIR JSON responses.

Every refusal is an OperationOutcome with an HL7 issue type and a 4xx status; an unexpected
failure is a 500 OperationOutcome without a traceback (and is logged).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import metadata, operations
from .errors import FhirError
from .params import Params
from .resources import RESOURCE_TYPES, Store, load_store

FHIR_JSON = "application/fhir+json; charset=utf-8"
MAX_BODY = 8 * 1024 * 1024
MAX_TITLES = 10_000
LOG = logging.getLogger("pptaxonomy.serve")

OPERATIONS = {
    ("CodeSystem", "lookup"): operations.lookup,
    ("CodeSystem", "validate-code"): operations.validate_code_cs,
    ("CodeSystem", "subsumes"): operations.subsumes,
    ("ValueSet", "expand"): operations.expand,
    ("ValueSet", "validate-code"): operations.validate_code_vs,
    ("ValueSet", "batch-validate-code"): operations.batch_validate_code_vs,
    ("ConceptMap", "translate"): operations.translate,
}
SUMMARY_DROP = {"CodeSystem": "concept", "ValueSet": "compose", "ConceptMap": "group"}


def _json(resource: Any, status: int = 200, media: str = FHIR_JSON) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type=media)


def _error(exc: FhirError) -> Response:
    return _json(exc.outcome(), exc.status)


class Server:
    """The state behind the app: the store, the taxonomy and (lazily) the matcher."""

    def __init__(self, store: Store | None = None, taxonomy: Any = None):
        if store is None:
            store, taxonomy = load_store()
        self.store = store
        self.taxonomy = taxonomy
        self._matcher = None
        self.data_version = getattr(taxonomy, "data_version", "")

    @property
    def matcher(self) -> Any:
        if self._matcher is None and self.taxonomy is not None:
            from ..matcher import matcher_for

            self._matcher = matcher_for(self.taxonomy)
        return self._matcher

    # -- request handling ---------------------------------------------------------------

    async def _body(self, request: Request) -> Any:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise FhirError(413, "too-long", f"the request body exceeds {MAX_BODY} bytes")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FhirError(
                400, "structure", f"the request body is not valid JSON: {exc}"
            ) from None

    async def _params(self, request: Request) -> Params:
        query = list(request.query_params.multi_items())
        params = Params.from_query(query)
        if request.method == "POST":
            body = await self._body(request)
            if body is not None:
                params = Params.from_resource(body, query)
        params.accept_language = request.headers.get("accept-language")
        return params

    async def handle(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except FhirError as exc:
            return _error(exc)
        except RecursionError:
            return _error(FhirError(400, "processing", "the request nests too deeply"))
        except Exception:
            LOG.exception("unexpected error on %s %s", request.method, request.url.path)
            return _error(FhirError(500, "exception", "internal error; see the server log"))

    async def _dispatch(self, request: Request) -> Response:
        parts = [p for p in request.url.path.split("/") if p]
        if parts == ["match"]:
            return await self._match(request)
        if parts == ["metadata"]:
            if request.query_params.get("mode") == "terminology":
                return _json(metadata.terminology_capabilities(self.store, self.data_version))
            return _json(metadata.capability_statement(self.data_version))
        if parts == ["$versions"]:
            return _json(metadata.versions())
        if not parts or parts[0] not in RESOURCE_TYPES:
            raise FhirError(404, "not-found", f"no such endpoint: {request.url.path}")
        rtype = parts[0]
        rest = parts[1:]
        if not rest:
            if request.method != "GET":
                raise FhirError(405, "not-supported", "this server is read-only")
            return _json(self._search(rtype, request))
        op_name = rest[-1][1:] if rest[-1].startswith("$") else None
        if op_name is None:
            if len(rest) != 1 or request.method != "GET":
                raise FhirError(405, "not-supported", "this server is read-only")
            return _json(self.store.read(rtype, rest[0]))
        if len(rest) > 2:
            raise FhirError(404, "not-found", f"no such endpoint: {request.url.path}")
        op = OPERATIONS.get((rtype, op_name))
        if op is None:
            raise FhirError(
                400, "not-supported", f"the operation ${op_name} is not supported on {rtype}"
            )
        params = await self._params(request)
        store = self.store.overlay(params.resources("tx-resource"))
        store = store.supplemented([str(v) for v in params.all("useSupplement")])
        instance = rest[0] if len(rest) == 2 else None
        if op is operations.expand:
            return _json(op(store, params, instance, matcher=self.matcher))
        return _json(op(store, params, instance))

    def _search(self, rtype: str, request: Request) -> dict[str, Any]:
        q = request.query_params
        known = {"url", "version", "name", "title", "status", "_summary", "_count", "_format",
                 "source-system", "target-system", "system", "_elements", "_total"}  # fmt: skip
        unknown = set(q) - known
        if unknown:
            raise FhirError(400, "not-supported", f"unknown search parameter(s): {sorted(unknown)}")
        found = []
        for rid in sorted(self.store.by_id[rtype]):
            r = self.store.by_id[rtype][rid]
            if q.get("url") and r.get("url") != q["url"]:
                continue
            if q.get("version") and r.get("version") != q["version"]:
                continue
            if q.get("status") and r.get("status") != q["status"]:
                continue
            for field in ("name", "title"):
                if q.get(field) and not str(r.get(field, "")).lower().startswith(q[field].lower()):
                    break
            else:
                if rtype == "ConceptMap":
                    groups = r.get("group", [])
                    if q.get("source-system") and all(
                        g.get("source") != q["source-system"] for g in groups
                    ):
                        continue
                    if q.get("target-system") and all(
                        g.get("target") != q["target-system"] for g in groups
                    ):
                        continue
                if rtype == "CodeSystem" and q.get("system") and r.get("url") != q["system"]:
                    continue
                found.append(r)
        summary = q.get("_summary")
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
        }
        if summary == "count":
            return bundle
        try:
            count = int(q.get("_count", "100"))
        except ValueError:
            raise FhirError(400, "invalid", "_count must be an integer") from None
        entries = []
        for r in found[: max(count, 0)]:
            if summary == "true":
                r = {k: v for k, v in r.items() if k != SUMMARY_DROP[rtype]}
            entries.append(
                {
                    "fullUrl": f"{str(request.base_url).rstrip('/')}/{rtype}/{r['id']}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
            )
        bundle["entry"] = entries
        return bundle

    async def _match(self, request: Request) -> Response:
        if self.matcher is None:
            raise FhirError(404, "not-found", "the matcher needs the taxonomy")
        if request.method == "POST":
            body = await self._body(request)
            titles = body.get("titles") if isinstance(body, dict) else body
            if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
                raise FhirError(400, "invalid", 'POST /match takes {"titles": ["...", ...]}')
            if len(titles) > MAX_TITLES:
                raise FhirError(413, "too-long", f"at most {MAX_TITLES} titles per request")
            return _json([m.to_dict() for m in self.matcher.match_many(titles)],
                         media="application/json")  # fmt: skip
        titles = request.query_params.getlist("title")
        if not titles:
            raise FhirError(400, "required", "GET /match needs a title parameter")
        if any(len(t) > 4096 for t in titles):
            raise FhirError(400, "too-long", "a title is longer than 4096 characters")
        results = [self.matcher.match(t).to_dict() for t in titles]
        return _json(results[0] if len(results) == 1 else results, media="application/json")


def create_app(server: Server | None = None) -> Starlette:
    """The ASGI app; builds the store from the packaged taxonomy unless ``server`` is given."""
    t0 = time.perf_counter()
    server = server or Server()
    LOG.info("store ready in %.2f s", time.perf_counter() - t0)
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    app = Starlette(routes=[Route("/{path:path}", server.handle, methods=methods)])
    app.state.server = server
    return app
