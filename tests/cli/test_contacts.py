"""``go-http contacts``: CRUD, paging, export/import, and failures with their exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from go_http.testing import SandboxAccount
from tests.cli.conftest import Invoke, json_lines, sandbox_env


def create(go: Invoke, msisdn: str, *extra: str) -> dict[str, object]:
    result = go("contacts", "create", "--msisdn", msisdn, *extra, "--json")
    assert result.exit_code == 0, result.output
    created: dict[str, object] = json.loads(result.stdout)
    return created


def test_create_get_find_update_delete(go: Invoke) -> None:
    contact = create(go, "+27820000001", "--name", "Thandi", "--extra", "language=zu")
    assert contact["name"] == "Thandi"
    assert contact["extra"] == {"language": "zu"}
    key = str(contact["key"])

    got = go("contacts", "get", key, "--json")
    assert json.loads(got.stdout)["msisdn"] == "+27820000001"

    found = go("contacts", "find", "+27820000001")
    assert found.exit_code == 0
    assert key in found.stdout
    assert "Thandi" in found.stdout

    updated = go("contacts", "update", key, "--surname", "Nkosi", "--json")
    assert json.loads(updated.stdout)["surname"] == "Nkosi"

    deleted = go("contacts", "delete", key)
    assert deleted.exit_code == 0
    gone = go("contacts", "get", key)
    assert gone.exit_code == 4
    assert "not found" in gone.stderr
    assert gone.stdout == ""


def test_list_walks_every_page_as_json_lines(go: Invoke) -> None:
    for index in range(7):
        create(go, f"+2782000010{index}")
    result = go("contacts", "list", "--page-size", "3", "--json")
    assert result.exit_code == 0
    rows = json_lines(result.stdout)
    assert sorted(row["msisdn"] for row in rows) == [f"+2782000010{i}" for i in range(7)]
    limited = go("contacts", "list", "--page-size", "3", "--limit", "4", "--json")
    assert len(json_lines(limited.stdout)) == 4


def test_list_as_table(go: Invoke) -> None:
    create(go, "+27820000200", "--name", "Sipho")
    result = go("contacts", "list")
    assert result.exit_code == 0
    assert "+27820000200" in result.stdout
    assert "Sipho" in result.stdout


def test_create_without_msisdn_is_a_usage_error(go: Invoke) -> None:
    result = go("contacts", "create", "--name", "Nobody")
    assert result.exit_code == 2
    assert "--msisdn" in result.stderr


def test_bad_extra_option_is_named(go: Invoke) -> None:
    result = go("contacts", "create", "--msisdn", "+1", "--extra", "novalue")
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.stderr


def test_find_unknown_address_exits_4(go: Invoke) -> None:
    result = go("contacts", "find", "+27999999999")
    assert result.exit_code == 4


def test_wrong_token_exits_3_without_echoing_it(go: Invoke) -> None:
    result = go("contacts", "list", GO_HTTP_AUTH_TOKEN="wrong-token-123456")
    assert result.exit_code == 3
    assert "authentication failed" in result.stderr
    assert "wrong-token-123456" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_unreachable_server_exits_5(run: Invoke, go_sandbox: SandboxAccount) -> None:
    env = {**sandbox_env(go_sandbox), "GO_HTTP_API_URL": "http://127.0.0.1:9/api/v1/go"}
    result = run("--retries", "0", "contacts", "list", env=env)
    assert result.exit_code == 5
    assert "network failure" in result.stderr
    assert "127.0.0.1:9" in result.stderr


def test_debug_shows_the_traceback(go: Invoke) -> None:
    result = go("contacts", "get", "no-such-key", "--debug")
    assert result.exit_code == 4
    assert "Traceback" in result.stderr


def test_export_import_round_trip(
    go: Invoke, run: Invoke, go_sandbox: SandboxAccount, tmp_path: Path
) -> None:
    create(go, "+27820000301", "--name", "Lerato", "--extra", "language=st")
    create(go, "+27820000302", "--name", "Ayanda", "--subscription", "news=weekly")
    out = tmp_path / "contacts.csv"
    exported = go("contacts", "export", "-o", str(out))
    assert exported.exit_code == 0
    assert "Exported 2 contacts" in exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {row["msisdn"] for row in rows} == {"+27820000301", "+27820000302"}

    # Into a fresh account: both contacts come back with their fields.
    fresh = sandbox_env(go_sandbox.add_account())
    imported = run("contacts", "import", str(out), "--json", env=fresh)
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"created": 2, "updated": 0, "failed": 0, "errors": []}
    copied = {
        c["msisdn"]: c for c in json_lines(run("contacts", "list", "--json", env=fresh).stdout)
    }
    assert copied["+27820000301"]["extra"] == {"language": "st"}
    assert copied["+27820000302"]["subscription"] == {"news": "weekly"}
    assert copied["+27820000302"]["name"] == "Ayanda"

    # Into the same account: every row updates its contact instead of duplicating it.
    again = go("contacts", "import", str(out), "--json")
    assert json.loads(again.stdout) == {"created": 0, "updated": 2, "failed": 0, "errors": []}
    assert len(json_lines(go("contacts", "list", "--json").stdout)) == 2


def test_export_jsonl_to_stdout(go: Invoke) -> None:
    create(go, "+27820000311", "--name", "Kagiso")
    result = go("contacts", "export", "--format", "jsonl")
    assert result.exit_code == 0
    (row,) = json_lines(result.stdout)
    assert row["name"] == "Kagiso"


def test_import_reports_bad_rows_and_exits_6(go: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "msisdn,name,extra.language,groups\n"
        "+27820000401,Tumelo,tn,\n"
        ",NoNumber,,\n"
        '+27820000402,Zanele,zu,"not json"\n'
        "+27820000403,Bongani,,\n",
        encoding="utf-8",
    )
    result = go("contacts", "import", str(source))
    assert result.exit_code == 6
    assert "2 created" in result.stdout
    assert "2 failed" in result.stdout
    assert "msisdn is empty" in result.stdout
    assert "'groups' is not valid JSON" in result.stdout
    assert "2 of 4 rows failed" in result.stderr
    listed = go("contacts", "find", "+27820000401", "--json")
    assert json.loads(listed.stdout)["extra"] == {"language": "tn"}


def test_import_with_unknown_column_imports_nothing(go: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("msisdn,nmae\n+27820000501,Typo\n", encoding="utf-8")
    result = go("contacts", "import", str(source))
    assert result.exit_code == 2
    assert "'nmae'" in result.stderr
    assert json_lines(go("contacts", "list", "--json").stdout) == []


def test_import_without_plus_updates_instead_of_duplicating(go: Invoke, tmp_path: Path) -> None:
    existing = create(go, "+27829999999", "--name", "A")
    source = tmp_path / "in.csv"
    source.write_text("msisdn,name\n27821234567,Thandi\n27829999999,Anele\n", encoding="utf-8")
    first = go("contacts", "import", str(source), "--json")
    assert json.loads(first.stdout)["created"] == 1
    assert json.loads(first.stdout)["updated"] == 1
    second = go("contacts", "import", str(source), "--json")
    assert json.loads(second.stdout) == {"created": 0, "updated": 2, "failed": 0, "errors": []}
    listed = json_lines(go("contacts", "list", "--json").stdout)
    by_msisdn = {c["msisdn"]: c for c in listed}
    assert sorted(by_msisdn) == ["+27821234567", "+27829999999"]
    assert by_msisdn["+27829999999"]["key"] == existing["key"]
    assert by_msisdn["+27829999999"]["name"] == "Anele"


def test_failed_export_leaves_the_existing_file_intact(go: Invoke, tmp_path: Path) -> None:
    create(go, "+27820000321")
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "contacts.csv"
    out.write_text("yesterday's export\n", encoding="utf-8")
    out.chmod(0o640)
    failed = go("contacts", "export", "-o", str(out), GO_HTTP_AUTH_TOKEN="wrong-token-123456")
    assert failed.exit_code == 3
    assert out.read_text(encoding="utf-8") == "yesterday's export\n"
    assert [p.name for p in folder.iterdir()] == ["contacts.csv"]  # no temporary file left

    done = go("contacts", "export", "-o", str(out))
    assert done.exit_code == 0
    assert "+27820000321" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in folder.iterdir()] == ["contacts.csv"]


def test_import_reads_excel_csv_with_a_byte_order_mark(go: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("msisdn,name\r\n+27820000601,Zodwa\r\n".encode("utf-8-sig"))
    from_file = go("contacts", "import", str(source), "--json")
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout)["created"] == 1

    piped = "\ufeffmsisdn,name\n+27820000602,Lindiwe\n"
    from_stdin = go("contacts", "import", "-", "--json", input=piped)
    assert from_stdin.exit_code == 0, from_stdin.output
    assert json.loads(from_stdin.stdout)["created"] == 1
    names = {c["name"] for c in json_lines(go("contacts", "list", "--json").stdout)}
    assert names == {"Zodwa", "Lindiwe"}


def test_closed_stdout_ends_quietly_with_141(go: Invoke, go_sandbox: SandboxAccount) -> None:
    create(go, "+27820000701")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, like '| head -0'
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GO_HTTP_")},
        **sandbox_env(go_sandbox),
    }
    command = [sys.executable, "-c", "from go_http.cli import main; main()"]
    try:
        result = subprocess.run(
            [*command, "contacts", "list", "--json"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")
