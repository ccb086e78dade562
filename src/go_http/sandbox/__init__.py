"""A local server speaking the Vumi Go HTTP wire protocol, backed by SQLite.

Needs the ``sandbox`` extra (starlette, uvicorn).  Run it with
``python -m go_http.sandbox`` or :func:`serve`; embed it in tests with
:class:`go_http.testing.Sandbox`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from go_http.sandbox.server import serve as serve

__all__ = ["DEFAULT_DB", "serve"]

#: The database file used when none is given, so data survives a restart.
DEFAULT_DB = "go-http-sandbox.sqlite3"


def __getattr__(name: str) -> object:
    # ``serve`` lives with the server; fetched on first use so that ``import
    # go_http.sandbox`` stays cheap (no starlette or uvicorn).
    if name == "serve":
        from go_http.sandbox.server import serve

        return serve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
