"""``go-http send-bulk``: templates, opt-out skips, summaries, and resuming after Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from go_http.testing import Sandbox, SandboxAccount
from tests.cli.conftest import Invoke, sandbox_env


def write_people(path: Path, count: int, start: int = 0) -> Path:
    lines = ["msisdn,name"] + [f"+2782666{i:04d},Person {i}" for i in range(start, start + count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_template_per_recipient_and_opted_out_skipped(
    go: Invoke, go_sandbox: SandboxAccount, tmp_path: Path
) -> None:
    people = write_people(tmp_path / "people.csv", 4)
    go("optouts", "set", "+27826660002")
    result = go("send-bulk", str(people), "--template", "Hi {name}!", "--concurrency", "2")
    assert result.exit_code == 0, result.output
    assert "Done: 3 sent, 1 skipped, 0 failed" in result.stdout
    assert "+27826660002" in result.stdout  # listed as not sent
    sent = {m["to_addr"]: m["content"] for m in go_sandbox.outbound_messages()}
    assert sent == {
        "+27826660000": "Hi Person 0!",
        "+27826660001": "Hi Person 1!",
        "+27826660003": "Hi Person 3!",
    }


def test_plain_list_from_stdin_with_json_summary(go: Invoke, go_sandbox: SandboxAccount) -> None:
    result = go("send-bulk", "-", "--message", "Meeting at {10}", "--json", input="+111\n+222\n")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["sent"], summary["skipped"], summary["not_sent"]) == (2, 0, [])
    assert {m["content"] for m in go_sandbox.outbound_messages()} == {"Meeting at {10}"}


def test_template_with_unknown_column_sends_nothing(
    go: Invoke, go_sandbox: SandboxAccount, tmp_path: Path
) -> None:
    people = write_people(tmp_path / "people.csv", 2)
    result = go("send-bulk", str(people), "--template", "Hi {first_name}")
    assert result.exit_code == 2
    assert "first_name" in result.stderr
    assert go_sandbox.outbound_messages() == []


def test_message_or_template_is_required(go: Invoke, tmp_path: Path) -> None:
    people = write_people(tmp_path / "people.csv", 1)
    assert go("send-bulk", str(people)).exit_code == 2


def test_invalid_rows_fail_and_exit_6(go: Invoke, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("msisdn,name\n+2782777,A\n,B\n", encoding="utf-8")
    result = go("send-bulk", str(people), "--template", "Hi {name}", "--json")
    assert result.exit_code == 6
    summary = json.loads(result.stdout)
    assert (summary["sent"], summary["failed"]) == (1, 1)
    assert "1 failed" in result.stderr


def test_interrupted_run_resumes_from_its_journal(tmp_path: Path) -> None:
    people = write_people(tmp_path / "people.csv", 30)
    journal = tmp_path / "run.journal"
    # Each send is held 50 ms so that Ctrl-C lands mid-run.
    with Sandbox(request_delay=0.05) as sandbox:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GO_HTTP_")},
            **sandbox_env(sandbox),
        }
        command = [
            sys.executable, "-c", "from go_http.cli import main; main()",
            "send-bulk", str(people), "--template", "Hi {name}",
            "--journal", str(journal), "--concurrency", "2",
        ]  # fmt: skip
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while len(sandbox.outbound_messages()) < 5:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run made no progress"
            time.sleep(0.02)
        first.send_signal(signal.SIGINT)
        _, first_err = first.communicate(timeout=30)
        assert first.returncode == 130, first_err
        assert f"--journal {journal}" in first_err
        after_first = len(sandbox.outbound_messages())
        assert 5 <= after_first < 30

        second = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert second.returncode == 0, second.stderr
        assert f"{after_first} already done" in second.stdout
        received = Counter(m["to_addr"] for m in sandbox.outbound_messages())
        assert received == Counter(f"+2782666{i:04d}" for i in range(30))


@pytest.mark.parametrize("bad", ["{0}", "{name"])
def test_malformed_template_is_a_usage_error(go: Invoke, tmp_path: Path, bad: str) -> None:
    people = write_people(tmp_path / "people.csv", 1)
    result = go("send-bulk", str(people), "--template", bad)
    assert result.exit_code == 2
    assert "invalid template" in result.stderr


def test_excel_csv_with_a_byte_order_mark(
    go: Invoke, go_sandbox: SandboxAccount, tmp_path: Path
) -> None:
    people = tmp_path / "excel.csv"
    people.write_bytes("msisdn,name\r\n+27826669001,Zodwa\r\n".encode("utf-8-sig"))
    result = go("send-bulk", str(people), "--template", "Hi {name}")
    assert result.exit_code == 0, result.output
    piped = go(
        "send-bulk", "-", "--template", "Yo {name}", input="\ufeffmsisdn,name\n+27826669002,L\n"
    )
    assert piped.exit_code == 0, piped.output
    sent = {m["to_addr"]: m["content"] for m in go_sandbox.outbound_messages()}
    assert sent == {"+27826669001": "Hi Zodwa", "+27826669002": "Yo L"}


def test_missing_address_column_is_named(go: Invoke, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("phone,name\n+27826669003,A\n", encoding="utf-8")
    result = go("send-bulk", str(people), "--message", "Hi")
    assert result.exit_code == 2
    assert "the recipients file has no address column (columns: phone, name)" in result.stderr


def test_long_not_sent_table_is_capped_and_json_lists_all(
    go: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import go_http.bulk

    kept: list[object] = []
    real_send_bulk = go_http.bulk.send_bulk

    def spy(*args: Any, **kwargs: Any) -> Any:
        report = real_send_bulk(*args, **kwargs)
        kept.append(report.outcomes)
        return report

    monkeypatch.setattr(go_http.bulk, "send_bulk", spy)
    people = tmp_path / "people.csv"
    rows = [f",Nobody {i}" for i in range(25)]  # no address: each one fails
    people.write_text("\n".join(["msisdn,name", "+27826669101,Ann", *rows]) + "\n")

    journal = tmp_path / "run.journal"
    table = go("send-bulk", str(people), "--template", "Hi {name}", "--journal", str(journal))
    assert table.exit_code == 6
    assert table.stdout.count("failed") >= 20
    assert f"... and 5 more not sent (--json lists them all; the journal {journal}" in " ".join(
        table.stdout.split()
    )
    assert "Done: 1 sent, 0 skipped, 25 failed" in table.stdout

    as_json = go("send-bulk", str(people), "--template", "Hi {name}", "--json")
    summary = json.loads(as_json.stdout)
    assert len(summary["not_sent"]) == 25
    assert {row["status"] for row in summary["not_sent"]} == {"failed"}
    # The engine kept no outcomes (memory stays flat): the CLI collected only the problems.
    assert kept == [None, None]
