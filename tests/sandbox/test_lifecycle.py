"""Failures while committing or starting leave nothing open behind them."""

from __future__ import annotations

import base64
import http.client
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from go_http.sandbox import conversation
from go_http.sandbox.server import SandboxServer
from go_http.sandbox.store import Store
from go_http.testing import Sandbox


def test_a_failed_commit_is_rolled_back_and_later_writes_work(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "db.sqlite3"))
    with store.read() as conn:
        # A deferred foreign key is checked at COMMIT, so COMMIT itself fails.
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE child (parent_id INTEGER"
            " REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
    with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
        conn.execute("INSERT INTO child VALUES (1)")
    creds = store.create_account()
    assert store.account_for_token(creds.auth_token) == creds.account_key
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0
    store.close()


def test_a_failed_start_stops_the_server_and_removes_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    started: list[SandboxServer] = []
    real_start = SandboxServer.start

    def start_and_record(self: SandboxServer, timeout: float = 10.0) -> None:
        real_start(self, timeout)
        started.append(self)

    def broken_seed(self: Store, *args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SandboxServer, "start", start_and_record)
    monkeypatch.setattr(Store, "ready_account", broken_seed)
    sandbox = Sandbox()
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        sandbox.start()
    assert list(tmp_path.iterdir()) == []
    [server] = started
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.api_url}/contacts/", timeout=2)
    with pytest.raises(sqlite3.ProgrammingError):  # the store was closed
        server.store.account_for_token("x")


def test_a_server_that_cannot_bind_closes_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    closed: list[Store] = []
    real_close = Store.close

    def close_and_record(self: Store) -> None:
        closed.append(self)
        real_close(self)

    def cannot_bind(self: SandboxServer, *args: object, **kwargs: object) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(Store, "close", close_and_record)
    monkeypatch.setattr(SandboxServer, "__init__", cannot_bind)
    with pytest.raises(OSError, match="Address already in use"):
        Sandbox().start()
    assert len(closed) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_error_answers_500_and_keeps_the_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_publish(request_data: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(conversation, "_publish", broken_publish)
    with Sandbox() as sandbox:
        url = urlsplit(f"{sandbox.send_url}/{sandbox.conversation_key}/messages.json")
        token = f"{sandbox.account_key}:{sandbox.conversation_token}".encode()
        headers = {"Authorization": f"Basic {base64.b64encode(token).decode()}"}
        connection = http.client.HTTPConnection(url.netloc, timeout=10)
        try:
            for _ in range(2):  # the second request proves the connection stayed open
                connection.request("PUT", url.path, body=b'{"to_addr": "+1"}', headers=headers)
                response = connection.getresponse()
                assert response.status == 500
                assert b"The sandbox failed to handle this request." in response.read()
        finally:
            connection.close()
    assert "Exception in ASGI application" not in caplog.text
    assert "RuntimeError: a bug" in caplog.text
