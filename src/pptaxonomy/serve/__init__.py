"""``pptaxonomy serve``: a read-only FHIR R4 terminology server over the taxonomy's resources.

Modules: ``resources`` (the store and CodeSystem index), ``params`` (operation parameters),
``operations`` ($lookup, $validate-code, $subsumes, $expand, $translate), ``metadata``
(CapabilityStatement, TerminologyCapabilities, $versions), ``app`` (the Starlette app) and
``errors`` (OperationOutcome). Needs the ``serve`` extra: ``pip install 'pptaxonomy[serve]'``.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

LOOPBACK = "127.0.0.1"


def http_options() -> dict[str, Any]:
    """uvicorn's HTTP protocol settings: httptools (C, in the ``serve`` extra) when installed.

    httptools answers about 1.6 times the requests per second of the pure-Python h11 here
    (``bench/bench_serve.py``). h11 remains the fallback; it is told to accept a long request
    line so that an over-long filter reaches the app and is refused with an OperationOutcome
    rather than a bare 400 from the HTTP parser (httptools has no such limit).
    """
    if find_spec("httptools") is not None:
        return {"http": "httptools"}
    return {"http": "h11", "h11_max_incomplete_event_size": 4 * 1024 * 1024}


def uvicorn_config(host: str = LOOPBACK, port: int = 8080, log_level: str = "warning") -> Any:
    """The ``uvicorn.Config`` of ``pptaxonomy serve`` (the tests start the same one)."""
    import uvicorn

    from .app import create_app

    return uvicorn.Config(create_app(), host=host, port=port, log_level=log_level, **http_options())


def run(host: str = LOOPBACK, port: int = 8080, log_level: str = "warning") -> None:
    """Start the server with uvicorn (blocks until interrupted)."""
    import uvicorn

    uvicorn.Server(uvicorn_config(host, port, log_level)).run()
