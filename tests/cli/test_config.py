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


COMMENTED = """\
# shared settings for the team
[default]
api_url = http://file.example/api/v1/go
# the token rotates monthly
auth_token = old-token-0000000

[staging]
account_key = staging-account
"""


def test_set_changes_one_setting_and_keeps_comments_and_other_profiles(
    run: Invoke, isolated_env: Path
) -> None:
    path = isolated_env / "go-http.ini"
    path.write_text(COMMENTED, encoding="utf-8")
    result = run("--config", str(path), "config", "set", "auth_token", "new-token-1234567")
    assert result.exit_code == 0, result.output
    assert "new-token-1234567" not in result.output  # shown masked
    assert "****67" in result.stdout
    assert path.read_text(encoding="utf-8") == COMMENTED.replace(
        "old-token-0000000", "new-token-1234567"
    )
    staged = run("--config", str(path), "--profile", "staging", "config", "set", "api-url",
                 "http://staging.example/api/v1/go")  # fmt: skip
    assert staged.exit_code == 0, staged.output
    shown = show(run, "--config", str(path), "--profile", "staging")["settings"]
    assert isinstance(shown, dict)
    assert shown["api_url"]["value"] == "http://staging.example/api/v1/go"
    assert shown["account_key"]["value"] == "staging-account"
    assert "# the token rotates monthly" in path.read_text(encoding="utf-8")


def test_set_creates_a_private_file_and_unset_removes_the_setting(
    run: Invoke, isolated_env: Path
) -> None:
    result = run("config", "set", "account_key", "acc-1", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    path = Path(answer["config_file"])
    assert path == isolated_env / "xdg" / "go-http" / "config.ini"
    assert answer["changed"] is True
    assert path.stat().st_mode & 0o777 == 0o600
    assert show(run)["settings"]["account_key"]["value"] == "acc-1"  # type: ignore[index]
    removed = run("config", "unset", "account_key", "--json")
    assert json.loads(removed.stdout)["changed"] is True
    again = run("config", "unset", "account_key", "--json")
    assert json.loads(again.stdout)["changed"] is False
    assert show(run)["settings"]["account_key"]["value"] is None  # type: ignore[index]


def test_a_token_left_out_is_read_from_the_input_not_the_command_line(
    run: Invoke, isolated_env: Path
) -> None:
    result = run("config", "set", "conversation_token", input="piped-secret-987654\n")
    assert result.exit_code == 0, result.output
    assert "piped-secret-987654" not in result.output
    path = isolated_env / "xdg" / "go-http" / "config.ini"
    assert "conversation_token = piped-secret-987654" in path.read_text(encoding="utf-8")


def test_bad_values_are_refused_without_echoing_them_and_change_nothing(
    run: Invoke, isolated_env: Path
) -> None:
    path = isolated_env / "go-http.ini"
    path.write_text(COMMENTED, encoding="utf-8")
    cases = [
        (("auth_token", "secret with-space"), "auth_token must be a non-empty value"),
        (("auth_token",), "auth_token must be a non-empty value"),  # empty input
        (("api_url", "ftp://user:pw-secret@host/x"), "api_url must be an http:// or https://"),
        (("colour", "blue"), "'colour' is not a setting"),
    ]
    for args, message in cases:
        result = run("--config", str(path), "config", "set", *args, input="\n")
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
        assert "secret" not in result.stderr
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_a_broken_config_file_is_not_overwritten(run: Invoke, isolated_env: Path) -> None:
    path = isolated_env / "go-http.ini"
    path.write_text("api_url = no section header\n", encoding="utf-8")
    result = run("--config", str(path), "config", "set", "account_key", "acc")
    assert result.exit_code == 2
    assert f"cannot read config file {path}" in result.stderr
    assert path.read_text(encoding="utf-8") == "api_url = no section header\n"


def test_set_says_when_the_environment_overrides_the_file(run: Invoke, isolated_env: Path) -> None:
    env = {"GO_HTTP_API_URL": "http://env.example/api"}
    result = run("config", "set", "api_url", "http://file.example/api", env=env)
    assert result.exit_code == 0, result.output
    assert "GO_HTTP_API_URL takes precedence over the config file" in result.stderr


def test_unset_never_touches_another_profile_whatever_its_header_looks_like(
    run: Invoke, isolated_env: Path
) -> None:
    text = "[default]\naccount_key = aaa\n\n[staging] ; temporary\nauth_token = staging-token-1\n"
    path = isolated_env / "go-http.ini"
    path.write_text(text, encoding="utf-8")
    result = run("--config", str(path), "config", "unset", "auth_token", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"] is False
    assert path.read_text(encoding="utf-8") == text
    for value in ("k1", "k2"):  # a profile name with a bracket in it, set twice
        odd = run("--config", str(path), "--profile", "a]b", "config", "set", "account_key", value)
        assert odd.exit_code == 0, odd.output
    assert (
        show(run, "--config", str(path), "--profile", "a]b")["settings"]["account_key"][  # type: ignore[index]
            "value"
        ]
        == "k2"
    )


def test_multi_line_values_windows_line_ends_and_symlinks_are_kept(
    run: Invoke, isolated_env: Path
) -> None:
    real = isolated_env / "dotfiles" / "go-http.ini"
    real.parent.mkdir()
    real.write_bytes(b"[default]\r\naccount_key = a\r\n  b\r\n\r\n  c\r\napi_url = http://h/x\r\n")
    link = isolated_env / "config.ini"
    link.symlink_to(real)
    result = run("--config", str(link), "config", "set", "account_key", "z")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert real.read_bytes() == b"[default]\r\naccount_key = z\r\napi_url = http://h/x\r\n"


def test_the_shared_default_section_is_not_a_profile(run: Invoke, isolated_env: Path) -> None:
    path = isolated_env / "go-http.ini"
    path.write_text("[DEFAULT]\nauth_token = shared-token-12\n[default]\n", encoding="utf-8")
    refused = run("--config", str(path), "--profile", "DEFAULT", "config", "set", "api_url",
                  "http://x/api")  # fmt: skip
    assert refused.exit_code == 2
    assert "[DEFAULT] is the config file's shared section, not a profile" in refused.stderr
    unset = run("--config", str(path), "config", "unset", "auth_token")
    assert unset.exit_code == 0, unset.output
    assert "[DEFAULT] of" in unset.stderr
    assert "still sets auth_token for every profile" in " ".join(unset.stderr.split())
