"""Bootstrap a virtual environment from this checkout and run a project task.

Usage: ``python3 dev.py demo`` (tour against an embedded sandbox) or
``python3 dev.py test`` (format check, lint, type check and the whole test suite).
Only python3 is needed: the first run creates ``.venv`` and installs the project into it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def _run(*argv: str | Path) -> None:
    print("+", " ".join(str(a) for a in argv), flush=True)
    subprocess.run([str(a) for a in argv], cwd=ROOT, check=True)  # noqa: S603 - our own tools


def ensure_venv() -> None:
    """Create the venv and (re)install the project whenever pyproject.toml changed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (BIN / "python").exists():
        _run(sys.executable, "-m", "venv", VENV)
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    _run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "-q", "-e", ".[dev]")
    STAMP.write_text(wanted)


def task_test(extra: list[str]) -> None:
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "mypy")
    _run(BIN / "python", "-m", "pytest", *extra)


def task_demo(extra: list[str]) -> None:
    _run(BIN / "go-http", "demo", *extra)


TASKS = {"test": task_test, "demo": task_demo}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        return 2
    ensure_venv()
    try:
        TASKS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
