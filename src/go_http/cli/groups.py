"""``go-http groups``: list, read, create, update, delete groups and list their members."""

from __future__ import annotations

from itertools import islice

import click

from go_http.cli.contacts import CONTACT_COLUMNS, cursor_option, limit_option, page_size_option
from go_http.cli.exit_codes import resumable_listing
from go_http.cli.state import CliState, output_options, pass_state

GROUP_COLUMNS = ("key", "name", "query", "created_at")


@click.group()
def groups() -> None:
    """Manage contact groups (static, or smart with a query)."""


@groups.command(
    "list",
    epilog="""\b
Example:
  go-http groups list --json
""",
)
@page_size_option
@cursor_option
@output_options
@pass_state
def list_groups(state: CliState, page_size: int, cursor: str | None) -> None:
    """List every group."""
    with state.contacts() as client, resumable_listing():
        state.output.records(
            client.groups(cursor, page_size=page_size),
            GROUP_COLUMNS,
            title="Groups",
            empty="no groups",
        )


@groups.command(
    "get",
    epilog="""\b
Example:
  go-http groups get 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f
""",
)
@click.argument("key")
@output_options
@pass_state
def get_group(state: CliState, key: str) -> None:
    """Show group KEY."""
    with state.contacts() as client:
        state.output.record(client.get_group(key), title=f"Group {key}")


@groups.command(
    "create",
    epilog="""\b
Examples:
  go-http groups create "Volunteers"
  go-http groups create "Zulu speakers" --query extras-language:zu
""",
)
@click.argument("name")
@click.option("--query", help="Smart-group query, e.g. 'extras-language:zu'.")
@output_options
@pass_state
def create_group(state: CliState, name: str, query: str | None) -> None:
    """Create a group called NAME."""
    data: dict[str, str] = {"name": name}
    if query is not None:
        if not query.strip():
            raise click.UsageError("--query is empty: leave it out to create a static group")
        data["query"] = query
    with state.contacts() as client:
        state.output.record(client.create_group(data), title="Created group")


@groups.command(
    "update",
    epilog="""\b
Examples:
  go-http groups update 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f --name "Volunteers 2026"
  go-http groups update 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f --query extras-language:zu
  go-http groups update 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f --static
""",
)
@click.argument("key")
@click.option("--name", help="New name.")
@click.option("--query", help="New smart-group query (makes a static group smart).")
@click.option(
    "--static",
    is_flag=True,
    help="Drop the smart-group query: the group keeps only the contacts added to it.",
)
@output_options
@pass_state
def update_group(
    state: CliState, key: str, name: str | None, query: str | None, static: bool
) -> None:
    """Change the name of group KEY, or make it smart (--query) or static (--static)."""
    if static and query is not None:
        raise click.UsageError("give --query (smart group) or --static, not both")
    if query is not None and not query.strip():
        raise click.UsageError("--query is empty: use --static to make the group static")
    data: dict[str, str | None] = {}
    if name:
        data["name"] = name
    if query is not None:
        data["query"] = query
    elif static:
        data["query"] = None  # the wire protocol's way back to a static group
    if not data:
        raise click.UsageError("nothing to update: give --name, --query or --static")
    with state.contacts() as client:
        state.output.record(client.update_group(key, data), title="Updated group")


@groups.command(
    "delete",
    epilog="""\b
Example:
  go-http groups delete 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f
""",
)
@click.argument("key")
@output_options
@pass_state
def delete_group(state: CliState, key: str) -> None:
    """Delete group KEY (its contacts stay)."""
    with state.contacts() as client:
        state.output.record(client.delete_group(key), title="Deleted group")


@groups.command(
    "contacts",
    epilog="""\b
Example:
  go-http groups contacts 3d0c5a8e2f1b4c6d9e7f8a9b0c1d2e3f --json
""",
)
@click.argument("key")
@page_size_option
@limit_option
@cursor_option
@output_options
@pass_state
def group_contacts(
    state: CliState, key: str, page_size: int, limit: int | None, cursor: str | None
) -> None:
    """List the contacts of group KEY (static members and smart-query matches)."""
    with state.contacts() as client, resumable_listing():
        rows = client.group_contacts(key, cursor, page_size=page_size)
        state.output.records(
            islice(rows, limit), CONTACT_COLUMNS, title=f"Group {key}", empty="no contacts"
        )
