"""Turning an account's routing table into readable rows: names instead of endpoint uuids."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.tree import Tree


def endpoint_labels(table: dict[str, Any]) -> dict[str, str]:
    """Endpoint uuid -> ``kind "name" (endpoint)`` for every endpoint of the table."""
    labels: dict[str, str] = {}
    for channel in table.get("channels", []):
        for endpoint in channel.get("endpoints", []):
            labels[endpoint["uuid"]] = f'channel "{channel.get("name")}" ({endpoint["name"]})'
    for conversation in table.get("conversations", []):
        for endpoint in conversation.get("endpoints", []):
            labels[endpoint["uuid"]] = (
                f'conversation "{conversation.get("name")}" ({endpoint["name"]})'
            )
    for router in table.get("routers", []):
        for side, members in (
            ("channel side", "channel_endpoints"),
            ("conversation side", "conversation_endpoints"),
        ):
            for endpoint in router.get(members, []):
                labels[endpoint["uuid"]] = (
                    f'router "{router.get("name")}" ({side}: {endpoint["name"]})'
                )
    return labels


def routing_rows(table: dict[str, Any]) -> list[dict[str, str]]:
    """One row per routing entry: ``source``, ``target``, ``direction``."""
    labels = endpoint_labels(table)
    outbound_receivers = {
        e["uuid"] for c in table.get("channels", []) for e in c.get("endpoints", [])
    } | {e["uuid"] for r in table.get("routers", []) for e in r.get("conversation_endpoints", [])}
    rows = []
    for entry in table.get("routing_entries", []):
        source, target = entry["source"]["uuid"], entry["target"]["uuid"]
        rows.append(
            {
                "direction": "inbound" if source in outbound_receivers else "outbound",
                "source": labels.get(source, f"unknown endpoint {source}"),
                "target": labels.get(target, f"unknown endpoint {target}"),
            }
        )
    rows.sort(key=lambda row: (row["direction"], row["source"], row["target"]))
    return rows


def routing_tree(table: dict[str, Any], title: str = "Routing") -> Tree:
    """A tree: each source endpoint with the endpoints it sends to."""
    tree = Tree(title)
    branches: dict[tuple[str, str], Tree] = {}
    for row in routing_rows(table):
        key = (row["direction"], row["source"])
        if key not in branches:
            branches[key] = tree.add(
                f"[bold]{escape(row['source'])}[/bold] [dim]{row['direction']} to[/dim]"
            )
        branches[key].add(escape(row["target"]))
    return tree
