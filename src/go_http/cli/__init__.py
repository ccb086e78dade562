"""The ``go-http`` command line (needs the ``cli`` extra: click, rich, plotext)."""

from __future__ import annotations

from go_http.cli.root import cli, register

register()


def main() -> None:
    """Entry point of the ``go-http`` console script."""
    cli(prog_name="go-http")


__all__ = ["cli", "main"]
