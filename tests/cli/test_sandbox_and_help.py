"""``go-http sandbox`` serves the APIs; every command's ``--help`` has an example."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from go_http.cli import cli
from tests.cli.conftest import Invoke, json_lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the sandbox did not start listening"
            time.sleep(0.02)


def test_sandbox_command_serves_the_given_credentials(run: Invoke, tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable, "-c", "from go_http.cli import main; main()", "sandbox",
        "--port", str(port), "--db", str(tmp_path / "sb.sqlite3"),
        "--auth-token", "dev-token", "--account-key", "dev-account",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(3)]
        api_url = f"http://127.0.0.1:{port}/api/v1/go"
        assert api_url in "".join(banner)
        env = {"GO_HTTP_API_URL": api_url, "GO_HTTP_AUTH_TOKEN": "dev-token"}
        wait_for_port(port)  # the banner is printed just before uvicorn binds
        created = run("contacts", "create", "--msisdn", "+27825550123", env=env)
        assert created.exit_code == 0, created.output
        listed = json_lines(run("contacts", "list", "--json", env=env).stdout)
        assert [c["msisdn"] for c in listed] == ["+27825550123"]
        campaigns = json_lines(run("account", "campaigns", "--json", env=env).stdout)
        assert [c["key"] for c in campaigns] == ["dev-account"]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert server.returncode == 0


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += leaf_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", leaf_commands(cli), ids=" ".join)
def test_every_command_help_has_an_example(run: Invoke, path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "go-http " + " ".join(path) in result.stdout


def test_root_help_lists_exit_codes(run: Invoke) -> None:
    result = run("--help")
    assert "Exit codes" in result.stdout
    assert "partial failure" in result.stdout
