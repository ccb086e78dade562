"""``go-http demo``: a guided tour of every API against an embedded sandbox.

Everything shown goes over real HTTP (loopback) through the public clients, so the tour
doubles as a smoke test of an installation.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from go_http.account import AccountApiClient
from go_http.cli.chart import line_chart
from go_http.cli.output import cell
from go_http.cli.routing import routing_tree
from go_http.contacts import ContactsApiClient
from go_http.exceptions import UserOptedOutException
from go_http.metrics import MetricsApiClient
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender

FIRST_NAMES = (
    "Thandi", "Sipho", "Lerato", "Ayanda", "Kagiso", "Naledi", "Tumelo", "Zanele",
    "Bongani", "Palesa", "Lwazi", "Nomsa", "Tshepo", "Refilwe", "Mpho",
)  # fmt: skip
SURNAMES = ("Nkosi", "Dlamini", "Mokoena", "Khumalo", "Ndlovu", "Mthembu", "Botha")
LANGUAGES = ("zu", "xh", "st", "en", "af")
METRIC = "stores.default.demo_pings.sum"


def demo_contact(index: int) -> dict[str, Any]:
    """The index-th demo contact's fields."""
    return {
        "msisdn": f"+2782555{index:04d}",
        "name": FIRST_NAMES[index % len(FIRST_NAMES)],
        "surname": SURNAMES[index % len(SURNAMES)],
        "extra": {"language": LANGUAGES[index % len(LANGUAGES)]},
    }


class Webhook:
    """A loopback HTTP server standing in for the user's app: it records every JSON body
    POSTed to it, as ``(path, body)``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []
        self._arrived = threading.Condition()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with webhook._arrived:
                    webhook.received.append((self.path, body))
                    webhook._arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo prints what arrives itself

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, Any]]:
        """The first ``count`` bodies received, waiting up to ``timeout`` seconds for them.

        :raises click.ClickException: they did not all arrive in time.
        """
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise click.ClickException(
                    f"the sandbox pushed {len(self.received)} of {count} bodies in {timeout:g} s"
                )
            return self.received[:count]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class Tour:
    """The steps of the demo, printing as they go.

    :param sandbox: a started :class:`go_http.testing.Sandbox` (or account of one).
    :param Console console: where to print.
    :param int contact_count: contacts to create.
    :param int page_size: page size of the paging walk.
    """

    def __init__(self, sandbox: Any, console: Console, contact_count: int, page_size: int):
        self.sandbox = sandbox
        self.console = console
        self.contact_count = contact_count
        self.page_size = page_size
        self.step_number = 0
        token = sandbox.auth_token
        self.contacts = ContactsApiClient(token, sandbox.api_url)
        self.optouts = OptOutsApiClient(token, sandbox.api_url)
        self.metrics = MetricsApiClient(token, sandbox.api_url)
        self.account = AccountApiClient(token, sandbox.api_url)
        self.sender = HttpApiSender(
            sandbox.account_key,
            sandbox.conversation_key,
            sandbox.conversation_token,
            sandbox.send_url,
        )
        self.created: list[dict[str, Any]] = []

    def close(self) -> None:
        """Close every client."""
        for client in (self.contacts, self.optouts, self.metrics, self.account, self.sender):
            client.close()

    @contextmanager
    def step(self, title: str, code: str) -> Iterator[None]:
        """Print a numbered heading and the Python call the step demonstrates."""
        self.step_number += 1
        self.console.rule(f"[bold cyan]{self.step_number}. {title}", align="left")
        self.console.print(f"[dim]>>> {escape(code)}[/dim]")
        yield
        self.console.print()

    def show_fields(self, record: dict[str, Any], fields: tuple[str, ...], title: str) -> None:
        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name in fields:
            table.add_row(name, cell(record.get(name)))
        self.console.print(table)

    def run(self) -> None:
        """Every step, in order."""
        self.create_contacts()
        self.create_group()
        self.walk_pages()
        self.send_message()
        self.opt_out()
        self.fire_metrics()
        self.show_account()
        self.reply_to_inbound()
        self.push_to_webhook()
        self.summary()

    def create_contacts(self) -> None:
        with self.step(
            f"Create {self.contact_count} contacts",
            "contacts.create_contact({'msisdn': '+27825550000', 'name': 'Thandi', ...})",
        ):
            for index in range(self.contact_count):
                self.created.append(self.contacts.create_contact(demo_contact(index)))
            first = self.created[0]
            self.show_fields(
                first, ("key", "msisdn", "name", "surname", "extra", "created_at"),
                f"Created contact 1 of {len(self.created)}",
            )  # fmt: skip
            found = self.contacts.get_contact(msisdn=first["msisdn"])
            self.console.print(
                f"Looked up by msisdn: get_contact(msisdn={first['msisdn']!r}) -> "
                f"{found['name']} {found['surname']} (key {found['key'][:8]}…)"
            )

    def create_group(self) -> None:
        with self.step(
            "A group, and contacts added to it",
            "contacts.create_group({'name': 'Demo volunteers'}); "
            "contacts.update_contact(key, {'groups': [group_key]})",
        ):
            group = self.contacts.create_group({"name": "Demo volunteers"})
            members = self.created[:5]
            for contact in members:
                self.contacts.update_contact(contact["key"], {"groups": [group["key"]]})
            listed = list(self.contacts.group_contacts(group["key"]))
            names = ", ".join(f"{c['name']} {c['surname']}" for c in listed)
            self.console.print(
                f"Created group [bold]{group['name']}[/bold] (key {group['key'][:8]}…) "
                f"with {len(listed)} contacts: {names}"
            )

    def walk_pages(self) -> None:
        with self.step(
            f"Walk the contacts page by page ({self.page_size} per page)",
            f"contacts.contacts_page(cursor, page_size={self.page_size})",
        ):
            table = Table(title="Pages", title_justify="left")
            for column in ("page", "contacts", "first", "last", "next cursor"):
                table.add_column(column)
            cursor: str | None = None
            number = total = 0
            while True:
                page = self.contacts.contacts_page(cursor, page_size=self.page_size)
                number += 1
                total += len(page.items)
                table.add_row(
                    str(number),
                    str(len(page.items)),
                    page.items[0]["msisdn"] if page.items else "",
                    page.items[-1]["msisdn"] if page.items else "",
                    (page.cursor[:12] + "…") if page.cursor else "(last page)",
                )
                if page.cursor is None:
                    break
                cursor = page.cursor
            self.console.print(table)
            self.console.print(
                f"{total} contacts in {number} pages; contacts.contacts() does this walk "
                "lazily for you."
            )

    def send_message(self) -> None:
        to_addr = self.created[0]["msisdn"]
        with self.step("Send a message", f"sender.send_text({to_addr!r}, 'Hello from go-http!')"):
            message = self.sender.send_text(to_addr, "Hello from go-http!")
            self.console.print(
                f"Sent message [bold]{message['message_id'][:8]}…[/bold] to "
                f"{message['to_addr']}: {message['content']!r}"
            )

    def opt_out(self) -> None:
        to_addr = self.created[1]["msisdn"]
        with self.step(
            "Opt-outs block sends",
            f"optouts.set_optout('msisdn', {to_addr!r}); sender.send_text(...)",
        ):
            self.optouts.set_optout("msisdn", to_addr)
            self.console.print(f"{to_addr} opted out (opt-outs now: {self.optouts.count()})")
            try:
                self.sender.send_text(to_addr, "Are you still there?")
            except UserOptedOutException as exc:
                self.console.print(
                    f"[yellow]Blocked:[/yellow] UserOptedOutException: {exc.reason} "
                    f"(to_addr={exc.to_addr})"
                )
            else:
                raise click.ClickException("the send to an opted-out address was not refused")
            self.optouts.delete_optout("msisdn", to_addr)
            message = self.sender.send_text(to_addr, "Welcome back!")
            self.console.print(
                f"Opt-out lifted with delete_optout; the send now goes through "
                f"(message {message['message_id'][:8]}…)"
            )

    def fire_metrics(self) -> None:
        with self.step(
            "Metrics",
            f"metrics.fire({{{METRIC!r}: 3}}); sender.fire_metric('demo_pings', 2, 'sum'); "
            f"metrics.get_metric({METRIC!r}, '-10min', '1min', 'zeroize')",
        ):
            for value in (3, 4):
                self.metrics.fire({METRIC: value})
            self.sender.fire_metric("demo_pings", 2, agg="sum")
            series = self.metrics.get_metric(METRIC, "-10min", "1min", "zeroize")
            points = series.get(METRIC, [])
            labels = [
                dt.datetime.fromtimestamp(p["x"] / 1000, tz=dt.timezone.utc).strftime("%H:%M")
                for p in points
            ]
            values = [float(p["y"] or 0) for p in points]
            if len(values) > 1:
                self.console.print(
                    line_chart(
                        labels, values, f"{METRIC} per minute", width=64, height=12,
                        color=self.console.is_terminal,
                    ),
                    markup=False, highlight=False,
                )  # fmt: skip
            nonzero = [(label, v) for label, v in zip(labels, values, strict=True) if v]
            summary = ", ".join(f"{label} UTC = {v:g}" for label, v in nonzero) or "no data"
            self.console.print(f"Fired 3 + 4 + 2; read back: {summary}")

    def show_account(self) -> None:
        key = self.sandbox.account_key
        with self.step(
            "The account: conversations, channels and routing",
            f"account.conversations({key[:8] + '…'!r}); account.routing_table(...)",
        ):
            campaigns = self.account.campaigns()
            self.console.print(
                "Campaigns: " + ", ".join(f"{c['name']} ({c['key'][:8]}…)" for c in campaigns)
            )
            table = Table(title="Conversations and channels", title_justify="left")
            for column in ("kind", "name", "type", "uuid"):
                table.add_column(column, overflow="fold")
            for conversation in self.account.conversations(key):
                table.add_row(
                    "conversation", conversation.get("name"), conversation.get("type"),
                    conversation.get("uuid"),
                )  # fmt: skip
            for channel in self.account.channels(key):
                table.add_row("channel", channel.get("name"), "-", channel.get("uuid"))
            self.console.print(table)
            self.console.print(routing_tree(self.account.routing_table(key), "Routing table"))

    def reply_to_inbound(self) -> None:
        from_addr = self.created[2]["msisdn"]
        with self.step(
            "Reply to an inbound message",
            "sandbox.inject_inbound(...); sender.reply(message_id, 'Yes, loud and clear!')",
        ):
            inbound = self.sandbox.inject_inbound(from_addr, "Hi, is this thing on?")
            self.console.print(
                f"Inbound from {from_addr}: {inbound['content']!r} "
                f"(message {inbound['message_id'][:8]}…)"
            )
            reply = self.sender.reply(inbound["message_id"], "Yes, loud and clear!")
            self.console.print(
                f"Replied {reply['content']!r} to {reply['to_addr']} "
                f"(in_reply_to {reply['in_reply_to'][:8]}…)"
            )

    def push_to_webhook(self) -> None:
        from_addr, to_addr = self.created[-1]["msisdn"], self.created[0]["msisdn"]
        webhook = Webhook()
        # A kept database (--db) may have push settings of its own: put them back after.
        before = self.sandbox.push_settings()
        try:
            with self.step(
                "Your app gets pushes: inbound messages and acks of what you send",
                f"sandbox.set_push(push_message_url='{webhook.url}/messages', "
                f"push_event_url='{webhook.url}/events')",
            ):
                self.sandbox.set_push(
                    push_message_url=f"{webhook.url}/messages",
                    push_event_url=f"{webhook.url}/events",
                    ignore_messages=False,
                    ignore_events=False,
                )
                inbound = self.sandbox.inject_inbound(from_addr, "What time is my appointment?")
                # The ack is pushed after the send's answer: wait for both bodies.
                sent = self.sender.send_text(to_addr, "Your appointment is at 10:00")
                for path, body in self._in_order(webhook.wait_for(2), inbound, sent):
                    if body.get("message_type") == "event":
                        what = f"{body['event_type']} of message {body['user_message_id'][:8]}…"
                    else:
                        what = f"message from {body['from_addr']}: {body['content']!r}"
                    self.console.print(f"Your app received POST {path}: {what}")
        finally:
            self.sandbox.set_push(**before)
            webhook.close()

    @staticmethod
    def _in_order(
        received: list[tuple[str, Any]], *messages: dict[str, Any]
    ) -> list[tuple[str, Any]]:
        """The pushes in the order of the messages they are about (they go to two URLs,
        so they may arrive in either order)."""
        order = [message["message_id"] for message in messages]

        def about(push: tuple[str, Any]) -> int:
            body = push[1]
            message_id = body.get("user_message_id") or body.get("message_id")
            return order.index(message_id) if message_id in order else len(order)

        return sorted(received, key=about)

    def summary(self) -> None:
        sent = self.sandbox.outbound_messages()
        self.console.rule("[bold green]Done", align="left")
        self.console.print(
            f"The sandbox recorded {len(sent)} outbound messages. Every step above went over "
            f"HTTP to {self.sandbox.api_url}.\n"
            "Run your own sandbox with [bold]go-http sandbox[/bold], then try "
            "[bold]go-http contacts list[/bold]."
        )


@click.command(
    epilog="""\b
Examples:
  go-http demo
  go-http demo --contacts 50 --page-size 20
  go-http demo --db demo.sqlite3      # keep the data, then: go-http sandbox --db demo.sqlite3
"""
)
@click.option(
    "--contacts", "contact_count", type=click.IntRange(3, 1000), default=25, show_default=True,
    help="Contacts to create.",
)  # fmt: skip
@click.option(
    "--page-size", type=click.IntRange(min=1), default=10, show_default=True,
    help="Page size for the paging step.",
)  # fmt: skip
@click.option("--db", metavar="PATH", help="SQLite file to keep (default: a temporary one).")
def demo(contact_count: int, page_size: int, db: str | None) -> None:
    """A tour of every API against an embedded sandbox: contacts, groups, paging,
    sending, opt-outs, metrics, the account's routing, a reply to an inbound message, and
    the pushes (inbound messages, acks) your app would receive.
    """
    try:
        from go_http.testing import Sandbox
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise click.ClickException(
            f"the demo needs the 'sandbox' extra: pip install 'go-http[all]' ({exc})"
        ) from None
    console = Console(highlight=False)
    with Sandbox(db_path=db) as sandbox:
        console.print(
            f"[bold]go-http demo[/bold]: sandbox running at {sandbox.api_url}"
            + (f" (data in {db})" if db else " (temporary database)")
        )
        tour = Tour(sandbox, console, contact_count, page_size)
        try:
            tour.run()
        finally:
            tour.close()
