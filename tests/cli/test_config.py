"""Settings: flags beat environment variables beat config-file profiles; secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke

CONFIG = """\
[default]
api_url = http://file.example/api/v1/go
auth_token = file-token-abcdef123

[staging]
api_url = http://staging.example/api/v1/go
account_key = staging-account
conversation_token = staging-secret-token-99
"""


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "go-http.ini"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def show(run: Invoke, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = run(*args, "config", "show", "--json", env=env)
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_flag_beats_env_beats_file(run: Invoke, isolated_env: Path) -> None:
    path = write_config(isolated_env)
    env = {"GO_HTTP_CONFIG": str(path), "GO_HTTP_API_URL": "http://env.example/api/v1/go"}
    shown = show(run, env=env)
    settings = shown["settings"]
    assert isinstance(settings, dict)
    assert settings["api_url"] == {
        "value": "http://env.example/api/v1/go",
        "source": "GO_HTTP_API_URL",
    }
    assert settings["send_url"]["value"] == "http://env.example/api/v1/go/http_api_nostream"
    assert settings["auth_token"]["source"].endswith("[default]")
    flagged = show(run, "--api-url", "http://flag.example/x", env=env)["settings"]
    assert isinstance(flagged, dict)
    assert flagged["api_url"] == {"value": "http://flag.example/x", "source": "--api-url"}


def test_profile_is_chosen_by_flag_and_secrets_are_masked(run: Invoke, isolated_env: Path) -> None:
    path = write_config(isolated_env)
    result = run("--config", str(path), "--profile", "staging", "config", "show")
    assert result.exit_code == 0, result.output
    assert "http://staging.example/api/v1/go" in result.stdout
    assert "staging-account" in result.stdout
    assert "staging-secret-token-99" not in result.stdout
    assert "****99" in result.stdout
    json_result = run("--config", str(path), "--profile", "staging", "config", "show", "--json")
    assert "staging-secret-token-99" not in json_result.stdout


def test_default_config_file_lives_in_the_user_config_dir(run: Invoke, isolated_env: Path) -> None:
    config_dir = isolated_env / "xdg" / "go-http"
    config_dir.mkdir(parents=True)
    (config_dir / "config.ini").write_text(CONFIG, encoding="utf-8")
    shown = show(run, env={"GO_HTTP_PROFILE": "staging"})
    assert shown["profile"] == "staging"
    assert shown["config_file"] == str(config_dir / "config.ini")


def test_missing_profile_is_a_usage_error(run: Invoke, isolated_env: Path) -> None:
    path = write_config(isolated_env)
    result = run("--config", str(path), "--profile", "prod", "config", "show")
    assert result.exit_code == 2
    assert "profile [prod] not found" in result.stderr
    assert "staging" in result.stderr
    assert result.stdout == ""


def test_unknown_key_in_config_is_named(run: Invoke, isolated_env: Path) -> None:
    path = isolated_env / "bad.ini"
    path.write_text("[default]\nauth_tokn = x\n", encoding="utf-8")
    result = run("--config", str(path), "config", "show")
    assert result.exit_code == 2
    assert "auth_tokn" in result.stderr


def test_missing_token_says_how_to_set_it(run: Invoke) -> None:
    result = run("contacts", "list")
    assert result.exit_code == 2
    assert "--auth-token" in result.stderr
    assert "GO_HTTP_AUTH_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_and_password_in_urls_are_masked(run: Invoke) -> None:
    env = {
        "GO_HTTP_API_URL": "http://alice:hunter2-secret@api.example/api/v1/go",
        "GO_HTTP_SEND_URL": "https://bob:pa55word@send.example/send",
    }
    table = run("config", "show", env=env)
    assert table.exit_code == 0, table.output
    as_json = run("config", "show", "--json", env=env)
    for output in (table.stdout, as_json.stdout):
        for secret in ("alice", "hunter2-secret", "bob", "pa55word"):
            assert secret not in output
    settings = json.loads(as_json.stdout)["settings"]
    assert settings["api_url"]["value"] == "http://***@api.example/api/v1/go"
    assert settings["send_url"]["value"] == "https://***@send.example/send"
    derived = run("config", "show", "--json", env={"GO_HTTP_API_URL": env["GO_HTTP_API_URL"]})
    send_url = json.loads(derived.stdout)["settings"]["send_url"]["value"]
    assert send_url == "http://***@api.example/api/v1/go/http_api_nostream"
