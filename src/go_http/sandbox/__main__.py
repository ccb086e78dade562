"""``python -m go_http.sandbox``: run the sandbox server."""

from __future__ import annotations

import argparse
import sys

from go_http.sandbox import DEFAULT_DB, serve
from go_http.sandbox.push_settings import InvalidPushSetting
from go_http.sandbox.store import CredentialConflict


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: arguments (default ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(
        prog="python -m go_http.sandbox",
        description="Local Vumi Go HTTP API sandbox (SQLite-backed).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8080, help="port to bind")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file, or :memory:")
    parser.add_argument("--auth-token", help="bearer token of the ready-made account")
    parser.add_argument("--account-key", help="key of the ready-made account")
    parser.add_argument("--conversation-key", help="key of the ready-made conversation")
    parser.add_argument("--conversation-token", help="API token of that conversation")
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        default=10,
        help="simultaneous conversation-API requests per account (negative: unlimited)",
    )
    parser.add_argument(
        "--request-delay",
        type=float,
        default=0.0,
        help="artificial seconds each conversation-API request is held (for testing)",
    )
    parser.add_argument(
        "--push-message-url",
        metavar="URL",
        help="POST inbound messages of the ready-made conversation here (kept in the database)",
    )
    parser.add_argument(
        "--push-event-url",
        metavar="URL",
        help="POST events (acks) of the ready-made conversation here (kept in the database)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server; returns the exit status."""
    args = parse_args(argv)
    try:
        serve(
            host=args.host,
            port=args.port,
            db=args.db,
            auth_token=args.auth_token,
            account_key=args.account_key,
            conversation_key=args.conversation_key,
            conversation_token=args.conversation_token,
            concurrency_limit=args.concurrency_limit,
            request_delay=args.request_delay,
            push_message_url=args.push_message_url,
            push_event_url=args.push_event_url,
        )
    except (CredentialConflict, InvalidPushSetting) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
