"""Bootstrap a virtual environment from this checkout and run a project task.

Usage: ``python3 dev.py demo`` (tour against an embedded sandbox) or
``python3 dev.py test`` (format check, lint, type check and the whole test suite).
Only python3 is needed: the first run creates ``.venv`` and installs the project into it.

``python3 dev.py test-other-pythons`` runs the test suite again on the oldest and the
newest Python the project supports, where this machine has them (``python3.10`` on the
PATH, or a pyenv install), each in its own ``.venv-3.X``; CI runs it after ``test``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*argv: str | Path) -> None:
    print("+", " ".join(str(a) for a in argv), flush=True)
    subprocess.run([str(a) for a in argv], cwd=ROOT, check=True)  # noqa: S603 - our own tools


#: Besides the python3 running this script: the oldest and newest supported Pythons.
OTHER_PYTHONS = ("3.10", "3.13")


def ensure_venv(venv: Path = VENV, python: str = sys.executable) -> Path:
    """Create the venv and (re)install the project whenever pyproject.toml changed.

    :returns: the venv's directory of executables.
    """
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    stamp = venv / ".installed-from"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (bin_dir / "python").exists():
        _run(python, "-m", "venv", venv)
    if stamp.exists() and stamp.read_text() == wanted:
        return bin_dir
    _run(bin_dir / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    _run(bin_dir / "python", "-m", "pip", "install", "-q", "-e", ".[dev]")
    stamp.write_text(wanted)
    return bin_dir


def pythons_of(version: str) -> Iterator[str]:
    """Working interpreters of ``version`` (e.g. ``3.10``) on this machine: the one on
    the PATH first, then pyenv's."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p) for p in sorted(pyenv.glob(f"{version}.*/bin/python{version}"))]
    for candidate in dict.fromkeys(filter(None, candidates)):
        probe = subprocess.run(  # noqa: S603 - an interpreter we looked up ourselves
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            yield candidate


def task_test(extra: list[str]) -> None:
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "mypy")
    _run(BIN / "python", "-m", "pytest", *extra)


def task_test_other_pythons(extra: list[str]) -> None:
    for version in OTHER_PYTHONS:
        bin_dir = None
        for python in pythons_of(version):
            venv = ROOT / f".venv-{version}"
            try:
                bin_dir = ensure_venv(venv, python)
                break
            except subprocess.CalledProcessError:
                # An interpreter that cannot make a venv or install (no venv module, no
                # network) says nothing about the project: try the next one, and start
                # afresh next time rather than reuse a half-made venv.
                shutil.rmtree(venv, ignore_errors=True)
                print(f"- could not set up a venv with {python}", flush=True)
        if bin_dir is None:
            print(f"- no usable Python {version} on this machine: not tested on it", flush=True)
            continue
        _run(bin_dir / "python", "-m", "pytest", *extra)


def task_demo(extra: list[str]) -> None:
    _run(BIN / "go-http", "demo", *extra)


TASKS = {"test": task_test, "test-other-pythons": task_test_other_pythons, "demo": task_demo}


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
