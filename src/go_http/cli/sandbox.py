"""``go-http sandbox``: run the local sandbox server in the foreground."""

from __future__ import annotations

import contextlib

import click

from go_http.cli.state import output_options


@click.command(
    epilog="""\b
Examples:
  go-http sandbox
  go-http sandbox --port 9000 --db /tmp/sandbox.sqlite3 --auth-token dev-token
  go-http sandbox --db :memory:
  go-http sandbox --push-event-url http://user:pass@127.0.0.1:9000/events
"""
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--db",
    metavar="PATH",
    default=None,
    help="SQLite file; ':memory:' keeps nothing [default: go-http-sandbox.sqlite3].",
)
@click.option("--auth-token", metavar="T", help="Fix the ready-made account's bearer token.")
@click.option("--account-key", metavar="K", help="Fix the ready-made account key.")
@click.option("--conversation-key", metavar="C", help="Fix the ready-made conversation key.")
@click.option("--conversation-token", metavar="P", help="Fix that conversation's API token.")
@click.option(
    "--concurrency-limit",
    type=int,
    default=10,
    show_default=True,
    help="Simultaneous conversation-API requests per account (negative: unlimited).",
)
@click.option(
    "--push-message-url",
    metavar="URL",
    help="POST the ready-made conversation's inbound messages here (kept in the database).",
)
@click.option(
    "--push-event-url",
    metavar="URL",
    help="POST the ready-made conversation's events (acks) here (kept in the database).",
)
@output_options
def sandbox(
    host: str,
    port: int,
    db: str | None,
    auth_token: str | None,
    account_key: str | None,
    conversation_key: str | None,
    conversation_token: str | None,
    concurrency_limit: int,
    push_message_url: str | None,
    push_event_url: str | None,
) -> None:
    """Run a local server speaking the Vumi Go HTTP APIs until Ctrl-C.

    It prints the base URL and the ready-made account's credentials; export them as
    GO_HTTP_API_URL, GO_HTTP_AUTH_TOKEN, ... to point the other commands at it. Data
    is kept in the SQLite file, so a restart with the same --db keeps it.
    """
    from go_http.sandbox import DEFAULT_DB, serve

    try:
        with contextlib.suppress(KeyboardInterrupt):
            serve(
                host=host,
                port=port,
                db=db or DEFAULT_DB,
                auth_token=auth_token,
                account_key=account_key,
                conversation_key=conversation_key,
                conversation_token=conversation_token,
                concurrency_limit=concurrency_limit,
                push_message_url=push_message_url,
                push_event_url=push_event_url,
            )
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"the sandbox needs the 'sandbox' extra ({exc.name} is missing): "
            "pip install 'go-http[sandbox]'"
        ) from None
