"""The conversation (send) API: :class:`HttpApiSender` and :class:`LoggingSender`.

Both senders share every public method; they differ only in how an operation is run:
over HTTP, or written to a logger.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, TypeVar, cast

import requests

from go_http._client import SenderAuth, SyncClient
from go_http._operation import (
    ApiRequest,
    Operation,
    ensure_text,
    one_of,
    parse_json,
    path,
)
from go_http._protocol import (
    AGGREGATORS,
    OPTED_OUT_MARKER,
    SESSION_EVENTS,
    new_key,
)
from go_http.exceptions import ApiError, UserOptedOutException
from go_http.metrics import check_metric_value

T = TypeVar("T")
Message = dict[str, Any]

MESSAGES_ROUTE = "messages.json"
METRICS_ROUTE = "metrics.json"


def _check_content(content: object) -> str | None:
    if content is not None and not isinstance(content, str):
        raise ValueError(f"content must be a string or None, got {content!r}")
    return content


def _check_session_event(session_event: object) -> str | None:
    if session_event is None:
        return None
    return one_of(session_event, SESSION_EVENTS, "session_event")


def _opted_out_mapper(to_addr: str, content: str | None) -> Any:
    def on_error(error: ApiError) -> Message:
        if error.status_code == 400 and OPTED_OUT_MARKER in error.reason.lower():
            raise UserOptedOutException(
                to_addr, content, error.reason, response=error.response
            ) from None
        raise error

    return on_error


def send_message(
    conversation_key: str,
    to_addr: str,
    content: str | None,
    session_event: str | None = None,
    helper_metadata: dict[str, Any] | None = None,
) -> Operation[Message]:
    """A new outbound message; the body holds only what the caller gave."""
    body: dict[str, Any] = {
        "to_addr": ensure_text(to_addr, "to_addr"),
        "content": _check_content(content),
    }
    if session_event is not None:
        body["session_event"] = _check_session_event(session_event)
    if helper_metadata:
        body["helper_metadata"] = helper_metadata
    request = ApiRequest(
        "PUT", path(conversation_key, MESSAGES_ROUTE), body=body, idempotent=False
    )
    return Operation(request, parse_json, _opted_out_mapper(to_addr, content))


def send_voice_message(
    conversation_key: str,
    to_addr: str,
    content: str | None,
    speech_url: str | None,
    wait_for: str | None,
    session_event: str | None,
) -> Operation[Message]:
    """A voice message: the voice options travel in ``helper_metadata["voice"]``."""
    voice = {
        key: value
        for key, value in (("speech_url", speech_url), ("wait_for", wait_for))
        if value is not None
    }
    helper_metadata = {"voice": voice} if voice else None
    return send_message(conversation_key, to_addr, content, session_event, helper_metadata)


def reply_message(
    conversation_key: str, in_reply_to: str, content: str | None, session_event: str | None
) -> Operation[Message]:
    """A reply to an inbound message (replies are not checked against opt-outs)."""
    body: dict[str, Any] = {
        "in_reply_to": ensure_text(in_reply_to, "in_reply_to"),
        "content": _check_content(content),
    }
    if session_event is not None:
        body["session_event"] = _check_session_event(session_event)
    request = ApiRequest(
        "PUT", path(conversation_key, MESSAGES_ROUTE), body=body, idempotent=False
    )
    return Operation(request, parse_json)


def fire_metric(conversation_key: str, metric: str, value: float, agg: str) -> Operation[Any]:
    """Fire one account metric through the conversation API."""
    ensure_text(metric, "metric")
    one_of(agg, AGGREGATORS, "agg")
    check_metric_value(metric, value)
    body = [[metric, value, agg]]
    request = ApiRequest("PUT", path(conversation_key, METRICS_ROUTE), body=body, idempotent=False)
    return Operation(request, parse_json)


class SenderMethods(ABC):
    """The sender API, written once for every kind of sender."""

    conversation_key: str

    @abstractmethod
    def _run(self, operation: Operation[T]) -> T:
        """Carry out an operation."""

    def send_text(
        self, to_addr: str, content: str | None, session_event: str | None = None
    ) -> Message:
        """Send a text message; returns the message as the server stored it.

        :param str to_addr: the recipient's address, e.g. ``+27821234567``.
        :param str content: the text.
        :param str session_event: ``new``, ``resume`` or ``close`` (USSD sessions).
        :raises UserOptedOutException: the recipient has opted out; nothing was sent.
        """
        return self._run(send_message(self.conversation_key, to_addr, content, session_event))

    def send_voice(
        self,
        to_addr: str,
        content: str | None,
        speech_url: str | None = None,
        wait_for: str | None = None,
        session_event: str | None = None,
    ) -> Message:
        """Send a voice message.

        :param str to_addr: the recipient's address.
        :param str content: the text to speak (when there is no ``speech_url``).
        :param str speech_url: a URL of speech to play instead of the text.
        :param str wait_for: the key that ends the recording of the caller's answer.
        :param str session_event: ``new``, ``resume`` or ``close``.
        :raises UserOptedOutException: the recipient has opted out; nothing was sent.
        """
        return self._run(
            send_voice_message(
                self.conversation_key, to_addr, content, speech_url, wait_for, session_event
            )
        )

    def reply(
        self, in_reply_to: str, content: str | None, session_event: str | None = None
    ) -> Message:
        """Reply to an inbound message (replies reach opted-out users, by design).

        :param str in_reply_to: the ``message_id`` of the inbound message.
        :param str content: the text.
        :param str session_event: ``new``, ``resume`` or ``close``.
        """
        return self._run(reply_message(self.conversation_key, in_reply_to, content, session_event))

    def fire_metric(self, metric: str, value: float, agg: str = "last") -> Any:
        """Fire an account metric, readable as ``stores.<store>.<metric>.<agg>``.

        :param str metric: the metric name (without aggregator).
        :param float value: the value.
        :param str agg: ``avg``, ``sum``, ``max``, ``min`` or ``last``.
        """
        return self._run(fire_metric(self.conversation_key, metric, value, agg))


class HttpApiSender(SenderAuth[requests.Session], SyncClient, SenderMethods):
    """Sends messages and fires metrics through a conversation's HTTP API.

    :param str account_key: the account key (the Basic-auth user name).
    :param str conversation_key: the conversation to send through.
    :param str conversation_token: the conversation's API token (the password).
    :param str api_url: the base URL (default
        ``https://go.vumi.org/api/v1/go/http_api_nostream``).
    :param session: a ``requests.Session`` (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`; a send is only retried where the
        server provably did not act on it.
    """


class LoggingSender(SenderMethods):
    """A sender that logs what it would send instead of sending it.

    :param logger: a :class:`logging.Logger` or a logger name.
    :param int level: the level to log at (default ``logging.INFO``).
    """

    conversation_key = "logging-sender"

    def __init__(self, logger: logging.Logger | str, level: int = logging.INFO) -> None:
        self.logger = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
        self.level = level

    def __repr__(self) -> str:
        return f"<LoggingSender logger={self.logger.name!r} level={self.level!r}>"

    def _run(self, operation: Operation[T]) -> T:
        request = operation.request
        if request.path.endswith(METRICS_ROUTE):
            return cast(T, self._log_metrics(request))
        return cast(T, self._log_message(request))

    def _log_message(self, request: ApiRequest) -> Message:
        data: Message = dict(request.body)
        if "in_reply_to" in data:
            text = f"Reply: {data['content']!r} to message {data['in_reply_to']!r}"
        else:
            text = f"Message: {data['content']!r} sent to {data['to_addr']!r}"
        if data.get("session_event"):
            text += f" [session_event: {data['session_event']}]"
        for key, value in sorted(data.get("helper_metadata", {}).items()):
            text += f" [{key}: {value!r}]"
        self.logger.log(self.level, text)
        data["message_id"] = new_key()
        return data

    def _log_metrics(self, request: ApiRequest) -> dict[str, Any]:
        for metric, value, agg in request.body:
            self.logger.log(self.level, f"Metric: {metric!r} [{agg}] -> {float(value):g}")
        return {"success": True, "reason": "Metrics published"}
