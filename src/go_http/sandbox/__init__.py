"""A local server speaking the Vumi Go HTTP wire protocol, backed by SQLite.

Needs the ``sandbox`` extra (starlette, uvicorn).  Run it with
``python -m go_http.sandbox`` or :func:`serve`; embed it in tests with
:class:`go_http.testing.Sandbox`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["serve"]


def serve(*args: Any, **kwargs: Any) -> None:
    """Run the sandbox in the foreground; see :func:`go_http.sandbox.server.serve`."""
    # Imported here so that ``import go_http.sandbox`` stays cheap.
    from go_http.sandbox.server import serve as run

    run(*args, **kwargs)
