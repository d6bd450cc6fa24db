"""``pptaxonomy serve``: a read-only FHIR R4 terminology server over the taxonomy's resources.

Modules: ``resources`` (the store and CodeSystem index), ``params`` (operation parameters),
``operations`` ($lookup, $validate-code, $subsumes, $expand, $translate), ``metadata``
(CapabilityStatement, TerminologyCapabilities, $versions), ``app`` (the Starlette app) and
``errors`` (OperationOutcome). Needs the ``serve`` extra: ``pip install 'pptaxonomy[serve]'``.
"""

from __future__ import annotations

LOOPBACK = "127.0.0.1"


def run(host: str = LOOPBACK, port: int = 8080, log_level: str = "warning") -> None:
    """Start the server with uvicorn (blocks until interrupted)."""
    import uvicorn

    from .app import create_app

    # h11 is told to accept a long request line so that an over-long filter reaches the app
    # and is refused with an OperationOutcome rather than a bare 400 from the HTTP parser.
    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        log_level=log_level,
        http="h11",
        h11_max_incomplete_event_size=4 * 1024 * 1024,
    )
