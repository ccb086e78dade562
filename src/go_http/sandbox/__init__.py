"""A local server speaking the Vumi Go HTTP wire protocol, backed by SQLite.

Needs the ``sandbox`` extra (starlette, uvicorn).  Run it with
``python -m go_http.sandbox`` or :func:`serve`; embed it in tests with
:class:`go_http.testing.Sandbox`.
"""

from __future__ import annotations

from typing import TextIO

__all__ = ["DEFAULT_DB", "serve"]

#: The database file used when none is given, so data survives a restart.
DEFAULT_DB = "go-http-sandbox.sqlite3"


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    db: str = DEFAULT_DB,
    auth_token: str | None = None,
    account_key: str | None = None,
    conversation_key: str | None = None,
    conversation_token: str | None = None,
    concurrency_limit: int = 10,
    request_delay: float = 0.0,
    out: TextIO | None = None,
    push_message_url: str | None = None,
    push_event_url: str | None = None,
) -> None:
    """Run the sandbox in the foreground until interrupted (Ctrl-C / SIGTERM).

    Prints the base URL, send URL and the ready-made account's credentials first.

    :param str host: address to bind.
    :param int port: port to bind.
    :param str db: SQLite file (``:memory:`` for none).
    :param str auth_token: fix the ready-made account's bearer token.
    :param str account_key: fix the ready-made account key.
    :param str conversation_key: fix the ready-made conversation key.
    :param str conversation_token: fix the ready-made conversation's API token.
    :param int concurrency_limit: simultaneous conversation-API requests per account
        (negative: unlimited).
    :param float request_delay: artificial delay of conversation-API requests (seconds).
    :param out: where to print the banner (default stdout).
    :param str push_message_url: set the ready-made conversation's ``push_message_url``
        (kept in ``db``; not given: left as it is).
    :param str push_event_url: set its ``push_event_url`` likewise.
    :raises go_http.sandbox.store.CredentialConflict: a credential belongs to another
        account of ``db``.
    :raises go_http.sandbox.push_settings.InvalidPushSetting: a push URL is not an
        ``http(s)`` URL.
    """
    # Imported here so that ``import go_http.sandbox`` stays cheap.
    from go_http.sandbox.server import run

    run(
        host=host,
        port=port,
        db=db,
        auth_token=auth_token,
        account_key=account_key,
        conversation_key=conversation_key,
        conversation_token=conversation_token,
        concurrency_limit=concurrency_limit,
        request_delay=request_delay,
        out=out,
        push_message_url=push_message_url,
        push_event_url=push_event_url,
    )
