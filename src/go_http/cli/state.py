"""The state of one CLI run: resolved settings, output mode, and the clients built from
them.  Commands get it with :data:`pass_state`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from go_http._retry import RetryPolicy
from go_http.account import AccountApiClient
from go_http.cli.output import Output
from go_http.cli.settings import Settings, resolve_settings
from go_http.contacts import ContactsApiClient
from go_http.metrics import MetricsApiClient
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender

F = TypeVar("F", bound=Callable[..., Any])
BearerClientType = TypeVar(
    "BearerClientType", AccountApiClient, ContactsApiClient, MetricsApiClient, OptOutsApiClient
)


@dataclass
class CliState:
    """Everything a command needs besides its own arguments.

    :ivar dict flags: setting name -> value given on the command line.
    :ivar str config: ``--config``.
    :ivar str profile: ``--profile``.
    :ivar int retries: extra attempts per request.
    :ivar float timeout: seconds to wait for the server.
    :ivar Output output: where results go.
    :ivar bool debug: show tracebacks.
    """

    flags: dict[str, str | None] = field(default_factory=dict)
    config: str | None = None
    profile: str | None = None
    retries: int = 3
    timeout: float = 30.0
    output: Output = field(default_factory=Output)
    debug: bool = False
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The resolved settings (read once, when first needed)."""
        if self._settings is None:
            self._settings = resolve_settings(self.flags, self.config, self.profile)
        return self._settings

    def _client_options(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "retry": RetryPolicy(retries=self.retries)}

    def bearer_client(self, cls: type[BearerClientType]) -> BearerClientType:
        """A client of one of the bearer-token APIs."""
        settings = self.settings
        return cls(settings.require("auth_token"), settings.api_url, **self._client_options())

    def contacts(self) -> ContactsApiClient:
        """The contacts and groups client."""
        return self.bearer_client(ContactsApiClient)

    def optouts(self) -> OptOutsApiClient:
        """The opt-outs client."""
        return self.bearer_client(OptOutsApiClient)

    def metrics(self) -> MetricsApiClient:
        """The metrics client."""
        return self.bearer_client(MetricsApiClient)

    def account(self) -> AccountApiClient:
        """The account JSON-RPC client."""
        return self.bearer_client(AccountApiClient)

    def sender(self) -> HttpApiSender:
        """The conversation (send) client."""
        settings = self.settings
        return HttpApiSender(
            settings.require("account_key"),
            settings.require("conversation_key"),
            settings.require("conversation_token"),
            settings.send_url,
            **self._client_options(),
        )


pass_state = click.make_pass_decorator(CliState, ensure=True)


def _set_json(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(CliState).output.json_mode = True


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(CliState).debug = True


json_option = click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    callback=_set_json,
    help="Write JSON to stdout (JSON Lines for lists) and nothing else.",
)
debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_set_debug,
    help="Show the full traceback of a failure.",
)


def output_options(command: F) -> F:
    """Add ``--json`` and ``--debug`` to a command (they work on the root group too)."""
    return json_option(debug_option(command))
