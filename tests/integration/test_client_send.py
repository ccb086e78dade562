"""HttpApiSender against the sandbox: sends, replies, opt-outs and metrics."""

from __future__ import annotations

import pytest

from go_http.exceptions import AuthenticationError, BadRequestError, UserOptedOutException
from go_http.send import HttpApiSender
from tests.integration.conftest import Clients


def test_send_text_is_stored_and_returned(go: Clients) -> None:
    message = go.sender.send_text("+27821234567", "Your code is 1234")
    assert message["to_addr"] == "+27821234567"
    assert message["content"] == "Your code is 1234"
    assert len(message["message_id"]) == 32
    outbound = go.account.outbound_messages()
    assert [m["message_id"] for m in outbound] == [message["message_id"]]


def test_send_voice_and_session_event(go: Clients) -> None:
    message = go.sender.send_voice(
        "+27821234567", "Press 1", speech_url="http://e.org/a.ogg", session_event="new"
    )
    assert message["content"] == "Press 1"
    assert message["session_event"] is None  # dropped in send mode, as on the real server


def test_opt_out_blocks_send_and_lifting_it_unblocks(go: Clients) -> None:
    go.optouts.set_optout("msisdn", "+27820000001")
    with pytest.raises(UserOptedOutException) as info:
        go.sender.send_text("+27820000001", "Hello")
    assert info.value.to_addr == "+27820000001"
    assert info.value.message == "Hello"
    assert info.value.reason == "Recipient with msisdn +27820000001 has opted out"
    assert go.account.outbound_messages() == []

    go.optouts.delete_optout("msisdn", "+27820000001")
    assert go.sender.send_text("+27820000001", "Hello")["to_addr"] == "+27820000001"


def test_reply_to_inbound_reaches_opted_out_user(go: Clients) -> None:
    inbound = go.account.inject_inbound("+27761234567", "hi")
    go.optouts.set_optout("msisdn", "+27761234567")
    reply = go.sender.reply(inbound["message_id"], "Thanks!", session_event="close")
    assert reply["in_reply_to"] == inbound["message_id"]
    assert reply["to_addr"] == "+27761234567"
    assert reply["session_event"] == "close"


def test_reply_to_unknown_message_is_a_bad_request(go: Clients) -> None:
    with pytest.raises(BadRequestError) as info:
        go.sender.reply("0" * 32, "Thanks")
    assert info.value.reason == "Invalid in_reply_to value"


def test_wrong_conversation_token_is_rejected(go: Clients) -> None:
    sender = HttpApiSender(
        go.account.account_key, go.account.conversation_key, "wrong", api_url=go.account.send_url
    )
    with pytest.raises(AuthenticationError):
        sender.send_text("+27", "Hi")


def test_fire_metric_is_readable_through_metrics_api(go: Clients) -> None:
    result = go.sender.fire_metric("pings", 7, agg="max")
    assert result == {"success": True, "reason": "Metrics published"}
    series = go.metrics.get_metric("stores.default.pings.max", "-1h", "1h", "omit")
    values = [point["y"] for point in series["stores.default.pings.max"]]
    assert values == [7.0]
