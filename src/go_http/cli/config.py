"""``go-http config``: show the active settings (secrets masked)."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from go_http._operation import redact_url
from go_http.cli.settings import SECRET_NAMES, SETTING_NAMES, mask
from go_http.cli.state import CliState, output_options, pass_state

#: Settings that are URLs, shown without any ``user:password@`` part.
URL_NAMES = frozenset({"api_url", "send_url"})


@click.group()
def config() -> None:
    """Inspect the CLI's settings."""


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
        if name in SECRET_NAMES:
            value = mask(value)
        elif name in URL_NAMES and value:
            value = redact_url(value)  # a user:password@ in the URL is a secret too
        shown[name] = {"value": value, "source": source}
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
