"""``go-http groups`` and ``go-http optouts``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke, json_lines


def test_group_lifecycle_and_members(go: Invoke) -> None:
    created = go("groups", "create", "Volunteers", "--json")
    assert created.exit_code == 0, created.output
    group = json.loads(created.stdout)
    key = group["key"]
    member = go("contacts", "create", "--msisdn", "+27821110001", "--group", key, "--json")
    assert member.exit_code == 0
    go("contacts", "create", "--msisdn", "+27821110002")

    listed = json_lines(go("groups", "list", "--json").stdout)
    assert [g["name"] for g in listed] == ["Volunteers"]
    members = json_lines(go("groups", "contacts", key, "--json").stdout)
    assert [m["msisdn"] for m in members] == ["+27821110001"]

    renamed = go("groups", "update", key, "--name", "Helpers", "--json")
    assert json.loads(renamed.stdout)["name"] == "Helpers"
    shown = go("groups", "get", key)
    assert "Helpers" in shown.stdout

    assert go("groups", "delete", key).exit_code == 0
    assert go("groups", "get", key).exit_code == 4


def test_smart_group_lists_matching_contacts(go: Invoke) -> None:
    go("contacts", "create", "--msisdn", "+27821110011", "--extra", "language=zu")
    go("contacts", "create", "--msisdn", "+27821110012", "--extra", "language=en")
    group = json.loads(
        go("groups", "create", "Zulu", "--query", "extras-language:zu", "--json").stdout
    )
    members = json_lines(go("groups", "contacts", group["key"], "--json").stdout)
    assert [m["msisdn"] for m in members] == ["+27821110011"]


def test_group_update_needs_a_change(go: Invoke) -> None:
    result = go("groups", "update", "abc")
    assert result.exit_code == 2
    assert "give --name, --query or --static" in result.stderr


def test_smart_group_turns_static_and_back(go: Invoke) -> None:
    go("contacts", "create", "--msisdn", "+27821110021", "--extra", "language=zu")
    created = go("groups", "create", "Zulu", "--query", "extras-language:zu", "--json")
    key = json.loads(created.stdout)["key"]
    assert len(json_lines(go("groups", "contacts", key, "--json").stdout)) == 1

    static = go("groups", "update", key, "--static", "--json")
    assert static.exit_code == 0, static.output
    assert json.loads(static.stdout)["query"] is None
    assert json.loads(go("groups", "get", key, "--json").stdout)["query"] is None
    assert json_lines(go("groups", "contacts", key, "--json").stdout) == []

    smart = go("groups", "update", key, "--query", "extras-language:zu", "--json")
    assert json.loads(smart.stdout)["query"] == "extras-language:zu"
    assert len(json_lines(go("groups", "contacts", key, "--json").stdout)) == 1


def test_empty_query_is_refused_with_the_way_to_a_static_group(go: Invoke) -> None:
    key = json.loads(go("groups", "create", "Smart", "--query", "name:a", "--json").stdout)["key"]
    emptied = go("groups", "update", key, "--query", "")
    assert emptied.exit_code == 2
    assert "use --static" in emptied.stderr
    both = go("groups", "update", key, "--query", "name:b", "--static")
    assert both.exit_code == 2
    assert json.loads(go("groups", "get", key, "--json").stdout)["query"] == "name:a"
    assert go("groups", "create", "Empty", "--query", " ").exit_code == 2


def test_optout_set_get_count_delete(go: Invoke) -> None:
    assert go("optouts", "set", "+27822220001").exit_code == 0
    got = go("optouts", "get", "+27822220001", "--json")
    assert got.exit_code == 0
    assert json.loads(got.stdout)["address"] == "+27822220001"
    assert json.loads(go("optouts", "count", "--json").stdout) == {"opt_out_count": 1}
    again = go("optouts", "set", "+27822220001")
    assert again.exit_code == 7
    assert go("optouts", "delete", "+27822220001").exit_code == 0
    assert go("optouts", "get", "+27822220001").exit_code == 4
    assert go("optouts", "delete", "+27822220001").exit_code == 4
    assert go("optouts", "count").stdout.strip() == "0 opt-outs"


def test_optout_import_counts_new_and_existing(go: Invoke, tmp_path: Path) -> None:
    go("optouts", "set", "+27822220011")
    listing = tmp_path / "optouts.txt"
    listing.write_text("# unsubscribed\n+27822220011\n\n+27822220012\n+27822220013\n")
    result = go("optouts", "import", str(listing), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "opted_out": 2,
        "already_opted_out": 1,
        "failed": 0,
        "errors": [],
    }
    assert json.loads(go("optouts", "count", "--json").stdout) == {"opt_out_count": 3}


def test_optout_import_reports_bad_addresses(go: Invoke, tmp_path: Path) -> None:
    listing = tmp_path / "optouts.txt"
    listing.write_text("+27822220021\nbad/address\n")
    result = go("optouts", "import", str(listing))
    assert result.exit_code == 6
    assert "bad/address" in result.stdout
    assert "Opted out 1" in result.stdout


def test_optout_import_missing_file_is_a_usage_error(go: Invoke, tmp_path: Path) -> None:
    result = go("optouts", "import", str(tmp_path / "missing.txt"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_optout_import_reads_a_file_with_a_byte_order_mark(go: Invoke, tmp_path: Path) -> None:
    listing = tmp_path / "optouts.txt"
    listing.write_bytes("+27822220031\r\n+27822220032\r\n".encode("utf-8-sig"))
    result = go("optouts", "import", str(listing), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["opted_out"] == 2
    assert go("optouts", "get", "+27822220031").exit_code == 0
