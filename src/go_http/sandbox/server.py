"""Running the sandbox: blocking :func:`serve` and a background-thread server."""

from __future__ import annotations

import copy
import socket
import sys
import threading
import time
from typing import Any, TextIO

import uvicorn
import uvicorn.config

from go_http._operation import redact_url
from go_http._protocol import SEND_API_SEGMENT
from go_http.sandbox import DEFAULT_DB, push_settings
from go_http.sandbox.app import API_PREFIX, create_app, finish
from go_http.sandbox.config import SandboxConfig
from go_http.sandbox.push_settings import PushSettings
from go_http.sandbox.store import Credentials, Store


def urls(host: str, port: int) -> tuple[str, str]:
    """The API base URL and the sender base URL of a server.

    :param str host: the address clients connect to.
    :param int port: the port.
    """
    shown = f"[{host}]" if ":" in host else host
    api_url = f"http://{shown}:{port}{API_PREFIX}"
    return api_url, f"{api_url}/{SEND_API_SEGMENT}"


def banner(
    api_url: str, send_url: str, creds: Credentials, push: PushSettings | None = None
) -> str:
    """The text printed at start: where to connect and with which credentials, and where
    the ready-made conversation pushes (URL credentials masked)."""
    text = (
        "go-http sandbox\n"
        f"  API base URL:       {api_url}\n"
        f"  send URL:           {send_url}\n"
        f"  auth token:         {creds.auth_token}\n"
        f"  account key:        {creds.account_key}\n"
        f"  conversation key:   {creds.conversation_key}\n"
        f"  conversation token: {creds.conversation_token}\n"
    )
    if push is not None and push.push_message_url:
        text += f"  push message URL:   {redact_url(push.push_message_url)}\n"
    if push is not None and push.push_event_url:
        text += f"  push event URL:     {redact_url(push.push_event_url)}\n"
    return text


class SandboxServer:
    """A sandbox served by uvicorn in a background thread.

    :param Store store: the database (closed by :meth:`stop` only if ``owns_store``).
    :param SandboxConfig config: limits.
    :param str host: address to bind.
    :param int port: port to bind; ``0`` picks a free one.
    :param bool owns_store: close the store when the server stops.
    """

    def __init__(
        self,
        store: Store,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        owns_store: bool = False,
    ) -> None:
        self.store = store
        self.host = host
        self._owns_store = owns_store
        # Bind ourselves so the port is known (and reserved) before uvicorn starts.
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # listener says so, and without it every keep-alive response waits ~40 ms (Nagle).
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((host, port))
        except BaseException:
            self._socket.close()
            raise
        self.port: int = self._socket.getsockname()[1]
        self._app = create_app(store, config)
        uv_config = uvicorn.Config(
            self._app,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def api_url(self) -> str:
        """``http://HOST:PORT/api/v1/go``."""
        return urls(self.host, self.port)[0]

    @property
    def send_url(self) -> str:
        """``http://HOST:PORT/api/v1/go/http_api_nostream``."""
        return urls(self.host, self.port)[1]

    def start(self, timeout: float = 10.0) -> None:
        """Start serving and wait until the socket accepts requests.

        On failure everything is stopped and closed, as by :meth:`stop`.

        :raises RuntimeError: the server did not start in time.
        """
        try:
            self._thread.start()
            deadline = time.monotonic() + timeout
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox server did not start")
                time.sleep(0.005)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop serving, wait for the thread, close the socket, finish the pushes (and close
        the store if owned)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()
        finish(self._app)
        if self._owns_store:
            self.store.close()


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with the sandbox's own lines (pushes, errors) beside its own."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["go_http.sandbox"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


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
    :raises CredentialConflict: a credential belongs to another account of ``db``.
    :raises InvalidPushSetting: a push URL is not an ``http(s)`` URL.
    """
    store = Store(db)
    try:
        creds = store.ready_account(auth_token, account_key, conversation_key, conversation_token)
        wanted = {"push_message_url": push_message_url, "push_event_url": push_event_url}
        push = push_settings.change(
            store,
            creds.account_key,
            creds.conversation_key,
            {name: url for name, url in wanted.items() if url is not None},
        )
        config = SandboxConfig(concurrency_limit=concurrency_limit, request_delay=request_delay)
        api_url, send_url = urls(host, port)
        stream = out or sys.stdout
        stream.write(banner(api_url, send_url, creds, push))
        stream.flush()
        app = create_app(store, config)
        try:
            # The access log shows method, path and status only: tokens travel in headers.
            uvicorn.run(app, host=host, port=port, log_level="info", log_config=_log_config())
        finally:
            finish(app)
    finally:
        store.close()
