"""The baseline's own venv: go-http 0.3.2 installed from PyPI with pip.

Both versions are imported as ``go_http``, so the baseline lives in a separate venv
(``benchmarks/.venv-baseline``, git-ignored) built from the same base interpreter as the
one running the benchmark, so both sides run on the same Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BASELINE_REQUIREMENT = "go-http==0.3.2"
BASELINE_VERSION = "0.3.2"
VENV_DIR = Path(__file__).resolve().parent / ".venv-baseline"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def installed_version(python: Path) -> str | None:
    """The go_http version that ``python`` imports (``None`` if it imports none)."""
    if not python.exists():
        return None
    done = subprocess.run(
        [str(python), "-c", "import go_http.send, go_http.contacts"],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    if done.returncode != 0:
        return None
    shown = subprocess.run(
        [str(python), "-m", "pip", "show", "go-http"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in shown.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


def base_interpreter() -> str:
    """The interpreter the venv is made from: the one behind the running (venv) python."""
    return getattr(sys, "_base_executable", sys.executable)


def ensure_baseline(venv: Path = VENV_DIR) -> Path:
    """Create the baseline venv and install go-http 0.3.2 unless it is already there.

    :returns: the venv's python.
    :raises RuntimeError: when the venv cannot be made or the install fails.
    """
    python = venv_python(venv)
    if installed_version(python) == BASELINE_VERSION:
        return python
    steps = [
        [base_interpreter(), "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         BASELINE_REQUIREMENT],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"setting up the baseline venv failed at {' '.join(step)}:\n{done.stderr}"
            )
    version = installed_version(python)
    if version != BASELINE_VERSION:
        raise RuntimeError(f"the baseline venv imports go_http {version}, not {BASELINE_VERSION}")
    return python
