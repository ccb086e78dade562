"""``go-http account``: campaigns, conversations, channels, routers and routing."""

from __future__ import annotations

import json
from typing import Any

import click

from go_http.account import AccountApiClient, check_routing_table
from go_http.cli.routing import routing_rows, routing_tree
from go_http.cli.state import CliState, output_options, pass_state

campaign_option = click.option(
    "--campaign",
    metavar="KEY",
    help="Campaign (account) key [default: the account key setting, else the first campaign].",
)


def campaign_key(state: CliState, client: AccountApiClient, given: str | None) -> str:
    """The campaign to use: ``--campaign``, the account key setting, or the first one."""
    if given:
        return given
    configured = state.settings.get("account_key")
    if configured:
        return configured
    campaigns = client.campaigns()
    if not campaigns:
        raise click.ClickException("the account has no campaigns")
    return str(campaigns[0]["key"])


def endpoint_names(items: list[dict[str, Any]], member: str = "endpoints") -> list[dict[str, Any]]:
    """Items with their endpoints shown as a name list."""
    return [
        {**item, member: ", ".join(e.get("name", "") for e in item.get(member, []))}
        for item in items
    ]


def show_components(
    state: CliState,
    found: list[dict[str, Any]],
    members: tuple[str, ...],
    columns: tuple[str, ...],
    title: str,
) -> None:
    """List conversations, channels or routers: as the server gave them with ``--json``,
    else a table with each endpoint list in ``members`` shown as names."""
    if state.output.json_mode:
        state.output.records(found, ())
        return
    for member in members:
        found = endpoint_names(found, member)
    state.output.records(found, columns, title=title, empty=f"no {title.lower()}")


@click.group()
def account() -> None:
    """Inspect the account: campaigns, conversations, channels, routers, routing."""


@account.command(
    "campaigns",
    epilog="""\b
Example:
  go-http account campaigns
""",
)
@output_options
@pass_state
def campaigns(state: CliState) -> None:
    """List the campaigns the token can use."""
    with state.account() as client:
        state.output.records(client.campaigns(), ("key", "name"), title="Campaigns")


@account.command(
    "conversations",
    epilog="""\b
Example:
  go-http account conversations --json
""",
)
@campaign_option
@output_options
@pass_state
def conversations(state: CliState, campaign: str | None) -> None:
    """List the active conversations."""
    with state.account() as client:
        found = client.conversations(campaign_key(state, client, campaign))
    show_components(
        state,
        found,
        ("endpoints",),
        ("uuid", "type", "name", "status", "endpoints"),
        "Conversations",
    )


@account.command(
    "channels",
    epilog="""\b
Example:
  go-http account channels
""",
)
@campaign_option
@output_options
@pass_state
def channels(state: CliState, campaign: str | None) -> None:
    """List the channels (tags) the account holds."""
    with state.account() as client:
        found = client.channels(campaign_key(state, client, campaign))
    show_components(
        state, found, ("endpoints",), ("uuid", "name", "description", "endpoints"), "Channels"
    )


@account.command(
    "routers",
    epilog="""\b
Example:
  go-http account routers
""",
)
@campaign_option
@output_options
@pass_state
def routers(state: CliState, campaign: str | None) -> None:
    """List the active routers."""
    with state.account() as client:
        found = client.routers(campaign_key(state, client, campaign))
    show_components(
        state,
        found,
        ("channel_endpoints", "conversation_endpoints"),
        ("uuid", "type", "name", "status", "channel_endpoints", "conversation_endpoints"),
        "Routers",
    )


def read_table(path: str) -> dict[str, Any]:
    """A routing table from a JSON file ('-' for stdin), checked before anything is sent.

    :raises click.BadParameter: not JSON, or not a routing table.
    """
    try:
        with click.open_file(path, encoding="utf-8") as stream:
            table = json.load(stream)
        return check_routing_table(table)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})", param_hint="--update"
        ) from None
    except ValueError as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--update") from None


@account.command(
    "routing-table",
    epilog="""\b
Examples:
  go-http account routing-table
  go-http account routing-table --json > table.json   # edit, then:
  go-http account routing-table --update table.json
""",
)
@campaign_option
@click.option(
    "--update",
    "update_path",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=str),
    help="Replace the routing entries with those of this JSON table, after checking it.",
)
@click.option("--tree", is_flag=True, help="Show the links as a tree instead of a table.")
@output_options
@pass_state
def routing_table(
    state: CliState, campaign: str | None, update_path: str | None, tree: bool
) -> None:
    """Show who routes to whom (channels, routers, conversations), or replace it."""
    new_table = read_table(update_path) if update_path else None
    with state.account() as client:
        key = campaign_key(state, client, campaign)
        if new_table is not None:
            client.update_routing_table(key, new_table)
            state.output.note(
                f"Routing table updated ({len(new_table['routing_entries'])} entries)"
            )
        table = client.routing_table(key)
    if state.output.json_mode:
        state.output.json(table)
    elif tree:
        state.output.console.print(routing_tree(table, f"Routing of campaign {key}"))
    else:
        state.output.records(
            routing_rows(table),
            ("direction", "source", "target"),
            title=f"Routing of campaign {key}",
            empty="no routing entries",
        )
