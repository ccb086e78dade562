"""``go-http send``, ``go-http metrics`` and ``go-http account``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from go_http.testing import SandboxAccount
from tests.cli.conftest import Invoke, json_lines

METRIC = "stores.default.cli_pings.sum"


def test_send_text_reaches_the_sandbox(go: Invoke, go_sandbox: SandboxAccount) -> None:
    result = go("send", "text", "+27823330001", "Your code is 1234", "--json")
    assert result.exit_code == 0, result.output
    message = json.loads(result.stdout)
    (stored,) = go_sandbox.outbound_messages()
    assert stored["message_id"] == message["message_id"]
    assert (stored["to_addr"], stored["content"]) == ("+27823330001", "Your code is 1234")


def test_send_to_opted_out_address_exits_7(go: Invoke, go_sandbox: SandboxAccount) -> None:
    go("optouts", "set", "+27823330002")
    result = go("send", "text", "+27823330002", "hello")
    assert result.exit_code == 7
    assert "+27823330002 has opted out" in result.stderr
    assert go_sandbox.outbound_messages() == []


def test_send_voice_and_reply(go: Invoke, go_sandbox: SandboxAccount) -> None:
    voice = go("send", "voice", "+27823330003", "Press 1", "--wait-for", "#", "--json")
    assert voice.exit_code == 0, voice.output
    inbound = go_sandbox.inject_inbound("+27823330004", "hi there")
    reply = go("send", "reply", inbound["message_id"], "hello back", "--json")
    assert reply.exit_code == 0, reply.output
    assert json.loads(reply.stdout)["in_reply_to"] == inbound["message_id"]
    stored = go_sandbox.outbound_messages()
    assert (stored[0]["to_addr"], stored[0]["content"]) == ("+27823330003", "Press 1")
    assert stored[1]["to_addr"] == "+27823330004"


def test_send_voice_needs_content_or_speech_url(go: Invoke) -> None:
    result = go("send", "voice", "+27823330005")
    assert result.exit_code == 2
    assert "--speech-url" in result.stderr


def test_send_without_conversation_settings_names_them(go: Invoke) -> None:
    result = go("send", "text", "+27823330006", "hi", GO_HTTP_CONVERSATION_TOKEN="")
    assert result.exit_code == 2
    assert "GO_HTTP_CONVERSATION_TOKEN" in result.stderr


def test_metrics_fire_and_get_as_json_csv_and_chart(go: Invoke, tmp_path: Path) -> None:
    assert go("metrics", "fire", METRIC, "3").exit_code == 0
    fired = go("metrics", "fire", METRIC, "4", "--json")
    assert json.loads(fired.stdout)[0]["name"] == METRIC

    series = json.loads(
        go("metrics", "get", METRIC, "--from", "-5min", "--interval", "1min", "--json").stdout
    )
    assert sum(point["y"] for point in series[METRIC]) == 7

    out = tmp_path / "points.csv"
    written = go(
        "metrics", "get", METRIC, "--from", "-5min", "--interval", "1min", "--csv", str(out)
    )
    assert written.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert sum(float(row["y"]) for row in rows) == 7
    assert {row["metric"] for row in rows} == {METRIC}

    chart = written.stdout
    assert f"{METRIC} (per 1min, UTC)" in chart
    assert "total 7" in chart


def test_metrics_name_without_aggregator_is_a_usage_error(go: Invoke) -> None:
    result = go("metrics", "fire", "stores.default.pings", "1")
    assert result.exit_code == 2
    assert ".sum" in result.stderr
    bad_value = go("metrics", "fire", METRIC, "lots")
    assert bad_value.exit_code == 2


def test_account_listings(go: Invoke, go_sandbox: SandboxAccount) -> None:
    campaigns = json_lines(go("account", "campaigns", "--json").stdout)
    assert [c["key"] for c in campaigns] == [go_sandbox.account_key]
    conversations = json_lines(go("account", "conversations", "--json").stdout)
    assert go_sandbox.conversation_key in [c["uuid"] for c in conversations]
    channels = go("account", "channels")
    assert channels.exit_code == 0
    assert "longcode" in channels.stdout
    assert go("account", "routers").exit_code == 0


def test_routing_table_is_readable_and_round_trips(go: Invoke, tmp_path: Path) -> None:
    shown = go("account", "routing-table")
    assert shown.exit_code == 0
    assert "inbound" in shown.stdout
    assert 'conversation "' in shown.stdout
    tree = go("account", "routing-table", "--tree")
    assert "Routing of campaign" in tree.stdout

    table = json.loads(go("account", "routing-table", "--json").stdout)
    kept = table["routing_entries"][:1]
    path = tmp_path / "table.json"
    path.write_text(json.dumps({**table, "routing_entries": kept}))
    updated = go("account", "routing-table", "--update", str(path), "--json")
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.stdout)["routing_entries"] == kept


def test_routing_table_update_rejects_bad_files(go: Invoke, tmp_path: Path) -> None:
    before = json.loads(go("account", "routing-table", "--json").stdout)
    not_json = tmp_path / "bad.json"
    not_json.write_text("{nope")
    result = go("account", "routing-table", "--update", str(not_json))
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"routing_entries": []}))
    result = go("account", "routing-table", "--update", str(partial))
    assert result.exit_code == 2
    assert "missing channels" in result.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text(
        json.dumps(
            {
                **before,
                "routing_entries": [{"source": {"uuid": "foo::bar"}, "target": {"uuid": "x::y"}}],
            }
        )
    )
    refused = go("account", "routing-table", "--update", str(unknown))
    assert refused.exit_code == 7
    assert "Unknown source endpoint" in refused.stderr
    after = json.loads(go("account", "routing-table", "--json").stdout)
    assert after["routing_entries"] == before["routing_entries"]
