"""``go-http config``: show the active settings (secrets masked), set or unset one in the
config file."""

from __future__ import annotations

import os
import sys

import click
from rich.markup import escape
from rich.table import Table

from go_http._operation import redact_url
from go_http.cli.config_file import SHARED_SECTION, edit_setting, shared_setting
from go_http.cli.settings import (
    SECRET_NAMES,
    SETTING_NAMES,
    URL_NAMES,
    check_setting,
    config_location,
    env_name,
    flag_name,
    mask,
)
from go_http.cli.state import CliState, output_options, pass_state


@click.group()
def config() -> None:
    """Inspect and change the CLI's settings."""


def shown_value(name: str, value: str | None) -> str | None:
    """A setting's value as it may be shown: tokens masked, URLs without passwords."""
    if name in SECRET_NAMES:
        return mask(value)
    if name in URL_NAMES and value:
        return redact_url(value)  # a user:password@ in the URL is a secret too
    return value


def _setting_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = value.replace("-", "_").lower()
    if name not in SETTING_NAMES:
        raise click.BadParameter(f"{value!r} is not a setting; one of {', '.join(SETTING_NAMES)}")
    return name


setting_argument = click.argument("name", metavar="NAME", callback=_setting_name)


@config.command(
    "show",
    epilog="""\b
Example:
  GO_HTTP_PROFILE=staging go-http config show
""",
)
@output_options
@pass_state
def show(state: CliState) -> None:
    """Print each setting, where it comes from, and the config file used; tokens and any
    user:password in the URLs are masked."""
    settings = state.settings
    shown: dict[str, dict[str, str | None]] = {}
    for name in SETTING_NAMES:
        setting = settings.values[name]
        value = setting.value
        if name == "api_url" and not value:
            value, source = settings.api_url, "default"
        elif name == "send_url" and not value:
            value, source = settings.send_url, "derived from api_url"
        else:
            source = setting.source
        shown[name] = {"value": shown_value(name, value), "source": source}
    if state.output.json_mode:
        state.output.json(
            {
                "config_file": str(settings.config_path),
                "config_file_exists": settings.config_found,
                "profile": settings.profile,
                "settings": shown,
            }
        )
        return
    table = Table(title=escape(f"profile [{settings.profile}]"), title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for name, row in shown.items():
        table.add_row(name, escape(row["value"] or "(not set)"), escape(row["source"] or ""))
    console = state.output.console
    console.print(table)
    found = "" if settings.config_found else " (does not exist)"
    console.print(escape(f"config file: {settings.config_path}{found}"))


@config.command(
    "set",
    epilog="""\b
Examples:
  go-http config set api_url http://127.0.0.1:8080/api/v1/go
  go-http config set auth_token              # asks for it, without echoing it
  go-http --profile staging config set account-key 85c5e4f2
  printf '%s\\n' "$TOKEN" | go-http config set conversation_token
""",
)
@setting_argument
@click.argument("value", required=False)
@output_options
@pass_state
def set_setting(state: CliState, name: str, value: str | None) -> None:
    """Store NAME = VALUE in the profile of the config file (created, readable by you
    only, if missing; comments and other profiles are kept).  Leave VALUE out to be asked
    for it: tokens are then neither echoed nor kept in your shell's history."""
    if value is None:
        value = _read_value(name)
    value = check_setting(name, value.strip())
    _save(state, name, value)


@config.command(
    "unset",
    epilog="""\b
Examples:
  go-http config unset send_url
  go-http --profile staging config unset auth_token
""",
)
@setting_argument
@output_options
@pass_state
def unset_setting(state: CliState, name: str) -> None:
    """Remove NAME from the profile of the config file."""
    _save(state, name, None)


def _read_value(name: str) -> str:
    """The value from a prompt (hidden for tokens), or the first line of piped input."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    answer: str = click.prompt(name, hide_input=name in SECRET_NAMES, err=True)
    return answer


def _save(state: CliState, name: str, value: str | None) -> None:
    path, profile, _ = config_location(state.config, state.profile)
    changed = edit_setting(path, profile, name, value)
    shown = shown_value(name, value)
    state.output.result(
        {
            "config_file": str(path),
            "profile": profile,
            "setting": name,
            "value": shown,
            "changed": changed,
        },
        escape(
            f"{name} = {shown} in [{profile}] of {path}"
            if value is not None
            else f"{name} {'removed from' if changed else 'was not set in'} [{profile}] of {path}"
        ),
    )
    if value is None and shared_setting(path, name):
        state.output.note(
            escape(f"note: [{SHARED_SECTION}] of {path} still sets {name} for every profile")
        )
    overrides = [
        source
        for source, given in (
            (flag_name(name), state.flags.get(name)),
            (env_name(name), os.environ.get(env_name(name))),
        )
        if given
    ]
    if overrides:
        verb = "takes" if len(overrides) == 1 else "take"
        state.output.note(
            escape(f"note: {' and '.join(overrides)} {verb} precedence over the config file")
        )
