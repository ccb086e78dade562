"""The ``go-http`` console script: explains a missing ``cli`` extra instead of a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``go-http`` command line."""
    try:
        from go_http.cli import main as run_cli
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich", "plotext"):
            raise
        sys.exit(
            f"go-http: the command line needs the 'cli' extra ({exc.name} is not installed); "
            "install it with: pip install 'go-http[cli]'"
        )
    run_cli()
