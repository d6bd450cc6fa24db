"""A real ``pptaxonomy serve`` (uvicorn in a thread) on a free loopback port, for the tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server() -> Iterator[str]:
    """Start the server on 127.0.0.1 and yield its base URL; stop it afterwards."""
    import uvicorn

    from pptaxonomy.serve import uvicorn_config

    port = free_port()
    server = uvicorn.Server(uvicorn_config(port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
