"""Options shared by ``contacts create`` and ``contacts update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from go_http._protocol import CONTACT_TEXT_FIELDS

F = TypeVar("F", bound=Callable[..., Any])

#: Simple text fields with their own option.
TEXT_FIELDS = CONTACT_TEXT_FIELDS


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    """``("a=1", "b=2")`` -> ``{"a": "1", "b": "2"}``.

    :raises click.BadParameter: an item has no ``=``.
    """
    pairs: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=option)
        pairs[name] = value
    return pairs


def contact_field_options(command: F) -> F:
    """Add one option per contact field, plus ``--extra``, ``--subscription``, ``--group``."""
    for name in reversed(TEXT_FIELDS):
        command = click.option("--" + name.replace("_", "-"), name, metavar="TEXT")(command)
    command = click.option(
        "--extra", multiple=True, metavar="NAME=VALUE", help="An extra field (repeatable)."
    )(command)
    command = click.option(
        "--subscription", multiple=True, metavar="NAME=VALUE", help="A subscription (repeatable)."
    )(command)
    command = click.option(
        "--group", "groups", multiple=True, metavar="KEY", help="Add to this group (repeatable)."
    )(command)
    return command


def contact_data(options: dict[str, Any]) -> dict[str, Any]:
    """The contact fields given by the options (only those given)."""
    data: dict[str, Any] = {
        name: options[name] for name in TEXT_FIELDS if options.get(name) is not None
    }
    if options.get("extra"):
        data["extra"] = parse_pairs(options["extra"], "--extra")
    if options.get("subscription"):
        data["subscription"] = parse_pairs(options["subscription"], "--subscription")
    if options.get("groups"):
        data["groups"] = list(options["groups"])
    return data
