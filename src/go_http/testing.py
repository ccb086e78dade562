"""Test helpers: an embedded Vumi Go sandbox server and the ``go_sandbox`` pytest fixture.

::

    from go_http.testing import Sandbox

    with Sandbox() as sb:
        ...  # point clients at sb.api_url / sb.send_url with sb.auth_token etc.

This module is a pytest plugin (entry point ``pytest11``), so it is imported by every
pytest run: it imports the server (starlette, uvicorn) only when a sandbox starts.
"""

from __future__ import annotations

import enum
import json
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from go_http.sandbox.server import SandboxServer
    from go_http.sandbox.store import Credentials

__all__ = ["Sandbox", "SandboxAccount", "go_sandbox", "go_sandbox_server"]


class _Keep(enum.Enum):
    KEEP = "keep"


#: "Leave this setting as it is" (the default of :meth:`SandboxAccount.set_push`).
KEEP = _Keep.KEEP


class SandboxAccount:
    """One account of a running sandbox, with its ready-made conversation.

    :ivar str api_url: ``http://127.0.0.1:PORT/api/v1/go``.
    :ivar str send_url: the ``http_api_nostream`` base below it.
    :ivar str auth_token: bearer token (account, contacts, opt-outs, metrics APIs).
    :ivar str account_key: the account key (Basic-auth user of the conversation API).
    :ivar str conversation_key: the ready-made ``http_api_nostream`` conversation.
    :ivar str conversation_token: Basic-auth password for that conversation.
    """

    api_url: str
    send_url: str
    auth_token: str
    account_key: str
    conversation_key: str
    conversation_token: str

    def __init__(self, sandbox: Sandbox, creds: Credentials) -> None:
        self._sandbox = sandbox
        self.api_url = sandbox.api_url
        self.send_url = sandbox.send_url
        self.auth_token = creds.auth_token
        self.account_key = creds.account_key
        self.conversation_key = creds.conversation_key
        self.conversation_token = creds.conversation_token

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(  # noqa: S310 - always the sandbox's own URL
            f"{self.api_url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.auth_token}",
                "Content-Type": "application/json; charset=utf-8",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def outbound_messages(self) -> list[dict[str, Any]]:
        """The messages this account has sent so far, oldest first (§1.7 objects)."""
        found: list[dict[str, Any]] = self._call("GET", "outbound")
        return found

    def events(self, conversation_key: str | None = None) -> list[dict[str, Any]]:
        """The events of this account's messages, oldest first (§1.10 objects).

        The sandbox acknowledges every send and reply with one ``ack``.  Each event has
        a sandbox-only ``push`` key added: ``{"status": …, "error": …}``, where status
        is ``pending``, ``delivered``, ``failed``, ``ignored`` or ``no_url``.

        :param str conversation_key: only this conversation's events (default: all).
        """
        query = f"?{urlencode({'conversation_key': conversation_key})}" if conversation_key else ""
        found: list[dict[str, Any]] = self._call("GET", f"events{query}")
        return found

    def push_settings(self, conversation_key: str | None = None) -> dict[str, Any]:
        """Where the conversation pushes inbound messages and events (spec §1.11).

        :param str conversation_key: the conversation (default the ready-made one).
        :returns: ``{"push_message_url", "push_event_url", "ignore_messages",
            "ignore_events"}``.
        """
        found: dict[str, Any] = self._call("GET", self._push_path(conversation_key))
        return found

    def set_push(
        self,
        *,
        push_message_url: str | _Keep | None = KEEP,
        push_event_url: str | _Keep | None = KEEP,
        ignore_messages: bool | _Keep = KEEP,
        ignore_events: bool | _Keep = KEEP,
        conversation_key: str | None = None,
    ) -> dict[str, Any]:
        """Change where the conversation pushes; settings not given are kept.

        Inbound messages (:meth:`inject_inbound`) are POSTed to ``push_message_url`` and the
        ``ack`` of every send or reply to ``push_event_url`` (``None`` clears a URL), unless
        ``ignore_messages`` / ``ignore_events``.  ``user:password@`` in a URL is sent as
        Basic auth.

        :param str conversation_key: the conversation (default the ready-made one).
        :returns: the settings now in force, as :meth:`push_settings`.
        :raises ValueError: the sandbox refused a value (the message names the setting)
            or does not know the conversation.
        """
        wanted = {
            "push_message_url": push_message_url,
            "push_event_url": push_event_url,
            "ignore_messages": ignore_messages,
            "ignore_events": ignore_events,
        }
        changes = {name: value for name, value in wanted.items() if value is not KEEP}
        try:
            found: dict[str, Any] = self._call("PUT", self._push_path(conversation_key), changes)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code not in (400, 404):
                    raise
                reason = json.loads(exc.read())["reason"]
            raise ValueError(reason) from None
        return found

    def _push_path(self, conversation_key: str | None) -> str:
        key = quote(conversation_key or self.conversation_key, safe="")
        return f"conversations/{key}/push"

    def inject_inbound(
        self,
        from_addr: str,
        content: str | None,
        session_event: str | None = None,
        *,
        to_addr: str | None = None,
        conversation_key: str | None = None,
    ) -> dict[str, Any]:
        """Store an inbound message from a user to this account's conversation.

        :param str from_addr: the user's address.
        :param str content: the text.
        :param str session_event: ``None``, ``new``, ``resume`` or ``close``.
        :param str to_addr: the channel address (default the account's longcode).
        :param str conversation_key: target conversation (default the ready-made one).
        :returns: the stored message; its ``message_id`` is a valid ``in_reply_to``.
        """
        payload: dict[str, Any] = {
            "from_addr": from_addr,
            "content": content,
            "session_event": session_event,
            "to_addr": to_addr,
            "conversation_key": conversation_key or self.conversation_key,
        }
        message: dict[str, Any] = self._call("POST", "inbound", payload)
        return message

    def add_account(self) -> SandboxAccount:
        """Create a fresh, empty account on the same server."""
        return self._sandbox.add_account()


class Sandbox(SandboxAccount):
    """A sandbox server on a free loopback port, in a background thread.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`).  The attributes of
    :class:`SandboxAccount` describe the ready-made account once started.

    :param int concurrency_limit: simultaneous conversation-API requests per account.
    :param str db_path: SQLite file to use (default: a temporary file, removed on stop).
    :param float request_delay: artificial delay of conversation-API requests, seconds.
    :param float push_timeout: seconds a push to a conversation's ``push_message_url`` or
        ``push_event_url`` may take to connect, and to be answered.
    """

    def __init__(
        self,
        concurrency_limit: int = 10,
        db_path: str | Path | None = None,
        request_delay: float = 0.0,
        push_timeout: float = 5.0,
    ) -> None:
        self.concurrency_limit = concurrency_limit
        self.request_delay = request_delay
        self.push_timeout = push_timeout
        self.db_path = None if db_path is None else str(db_path)
        self._tmpdir: str | None = None
        self._server: SandboxServer | None = None
        self._sandbox = self
        self.api_url = self.send_url = ""
        self.auth_token = self.account_key = ""
        self.conversation_key = self.conversation_token = ""

    def start(self) -> Sandbox:
        """Start the server and create (or load) the ready-made account.

        If anything fails, whatever was started is stopped (database closed, temporary
        directory removed) before the error propagates.
        """
        from go_http.sandbox.config import SandboxConfig
        from go_http.sandbox.server import SandboxServer
        from go_http.sandbox.store import Store

        store: Store | None = None
        try:
            path = self.db_path
            if path is None:
                self._tmpdir = tempfile.mkdtemp(prefix="go-http-sandbox-")
                path = str(Path(self._tmpdir) / "sandbox.sqlite3")
            store = Store(path)
            config = SandboxConfig(
                concurrency_limit=self.concurrency_limit,
                request_delay=self.request_delay,
                push_timeout=self.push_timeout,
            )
            self._server = SandboxServer(store, config, owns_store=True)
            self._server.start()
            creds = store.ready_account()
        except BaseException:
            if self._server is None and store is not None:
                store.close()
            self.stop()
            raise
        self.api_url = self._server.api_url
        self.send_url = self._server.send_url
        self.auth_token = creds.auth_token
        self.account_key = creds.account_key
        self.conversation_key = creds.conversation_key
        self.conversation_token = creds.conversation_token
        return self

    def stop(self) -> None:
        """Stop the server and remove the temporary database."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def add_account(self) -> SandboxAccount:
        """Create a fresh, empty account on this server."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return SandboxAccount(self, self._server.store.create_account())

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixtures
    pass
else:

    @pytest.fixture(scope="session")
    def go_sandbox_server() -> Iterator[Sandbox]:
        """One sandbox server shared by the whole test session."""
        with Sandbox() as sandbox:
            yield sandbox

    @pytest.fixture
    def go_sandbox(go_sandbox_server: Sandbox) -> SandboxAccount:
        """A fresh account (with its conversation) on the session's sandbox server.

        It has the attributes and methods of :class:`Sandbox` (``api_url``, ``send_url``,
        credentials, ``outbound_messages()``, ``inject_inbound()``, ``events()``,
        ``set_push()``, ``push_settings()``, ``add_account()``).  Push settings belong to
        the account's conversation, so they never leak into another test.
        """
        return go_sandbox_server.add_account()
