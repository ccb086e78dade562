"""The ``go-http`` command group: global options, error handling, sub-command wiring."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from go_http import __version__
from go_http.cli.exit_codes import CLOSED_PIPE, EXIT_CODE_TABLE, INTERRUPTED, describe
from go_http.cli.settings import SETTING_NAMES, SettingsError, env_name, flag_name
from go_http.cli.state import CliState, output_options

_EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {code:<4} {meaning}" for code, meaning in EXIT_CODE_TABLE
)

_HELP = f"""Command line for the Vumi Go HTTP APIs, and a local sandbox server.

\b
Start here:
  go-http demo                      a tour of every API against a local sandbox
  go-http sandbox --port 8080       run a sandbox to point your own code at
  go-http contacts list --help      every command has --help with an example

Settings come from flags, then GO_HTTP_* environment variables, then a profile of
the config file (INI; --config / GO_HTTP_CONFIG, default shown by 'go-http config
show'). 'go-http config show' prints the active settings with secrets masked;
'go-http config set NAME [VALUE]' stores one (asking for tokens without echo).

{_EXIT_CODES_HELP}
"""


class GoHttpGroup(click.Group):
    """A group that turns failures into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except BrokenPipeError:
            # The reader of stdout went away (| head): nobody is left to tell.  The client
            # wraps socket errors, so a bare one here is stdout's.
            _discard_stdout()
            ctx.exit(CLOSED_PIPE)
        except Exception as exc:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                traceback.print_exception(type(exc), exc, exc.__traceback__)
            failure = describe(exc)
            click.echo(f"Error: {failure.message}", err=True)
            ctx.exit(failure.code)


def _discard_stdout() -> None:
    """Point stdout's file descriptor at the null device, so the interpreter's final flush
    of what is still buffered does not fail again with a message on stderr."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test runner's buffer): nothing will be flushed to it
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


def _setting_options(command: Any) -> Any:
    for name in reversed(SETTING_NAMES):
        command = click.option(
            flag_name(name),
            name,
            metavar="TEXT",
            help=f"[env {env_name(name)}]",
        )(command)
    return command


@click.group(cls=GoHttpGroup, help=_HELP, context_settings={"max_content_width": 100})
@_setting_options
@click.option("--config", metavar="PATH", help="Config file (INI) [env GO_HTTP_CONFIG].")
@click.option("--profile", metavar="NAME", help="Config file profile [env GO_HTTP_PROFILE].")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Extra attempts after a retryable failure.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the server.",
)
@output_options
@click.version_option(__version__, prog_name="go-http")
@click.pass_context
def cli(
    ctx: click.Context,
    /,
    config: str | None,
    profile: str | None,
    retries: int,
    timeout: float,
    **flags: str | None,
) -> None:
    state = ctx.ensure_object(CliState)
    state.flags = dict(flags)
    state.config = config
    state.profile = profile
    state.retries = retries
    state.timeout = timeout


def register() -> None:
    """Attach every command group (imported here so ``--help`` of one stays quick)."""
    from go_http.cli import (
        account,
        bulk_send,
        config,
        contacts,
        demo,
        groups,
        metrics,
        optouts,
        sandbox,
        send,
    )

    for command in (
        demo.demo,
        sandbox.sandbox,
        send.send,
        bulk_send.send_bulk,
        contacts.contacts,
        groups.groups,
        optouts.optouts,
        metrics.metrics,
        account.account,
        config.config,
    ):
        cli.add_command(command)


__all__ = ["SettingsError", "cli", "register"]
