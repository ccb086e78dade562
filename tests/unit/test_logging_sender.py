"""LoggingSender: one formatted record per call, and the message data it returns."""

from __future__ import annotations

import logging

import pytest

from go_http.send import LoggingSender


@pytest.fixture
def sender() -> LoggingSender:
    return LoggingSender("go_http.test.logging_sender")


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "go_http.test.logging_sender"]


def test_send_text_logs_one_record_and_returns_data(
    sender: LoggingSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    result = sender.send_text("to-addr-1", "Hello!", session_event="close")
    assert messages(caplog) == ["Message: 'Hello!' sent to 'to-addr-1' [session_event: close]"]
    message_id = result.pop("message_id")
    assert len(message_id) == 32
    assert result == {"to_addr": "to-addr-1", "content": "Hello!", "session_event": "close"}


def test_send_text_without_session_event(
    sender: LoggingSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    result = sender.send_text("to-addr-1", "Hello!")
    assert messages(caplog) == ["Message: 'Hello!' sent to 'to-addr-1'"]
    assert set(result) == {"to_addr", "content", "message_id"}


def test_each_send_gets_a_new_message_id(sender: LoggingSender) -> None:
    first = sender.send_text("a", "x")["message_id"]
    second = sender.send_text("a", "x")["message_id"]
    assert first != second


def test_send_voice_logs_voice_metadata(
    sender: LoggingSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    result = sender.send_voice("to-addr-1", "Hi", speech_url="http://e.org/a.ogg", wait_for="#")
    assert messages(caplog) == [
        "Message: 'Hi' sent to 'to-addr-1' "
        "[voice: {'speech_url': 'http://e.org/a.ogg', 'wait_for': '#'}]"
    ]
    assert result["helper_metadata"] == {
        "voice": {"speech_url": "http://e.org/a.ogg", "wait_for": "#"}
    }


def test_fire_metric_logs_value(sender: LoggingSender, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert sender.fire_metric("metric-1", 5.1, agg="max") == {
        "success": True,
        "reason": "Metrics published",
    }
    assert messages(caplog) == ["Metric: 'metric-1' [max] -> 5.1"]


def test_logs_at_the_configured_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("go_http.test.logging_sender")
    LoggingSender(logger, level=logging.WARNING).send_text("a", "b")
    assert [r.levelno for r in caplog.records if r.name == logger.name] == [logging.WARNING]


def test_rejects_bad_session_event_before_logging(
    sender: LoggingSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(ValueError, match="session_event must be one of new, resume, close"):
        sender.send_text("a", "b", session_event="open")
    assert messages(caplog) == []
