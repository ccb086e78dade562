"""Events and pushes (spec §1.9–1.11, §7): every send or reply is acknowledged with an
``ack``; inbound messages and events are POSTed to the conversation's push URLs."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import logging
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from go_http import HttpApiSender
from go_http._operation import redact_url
from go_http._protocol import new_key
from go_http.sandbox.config import SandboxConfig
from go_http.sandbox.events import ack_event, list_events, record_outcome, store_event
from go_http.sandbox.push_settings import PushSettings
from go_http.sandbox.pusher import CLOSE_GRACE, Outcome, Push, Pusher
from go_http.sandbox.server import SandboxServer
from go_http.sandbox.store import Store
from go_http.testing import Sandbox, SandboxAccount
from tests.sandbox.conftest import Wire
from tests.sandbox.test_conversation import MESSAGE_KEYS
from tests.sandbox.test_fuzz import PARAMS, RAW_BODIES, VALUES

#: Every key of an ``ack`` (§1.10).
ACK_KEYS = {
    "message_version", "message_type", "timestamp", "event_id", "event_type",
    "user_message_id", "sent_message_id", "transport_name", "transport_metadata",
    "helper_metadata", "routing_metadata",
}  # fmt: skip
VUMI_TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"


def sender_for(account: SandboxAccount) -> HttpApiSender:
    return HttpApiSender(
        account.account_key,
        account.conversation_key,
        account.conversation_token,
        api_url=account.send_url,
    )


def without_push(event: dict[str, Any]) -> dict[str, Any]:
    """An event of the sandbox's listing as it was pushed (without the listing's ``push``)."""
    return {key: value for key, value in event.items() if key != "push"}


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    """Poll ``check`` until it holds (bounded)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def go_block(account: SandboxAccount) -> dict[str, str]:
    return {
        "user_account": account.account_key,
        "conversation_type": "http_api_nostream",
        "conversation_key": account.conversation_key,
    }


# -- events -------------------------------------------------------------------------------


def test_a_send_is_acknowledged_with_one_ack(go_sandbox: SandboxAccount) -> None:
    message = sender_for(go_sandbox).send_text("+27821234567", "hi")
    [event] = go_sandbox.events()
    assert set(without_push(event)) == ACK_KEYS
    assert event["message_version"] == "20110921"
    assert event["message_type"] == "event"
    assert event["event_type"] == "ack"
    assert event["user_message_id"] == message["message_id"]
    assert event["sent_message_id"]
    assert len(event["event_id"]) == 32
    assert event["event_id"] != message["message_id"]
    assert re.fullmatch(VUMI_TIMESTAMP, event["timestamp"])
    assert event["timestamp"] >= message["timestamp"]
    assert event["helper_metadata"] == {"go": go_block(go_sandbox)}
    assert event["routing_metadata"] == {"endpoint_name": "default"}
    assert event["transport_name"] == "sandbox_transport"
    assert event["transport_metadata"] == {}
    # No push_event_url is set on a fresh conversation.
    assert event["push"] == {"status": "no_url", "error": None}


def test_a_reply_is_acknowledged_and_events_are_oldest_first(go_sandbox: SandboxAccount) -> None:
    sender = sender_for(go_sandbox)
    first = sender.send_text("+1", "one")
    inbound = go_sandbox.inject_inbound("+2", "hi")
    reply = sender.reply(inbound["message_id"], "two")
    events = go_sandbox.events()
    assert [e["user_message_id"] for e in events] == [first["message_id"], reply["message_id"]]
    assert {e["event_type"] for e in events} == {"ack"}
    assert len({e["event_id"] for e in events}) == 2


def test_refused_sends_get_no_event(wire: Wire) -> None:
    assert wire.api("PUT", "/optouts/msisdn/%2B1").status_code == 200
    assert wire.send({"to_addr": "+1", "content": "hi"}).status_code == 400
    assert wire.send({"content": 5}).status_code == 400
    assert wire.send({"in_reply_to": "unknown"}).status_code == 400
    assert wire.account.events() == []


def test_events_are_per_account_and_filtered_by_conversation(wire: Wire, other: Wire) -> None:
    assert wire.send({"to_addr": "+1"}).status_code == 200
    assert other.account.events() == []
    mine = wire.account.events(conversation_key=wire.account.conversation_key)
    assert len(mine) == 1
    assert wire.account.events(conversation_key="another") == []
    listed = wire.api("GET", "/_sandbox/events")
    assert listed.status_code == 200
    assert listed.json() == mine


def test_events_route_auth_and_method(wire: Wire) -> None:
    url = f"{wire.account.api_url}/_sandbox/events"
    assert requests.get(url, timeout=10).json() == {"status_code": 401, "reason": "Unauthorized"}
    forbidden = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert forbidden.status_code == 403
    assert wire.api("POST", "/_sandbox/events").status_code == 405


def test_message_and_ack_are_written_together(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TRIGGER no_events BEFORE INSERT ON events"
                " BEGIN SELECT RAISE(ABORT, 'events refused'); END"
            )
        wire = Wire(sandbox)
        assert wire.send({"to_addr": "+1", "content": "lost"}).status_code == 500
        assert sandbox.outbound_messages() == []
        assert sandbox.events() == []


def test_a_database_from_before_events_gains_the_table(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        sender_for(sandbox).send_text("+1", "before")
    with sqlite3.connect(db) as conn:  # what an older version left behind
        conn.execute("DROP TABLE events")
    with Sandbox(db_path=db) as sandbox:
        message = sender_for(sandbox).send_text("+1", "after")
        assert [m["content"] for m in sandbox.outbound_messages()] == ["before", "after"]
        assert [e["user_message_id"] for e in sandbox.events()] == [message["message_id"]]


# -- push settings ------------------------------------------------------------------------

DEFAULT_SETTINGS = {
    "push_message_url": None,
    "push_event_url": None,
    "ignore_messages": False,
    "ignore_events": False,
}


def push_path(account: SandboxAccount, conversation_key: str | None = None) -> str:
    return f"/_sandbox/conversations/{conversation_key or account.conversation_key}/push"


def test_push_settings_read_and_partial_update(wire: Wire) -> None:
    account = wire.account
    assert account.push_settings() == DEFAULT_SETTINGS
    changed = account.set_push(push_event_url="https://u:p@example.org/events")
    assert changed == {**DEFAULT_SETTINGS, "push_event_url": "https://u:p@example.org/events"}
    changed = account.set_push(push_message_url="http://127.0.0.1:9/in", ignore_events=True)
    assert changed == {
        "push_message_url": "http://127.0.0.1:9/in",
        "push_event_url": "https://u:p@example.org/events",
        "ignore_messages": False,
        "ignore_events": True,
    }
    assert wire.api("GET", push_path(account)).json() == changed
    # A partial PUT over the wire changes only what it names; null clears a URL.
    cleared = wire.api("PUT", push_path(account), json={"push_event_url": None})
    assert cleared.status_code == 200
    assert cleared.json() == {**changed, "push_event_url": None}
    assert wire.api("PUT", push_path(account), json={}).json() == cleared.json()


def test_push_settings_are_kept_in_the_conversation_config(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        sandbox.set_push(push_message_url="http://h/in", ignore_messages=True)
    with sqlite3.connect(db) as conn:
        [(config,)] = conn.execute("SELECT config FROM conversations").fetchall()
    block = json.loads(config)["http_api_nostream"]
    assert block["push_message_url"] == "http://h/in"
    assert block["ignore_messages"] is True
    assert block["api_tokens"]  # untouched
    with Sandbox(db_path=db) as sandbox:  # and survive a restart
        assert sandbox.push_settings()["push_message_url"] == "http://h/in"


def test_push_settings_refuse_bad_values_naming_the_field(wire: Wire) -> None:
    bad: dict[str, list[Any]] = {
        "push_message_url": [5, "", "ftp://user:s3cret@host/x", "example.com/in", "http://",
                             "http://h:port/x", "http://h/a b", "http://h/\n", True],
        "push_event_url": [{}, "mailto:x@y", "https://user:s3cret@/x"],
        "ignore_messages": [None, 1, "true"],
        "ignore_events": [0, "false", []],
    }  # fmt: skip
    for field, values in bad.items():
        for value in values:
            response = wire.api("PUT", push_path(wire.account), json={field: value})
            assert response.status_code == 400, (field, value)
            reason = response.json()["reason"]
            assert reason.startswith(f"{field} must be "), reason
            assert "s3cret" not in reason
    body: Any
    for body in ([], "x", None, 5):
        response = wire.api("PUT", push_path(wire.account), data=json.dumps(body))
        assert response.json() == {"status_code": 400, "reason": "Body must be a JSON object"}
    unknown = wire.api("PUT", push_path(wire.account), json={"push_url": "http://h/"})
    assert unknown.status_code == 400
    assert unknown.json()["reason"].startswith("Unknown push setting 'push_url'")
    invalid = wire.api("PUT", push_path(wire.account), data=b"{")
    assert invalid.status_code == 400
    assert invalid.json()["reason"].startswith("Invalid JSON")
    # Nothing was changed by any of them.
    assert wire.account.push_settings() == DEFAULT_SETTINGS


def test_set_push_raises_value_error_naming_the_field(go_sandbox: SandboxAccount) -> None:
    with pytest.raises(ValueError, match=r"^ignore_events must be true or false$"):
        go_sandbox.set_push(ignore_events="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not found"):
        go_sandbox.set_push(ignore_events=True, conversation_key="unknown")


def test_push_settings_of_another_account_are_not_found(wire: Wire, other: Wire) -> None:
    path = push_path(other.account)
    key = other.account.conversation_key
    for method in ("GET", "PUT"):
        response = wire.api(method, path, json={"push_event_url": "http://h/"})
        assert response.status_code == 404
        assert response.json() == {
            "status_code": 404,
            "reason": f"Conversation '{key}' not found.",
        }
    assert other.account.push_settings() == DEFAULT_SETTINGS
    url = f"{wire.account.api_url}{push_path(wire.account)}"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.put(url, headers={"Authorization": "Bearer x"}, timeout=10).status_code == 403
    assert wire.api("POST", push_path(wire.account)).status_code == 405


def test_push_settings_route_never_answers_5xx(wire: Wire) -> None:
    path = push_path(wire.account)
    failures = []
    for value in VALUES:
        for field in (*DEFAULT_SETTINGS, "other"):
            response = wire.api("PUT", path, json={field: value})
            if response.status_code >= 500:
                failures.append((field, value, response.status_code))
    for raw in RAW_BODIES:
        if wire.api("PUT", path, data=raw).status_code >= 500:
            failures.append(("raw", raw, 500))
    for key in PARAMS:
        response = wire.api("GET", push_path(wire.account, quote(key, safe="%")))
        if response.status_code >= 500:
            failures.append(("path", key, response.status_code))
    assert failures == []


def run_sandbox_command(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_invalid_push_flags_are_refused_before_serving(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    module = run_sandbox_command(
        "-m", "go_http.sandbox", "--db", db, "--push-event-url", "ftp://u:s3cret@h/"
    )
    assert module.returncode == 2
    assert "push_event_url must be an http:// or https:// URL" in module.stderr
    assert "s3cret" not in module.stderr + module.stdout
    cli = run_sandbox_command(
        "-c", "from go_http.cli import main; main()", "sandbox", "--db", db,
        "--push-message-url", "not a url",
    )  # fmt: skip
    assert cli.returncode == 2
    assert "push_message_url must be an http:// or https:// URL" in cli.stderr


# -- push delivery ------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A loopback HTTP server that records every request and answers ``status``.

    Clearing ``release`` makes it hold its answers (after recording the request) until the
    event is set again.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.release = threading.Event()
        self.release.set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._changed:
                    receiver.received.append(Received("POST", self.path, headers, body))
                    receiver._changed.notify_all()
                receiver.release.wait(10)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def url(self, path: str, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The requests received, once there are at least ``count`` (bounded wait)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.received) >= count, timeout)
            assert arrived, f"expected {count} pushes, got {len(self.received)}"
            return list(self.received)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def unreachable_url(path: str, userinfo: str = "") -> str:
    """A loopback URL where nothing listens (connection refused)."""
    return f"http://{userinfo}127.0.0.1:{free_port()}{path}"


def settled_events(account: SandboxAccount, timeout: float = 10) -> list[dict[str, Any]]:
    """The account's events once none is waiting to be pushed (bounded wait)."""
    deadline = time.monotonic() + timeout
    while True:
        events = account.events()
        if all(e["push"]["status"] != "pending" for e in events):
            return events
        assert time.monotonic() < deadline, f"pushes still pending: {events}"
        time.sleep(0.01)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_each_send_and_reply_pushes_one_ack(
    go_sandbox: SandboxAccount, receiver: Receiver
) -> None:
    go_sandbox.set_push(push_event_url=receiver.url("/events"))
    sender = sender_for(go_sandbox)
    sent = sender.send_text("+27821234567", "hi")
    inbound = go_sandbox.inject_inbound("+27761234567", "hello")  # no push_message_url
    reply = sender.reply(inbound["message_id"], "back")
    # Pushes to one URL keep their order, so a duplicate could not arrive after these.
    pushes = receiver.wait_for(2)
    assert len(pushes) == 2
    assert [p.json()["user_message_id"] for p in pushes] == [
        sent["message_id"],
        reply["message_id"],
    ]
    for push in pushes:
        assert push.method == "POST"
        assert push.path == "/events"
        assert push.headers["content-type"] == "application/json; charset=utf-8"
        assert "authorization" not in push.headers
        assert set(push.json()) == ACK_KEYS
        assert push.json()["event_type"] == "ack"
        assert push.json()["helper_metadata"] == {"go": go_block(go_sandbox)}
    events = settled_events(go_sandbox)
    assert [without_push(e) for e in events] == [p.json() for p in pushes]
    assert [e["push"] for e in events] == [{"status": "delivered", "error": None}] * 2


def test_url_credentials_become_basic_auth(go_sandbox: SandboxAccount, receiver: Receiver) -> None:
    go_sandbox.set_push(push_event_url=receiver.url("/ev?via=sandbox", "us%40er:p%3Ass@"))
    sender = sender_for(go_sandbox)
    sender.send_text("+1", "one")
    go_sandbox.set_push(push_event_url=receiver.url("/only-user", "solo@"))
    sender.send_text("+1", "two")
    first, second = receiver.wait_for(2)
    assert first.path == "/ev?via=sandbox"
    assert first.headers["authorization"] == basic("us@er", "p:ss")
    assert first.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert second.path == "/only-user"
    assert second.headers["authorization"] == basic("solo", "")


def test_inbound_messages_are_pushed(go_sandbox: SandboxAccount, receiver: Receiver) -> None:
    go_sandbox.set_push(push_message_url=receiver.url("/messages", "go:secret@"))
    message = go_sandbox.inject_inbound("+27761234567", "hi", session_event="new")
    [push] = receiver.wait_for(1)
    assert push.path == "/messages"
    assert push.headers["content-type"] == "application/json; charset=utf-8"
    assert push.headers["authorization"] == basic("go", "secret")
    assert push.json() == message
    assert set(message) == MESSAGE_KEYS
    assert message["helper_metadata"]["go"] == go_block(go_sandbox)
    assert go_sandbox.events() == []  # inbound messages have no events


def test_ignore_flags_suppress_pushes_but_events_are_kept(
    go_sandbox: SandboxAccount, receiver: Receiver
) -> None:
    go_sandbox.set_push(
        push_message_url=receiver.url("/in"),
        push_event_url=receiver.url("/ev"),
        ignore_messages=True,
        ignore_events=True,
    )
    sender = sender_for(go_sandbox)
    ignored = sender.send_text("+1", "quiet")
    go_sandbox.inject_inbound("+2", "quiet")
    go_sandbox.set_push(ignore_messages=False, ignore_events=False)
    pushed = sender.send_text("+1", "loud")
    loud = go_sandbox.inject_inbound("+2", "loud")
    receiver.wait_for(2)
    # Each URL's pushes keep their order: had the ignored ones been queued, they would
    # have arrived first.
    assert [r.json()["user_message_id"] for r in receiver.at("/ev")] == [pushed["message_id"]]
    assert [r.json() for r in receiver.at("/in")] == [loud]
    events = settled_events(go_sandbox)
    assert [(e["user_message_id"], e["push"]["status"]) for e in events] == [
        (ignored["message_id"], "ignored"),
        (pushed["message_id"], "delivered"),
    ]


def test_failed_pushes_change_no_answer_and_are_recorded(
    go_sandbox: SandboxAccount, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    receiver.status = 500
    sender = sender_for(go_sandbox)
    go_sandbox.set_push(push_event_url=receiver.url("/ev", "user:s3cret@"))
    refused = sender.send_text("+1", "to a failing receiver")
    dead_url = unreachable_url("/ev", "user:s3cret@")
    go_sandbox.set_push(push_event_url=dead_url, push_message_url=dead_url)
    unreachable = sender.send_text("+1", "to nobody")
    inbound = go_sandbox.inject_inbound("+2", "to nobody")
    assert refused["content"] == "to a failing receiver"  # the usual answers
    assert unreachable["to_addr"] == "+1"
    events = settled_events(go_sandbox)
    assert [e["push"] for e in events] == [
        {"status": "failed", "error": "HTTP 500"},
        {"status": "failed", "error": "connection failed: Connection refused"},
    ]
    assert [m["message_id"] for m in go_sandbox.outbound_messages()] == [
        refused["message_id"],
        unreachable["message_id"],
    ]
    # The log says what failed and where, with the URL's credentials masked.
    failure = f"push of inbound message {inbound['message_id']} to {redact_url(dead_url)}"
    wait_until(lambda: failure in caplog.text)
    assert f"to http://***@127.0.0.1:{receiver.port}/ev failed (not retried): HTTP 500" in (
        caplog.text
    )
    assert "s3cret" not in caplog.text
    assert base64.b64encode(b"user:s3cret").decode() not in caplog.text


def test_a_push_never_holds_up_the_answer(go_sandbox: SandboxAccount, receiver: Receiver) -> None:
    go_sandbox.set_push(push_event_url=receiver.url("/ev"))
    receiver.release.clear()  # the receiver takes its time answering
    message = sender_for(go_sandbox).send_text("+1", "hi")
    receiver.wait_for(1)
    # The send was answered while its ack's push was still waiting for the receiver.
    [event] = go_sandbox.events()
    assert event["user_message_id"] == message["message_id"]
    assert event["push"]["status"] == "pending"
    receiver.release.set()
    assert settled_events(go_sandbox)[0]["push"]["status"] == "delivered"


def test_slow_receivers_time_out_and_stop_drops_the_queue(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    receiver.release.clear()  # never answers in time
    with Sandbox(db_path=db, push_timeout=1) as sandbox:
        sandbox.set_push(push_event_url=receiver.url("/ev"))
        sender = sender_for(sandbox)
        sender.send_text("+1", "in flight")
        sender.send_text("+1", "queued behind it")
        receiver.wait_for(1)
    # Stopping waited for the push under way and recorded what became of each.
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT push_status, push_error FROM events ORDER BY seq").fetchall()
    assert rows == [
        ("failed", "no answer within 1 s"),
        ("failed", "not pushed: the sandbox stopped"),
    ]
    assert len(receiver.received) == 1


def test_push_flags_of_the_sandbox_command(tmp_path: Path, receiver: Receiver) -> None:
    port = free_port()
    events_url = receiver.url("/ev", "hook:pa55word@")
    command = [
        sys.executable, "-m", "go_http.sandbox", "--port", str(port),
        "--db", str(tmp_path / "db.sqlite3"), "--account-key", "acct", "--auth-token", "tok",
        "--conversation-key", "conv", "--conversation-token", "ctok",
        "--push-event-url", events_url, "--push-message-url", receiver.url("/in"),
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        banner = "".join(server.stdout.readline() for _ in range(9))
        assert f"push event URL:     http://***@127.0.0.1:{receiver.port}/ev\n" in banner
        assert f"push message URL:   {receiver.url('/in')}\n" in banner
        api = f"http://127.0.0.1:{port}/api/v1/go"
        wait_until(lambda: reachable(f"http://127.0.0.1:{port}/health/"))
        settings = requests.get(
            f"{api}/_sandbox/conversations/conv/push",
            headers={"Authorization": "Bearer tok"},
            timeout=10,
        ).json()
        assert settings == {
            "push_message_url": receiver.url("/in"),
            "push_event_url": events_url,
            "ignore_messages": False,
            "ignore_events": False,
        }
        sent = requests.put(
            f"{api}/http_api_nostream/conv/messages.json",
            json={"to_addr": "+1", "content": "hi"},
            auth=("acct", "ctok"),
            timeout=10,
        ).json()
        [push] = receiver.wait_for(1)
        assert push.json()["user_message_id"] == sent["message_id"]
        assert push.headers["authorization"] == basic("hook", "pa55word")
    finally:
        server.send_signal(signal.SIGINT)
        _, log = server.communicate(timeout=30)
    # The foreground server logs its pushes beside uvicorn's lines, credentials masked.
    assert f"pushed ack {push.json()['event_id']} to http://***@127.0.0.1:" in log
    assert "pa55word" not in log


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def reachable(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


# -- bounded pushes, bounded stop ---------------------------------------------------------


class Trickler:
    """A loopback server answering every request with ``head``, then one byte more every
    ``interval`` seconds for as long as it runs (a receiver that never finishes)."""

    def __init__(self, head: bytes, interval: float = 0.1) -> None:
        self.head = head
        self.interval = interval
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._trickle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                while not self._closed.wait(self.interval):
                    conn.sendall(b"x")
            except OSError:
                pass  # the sandbox hung up

    def close(self) -> None:
        self._closed.set()
        for thread in self._threads:
            thread.join(10)
        self._listener.close()


def stop_within(sandbox: Sandbox, seconds: float) -> float:
    """Stop the sandbox; returns how long it took, failing if it takes longer than
    ``seconds`` (the stop is left running in the background then)."""
    started = time.monotonic()
    stopper = threading.Thread(target=sandbox.stop, daemon=True)
    stopper.start()
    stopper.join(seconds)
    assert not stopper.is_alive(), f"stopping took more than {seconds} s"
    return time.monotonic() - started


@pytest.mark.parametrize(
    ("head", "outcome"),
    [
        # The receiver's body is ignored (§1.9): the push is done once the status is read.
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
            {"status": "delivered", "error": None},
        ),
        # Headers that never end are no answer.
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", {"status": "failed", "error": "no answer within 0.5 s"}),
        (b"HTTP/1.1 20", {"status": "failed", "error": "no answer within 0.5 s"}),
    ],
    ids=["body", "headers", "status-line"],
)
def test_a_trickling_receiver_holds_neither_the_push_nor_the_stop(
    head: bytes, outcome: dict[str, Any]
) -> None:
    trickler = Trickler(head)
    sandbox = Sandbox(push_timeout=0.5).start()
    try:
        sandbox.set_push(push_event_url=f"http://127.0.0.1:{trickler.port}/ev")
        started = time.monotonic()
        sender_for(sandbox).send_text("+1", "hi")
        [event] = settled_events(sandbox, timeout=5)
        assert event["push"] == outcome
        assert time.monotonic() - started < 2  # 0.5 s and a margin for a slow machine
        assert stop_within(sandbox, 5) < 2
    finally:
        trickler.close()  # lets a stop that hung finish
        sandbox.stop()


@contextmanager
def served(tmp_path: Path, **limits: Any) -> Iterator[tuple[SandboxAccount, SandboxServer]]:
    """A sandbox server with limits that :class:`Sandbox` does not take, and its account."""
    store = Store(str(tmp_path / "sandbox.sqlite3"))
    server = SandboxServer(store, SandboxConfig(**limits), owns_store=True)
    try:
        server.start()
        where = Sandbox()  # only carries the URLs to the account
        where.api_url, where.send_url = server.api_url, server.send_url
        yield SandboxAccount(where, store.ready_account()), server
    finally:
        server.stop()


def stored_outcomes(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT push_status, push_error FROM events ORDER BY seq")
        return [(status, error) for status, error in rows]


def test_pushes_beyond_the_cap_of_a_url_fail_at_once(tmp_path: Path, receiver: Receiver) -> None:
    receiver.release.clear()  # the first push is held until all are handed over
    with served(tmp_path, push_max_waiting=3) as (account, _):
        account.set_push(push_event_url=receiver.url("/ev"))
        sender = sender_for(account)
        sent = [sender.send_text("+1", f"message {n}")["message_id"] for n in range(6)]
        receiver.wait_for(1)
        assert {e["push"]["status"] for e in account.events()} == {"pending"}
        receiver.release.set()
        events = settled_events(account)
        # One under way and three waiting were pushed; the two beyond the cap were not.
        assert [r.json()["user_message_id"] for r in receiver.wait_for(4)] == sent[:4]
    assert [e["user_message_id"] for e in events] == sent
    assert [e["push"] for e in events] == [{"status": "delivered", "error": None}] * 4 + [
        {"status": "failed", "error": "not pushed: more than 3 pushes waiting for this URL"}
    ] * 2
    assert len(receiver.received) == 4


def test_stop_records_the_dropped_pushes_at_once_with_one_log_line(
    tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="go_http.sandbox.push")
    receiver.release.clear()  # never answers in time
    with served(tmp_path, push_max_waiting=3, push_timeout=0.5) as (account, server):
        account.set_push(push_event_url=receiver.url("/ev", "user:s3cret@"))
        sender = sender_for(account)
        for n in range(6):
            sender.send_text("+1", f"message {n}")
        receiver.wait_for(1)
        # Every push has been handed over before this is answered.
        first = account.events()[0]["event_id"]
        started = time.monotonic()
        server.stop()
        # The push under way ends at its timeout; stopping waits for it, no longer.
        assert time.monotonic() - started < 0.5 + CLOSE_GRACE
    assert stored_outcomes(tmp_path / "sandbox.sqlite3") == [
        ("failed", "no answer within 0.5 s"),
        *[("failed", "not pushed: the sandbox stopped")] * 3,
        *[("failed", "not pushed: more than 3 pushes waiting for this URL")] * 2,
    ]
    lines = [r.getMessage() for r in caplog.records if r.name == "go_http.sandbox.push"]
    assert sorted(lines) == sorted(
        [
            f"push of ack {first} to"
            f" http://***@127.0.0.1:{receiver.port}/ev failed (not retried):"
            " no answer within 0.5 s",
            "3 pushes not sent: the sandbox stopped",
            "2 pushes not sent: more than 3 pushes waiting for this URL",
        ]
    )


def stored_push(store: Store, url: str) -> Push:
    """An ack stored as a send's would be, and its push to ``url``."""
    creds = store.ready_account()
    message = {
        "message_id": new_key(),
        "helper_metadata": {
            "go": {
                "user_account": creds.account_key,
                "conversation_type": "http_api_nostream",
                "conversation_key": creds.conversation_key,
            }
        },
        "routing_metadata": {},
    }
    with store.write() as conn:
        push = store_event(conn, ack_event(message), PushSettings(push_event_url=url))
    assert push is not None
    return push


def outcomes(store: Store) -> list[dict[str, Any]]:
    return [e["push"] for e in list_events(store, store.ready_account().account_key, None)]


def test_a_push_handed_over_after_stopping_is_recorded_as_not_pushed(
    tmp_path: Path, receiver: Receiver
) -> None:
    store = Store(str(tmp_path / "sandbox.sqlite3"))
    pusher = Pusher(on_outcome=functools.partial(record_outcome, store))
    push = stored_push(store, receiver.url("/ev"))
    pusher.close()
    pusher.submit(push)  # e.g. by a request the server was still finishing
    assert outcomes(store) == [{"status": "failed", "error": "not pushed: the sandbox stopped"}]
    assert receiver.received == []
    store.close()


def test_stopping_waits_a_bounded_time_for_a_push_under_way(
    tmp_path: Path, receiver: Receiver
) -> None:
    store = Store(str(tmp_path / "sandbox.sqlite3"))
    busy = threading.Event()

    def record_slowly(pushes: Sequence[Push], outcome: Outcome) -> None:
        if outcome.delivered:  # the database is held up just then
            busy.wait(10)
        record_outcome(store, pushes, outcome)

    pusher = Pusher(timeout=0.2, on_outcome=record_slowly)
    pusher.submit(stored_push(store, receiver.url("/ev")))
    receiver.wait_for(1)
    closer = threading.Thread(target=pusher.close, daemon=True)
    started = time.monotonic()
    closer.start()
    try:
        closer.join(5)
        assert not closer.is_alive(), "close() did not return"
        assert time.monotonic() - started < 0.2 + CLOSE_GRACE + 1
        assert outcomes(store) == [
            {"status": "failed", "error": "no answer before the sandbox stopped"}
        ]
    finally:
        busy.set()
    # The worker still records what it saw, if the database is open to take it.
    wait_until(lambda: outcomes(store) == [{"status": "delivered", "error": None}])
    store.close()


def test_pushes_left_pending_by_an_earlier_run_are_recorded_as_failed(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        sender = sender_for(sandbox)
        sender.send_text("+1", "left pending")
        sender.send_text("+1", "never to be pushed")
    with sqlite3.connect(db) as conn:  # what a run killed before pushing leaves behind
        conn.execute("UPDATE events SET push_status = 'pending' WHERE seq = 1")
    with Sandbox(db_path=db) as sandbox:
        assert [e["push"] for e in sandbox.events()] == [
            {"status": "failed", "error": "not pushed: the sandbox stopped before pushing it"},
            {"status": "no_url", "error": None},
        ]


def test_reprs_mask_push_url_passwords() -> None:
    settings = PushSettings(
        push_message_url="http://app:hunter2@host/in", push_event_url="https://u:hunter2@h:8/e?x"
    )
    assert repr(settings) == (
        "PushSettings(push_message_url='http://***@host/in',"
        " push_event_url='https://***@h:8/e?x', ignore_messages=False, ignore_events=False)"
    )
    push = Push(url="http://app:hunter2@host/x", body={"a": 1}, what="ack 1", event_id="1")
    assert repr(push) == "Push(url='http://***@host/x', body={'a': 1}, what='ack 1', event_id='1')"
    assert "hunter2" not in repr([settings, push])
