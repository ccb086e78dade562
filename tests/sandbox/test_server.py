"""Running the server: the command line, restart durability and the testing helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from go_http.sandbox.store import CredentialConflict, Store
from go_http.testing import Sandbox, SandboxAccount

CREDS = {
    "--auth-token": "tok-1",
    "--account-key": "acct-1",
    "--conversation-key": "conv-1",
    "--conversation-token": "ctok-1",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _start(db: Path, port: int) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "go_http.sandbox", "--db", str(db), "--port", str(port)]
    for flag, value in CREDS.items():
        args += [flag, value]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/", timeout=1).text == "OK":
                return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("sandbox did not start")


def test_writes_survive_sigkill_and_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api/v1/go"
    bearer = {"Authorization": "Bearer tok-1"}
    process = _start(db, port)
    try:
        contact = requests.post(
            f"{api}/contacts/", json={"msisdn": "+1"}, headers=bearer, timeout=10
        ).json()
        requests.put(f"{api}/optouts/msisdn/%2B2", headers=bearer, timeout=10)
        requests.post(f"{api}/metrics/", json={"stores.default.x.sum": 4}, headers=bearer,
                      timeout=10)  # fmt: skip
        sent = requests.put(
            f"{api}/http_api_nostream/conv-1/messages.json",
            json={"to_addr": "+3", "content": "kept"},
            auth=("acct-1", "ctok-1"),
            timeout=10,
        )
        assert sent.status_code == 200
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.stdout is not None
    printed = process.stdout.read()
    assert f"{api}/http_api_nostream" in printed
    assert "tok-1" in printed
    assert "ctok-1" in printed

    process = _start(db, port)
    try:
        got = requests.get(f"{api}/contacts/{contact['key']}", headers=bearer, timeout=10)
        assert got.json() == contact
        assert (
            requests.get(f"{api}/optouts/count", headers=bearer, timeout=10).json()[
                "opt_out_count"
            ]
            == 1
        )
        metrics = requests.get(
            f"{api}/metrics/", params={"m": "stores.default.x.sum", "from": "-1h"},
            headers=bearer, timeout=10,
        ).json()  # fmt: skip
        assert sum(p["y"] for p in metrics["stores.default.x.sum"]) == 4.0
        outbound = requests.get(f"{api}/_sandbox/outbound", headers=bearer, timeout=10).json()
        assert [m["content"] for m in outbound] == ["kept"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_credentials_on_existing_database(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "db.sqlite3"))
    first = store.ready_account()
    # Without flags the same ready-made account comes back.
    assert store.ready_account() == first
    # A new token is added to the ready-made account; the old one still works.
    second = store.ready_account(auth_token="extra-token")
    assert second.account_key == first.account_key
    assert store.account_for_token("extra-token") == first.account_key
    assert store.account_for_token(first.auth_token) == first.account_key
    other = store.create_account()
    with pytest.raises(CredentialConflict):
        store.ready_account(auth_token=other.auth_token)
    store.close()


def test_memory_database() -> None:
    store = Store(":memory:")
    creds = store.ready_account()
    assert store.account_for_token(creds.auth_token) == creds.account_key
    store.close()


def test_sandbox_helper_urls_and_accounts(go_sandbox: SandboxAccount) -> None:
    assert go_sandbox.api_url.startswith("http://127.0.0.1:")
    assert go_sandbox.api_url.endswith("/api/v1/go")
    assert go_sandbox.send_url == f"{go_sandbox.api_url}/http_api_nostream"
    fresh = go_sandbox.add_account()
    assert fresh.account_key != go_sandbox.account_key
    assert fresh.outbound_messages() == []
    health = requests.get(go_sandbox.api_url.replace("/api/v1/go", "/health/"), timeout=10)
    assert health.text == "OK"


def test_sandbox_stops_and_removes_its_database() -> None:
    sandbox = Sandbox()
    with sandbox:
        url = sandbox.api_url
        tmpdir = sandbox._tmpdir
        assert tmpdir is not None
        assert Path(tmpdir).exists()
    assert not Path(tmpdir).exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/contacts/", timeout=2)
