"""Without an optional extra, the user is told which one to install."""

from __future__ import annotations

import subprocess
import sys


def run_without(module: str, code: str) -> subprocess.CompletedProcess[str]:
    # A None entry in sys.modules makes importing that module fail as if not installed.
    script = f"import sys; sys.modules[{module!r}] = None; {code}"
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_command_line_without_cli_extra_says_what_to_install() -> None:
    result = run_without("click", "from go_http._cli_entry import main; main()")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "pip install 'go-http[cli]'" in result.stderr


def test_async_clients_without_async_extra_say_what_to_install() -> None:
    result = run_without("aiohttp", "import go_http.aio")
    assert result.returncode == 1
    assert "go_http.aio needs the 'async' extra (aiohttp): pip install 'go-http[async]'" in (
        result.stderr
    )


def test_sync_clients_need_no_extra() -> None:
    result = run_without(
        "aiohttp",
        "sys.modules['click'] = sys.modules['starlette'] = None; "
        "from go_http import ContactsApiClient, HttpApiSender; import go_http.testing; "
        "print('ok')",
    )
    assert result.stdout.strip() == "ok", result.stderr
