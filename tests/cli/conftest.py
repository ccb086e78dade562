"""Run the real ``go-http`` command in-process against a sandbox over loopback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from go_http.cli import cli
from go_http.testing import SandboxAccount

Invoke = Callable[..., Result]


def sandbox_env(account: SandboxAccount) -> dict[str, str]:
    """The GO_HTTP_* variables pointing at a sandbox account."""
    return {
        "GO_HTTP_API_URL": account.api_url,
        "GO_HTTP_AUTH_TOKEN": account.auth_token,
        "GO_HTTP_ACCOUNT_KEY": account.account_key,
        "GO_HTTP_CONVERSATION_KEY": account.conversation_key,
        "GO_HTTP_CONVERSATION_TOKEN": account.conversation_token,
    }


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No GO_HTTP_* variable from the outside, and an empty user config dir."""
    import os

    for name in list(os.environ):
        if name.startswith("GO_HTTP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


@pytest.fixture
def run(isolated_env: Path) -> Invoke:
    """``run(*args, env=None, input=None)``: the command's Result (stdout/stderr apart)."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def go(run: Invoke, go_sandbox: SandboxAccount) -> Invoke:
    """Like ``run``, with the settings of a fresh sandbox account in the environment."""
    env = sandbox_env(go_sandbox)

    def invoke(*args: str, input: str | None = None, **extra_env: str) -> Result:
        return run(*args, env={**env, **extra_env}, input=input)

    return invoke


def json_lines(text: str) -> list[Any]:
    """Parse JSON Lines output (every line must be JSON)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]
