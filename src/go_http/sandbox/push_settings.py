"""A conversation's push settings (spec §1.11): where inbound messages and events go.

They live in the ``http_api_nostream`` block of the conversation's ``config`` JSON, next to
``api_tokens``, under the real server's key names.  Reading them never fails (a missing or
odd value reads as its default); writing them validates every value first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from go_http.sandbox.pusher import repr_masking_urls
from go_http.sandbox.store import CONVERSATION_TYPE, Store

URL_FIELDS = ("push_message_url", "push_event_url")
FLAG_FIELDS = ("ignore_messages", "ignore_events")
FIELDS = URL_FIELDS + FLAG_FIELDS


class InvalidPushSetting(ValueError):
    """A push setting that cannot be stored; the message names the field, never its value
    (a URL may carry a password)."""


@dataclass(frozen=True)
class PushSettings:
    """The push part of a conversation's config.

    :param str push_message_url: where inbound messages are POSTed (``None``: nowhere).
    :param str push_event_url: where events are POSTed (``None``: nowhere).
    :param bool ignore_messages: push no inbound messages, even with a URL.
    :param bool ignore_events: push no events, even with a URL.

    ``repr()`` masks the URLs' ``user:password@``.
    """

    push_message_url: str | None = None
    push_event_url: str | None = None
    ignore_messages: bool = False
    ignore_events: bool = False

    def __repr__(self) -> str:
        return repr_masking_urls(self, *URL_FIELDS)

    @classmethod
    def from_block(cls, block: dict[str, Any]) -> PushSettings:
        """Read the settings of a conversation's ``http_api_nostream`` config block."""

        def url(name: str) -> str | None:
            value = block.get(name)
            return value if isinstance(value, str) and value else None

        return cls(
            push_message_url=url("push_message_url"),
            push_event_url=url("push_event_url"),
            ignore_messages=block.get("ignore_messages") is True,
            ignore_events=block.get("ignore_events") is True,
        )

    def as_dict(self) -> dict[str, Any]:
        """The settings as the sandbox's push route shows them."""
        return asdict(self)

    @property
    def message_url(self) -> str | None:
        """Where an inbound message is pushed, or ``None`` when it is not."""
        return None if self.ignore_messages else self.push_message_url

    @property
    def event_url(self) -> str | None:
        """Where an event is pushed, or ``None`` when it is not."""
        return None if self.ignore_events else self.push_event_url


def check_push_url(field: str, value: Any) -> str | None:
    """An ``http(s)`` URL with a host, or ``None``.

    :param str field: the setting's name, for the error.
    :param value: the value to check.
    :raises InvalidPushSetting: anything else.
    """
    if value is None:
        return None
    problem = f"{field} must be an http:// or https:// URL with a host, or null"
    if not isinstance(value, str) or any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidPushSetting(problem)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidPushSetting(problem) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidPushSetting(problem)
    return value


def validate_changes(payload: Any) -> dict[str, Any]:
    """Check a (partial) update of the push settings.

    :param payload: ``{"push_message_url": …, "push_event_url": …, "ignore_messages": …,
        "ignore_events": …}``, any subset of those keys.
    :returns: the changes to apply.
    :raises InvalidPushSetting: not an object, an unknown key, or a bad value.
    """
    if not isinstance(payload, dict):
        raise InvalidPushSetting("Body must be a JSON object")
    unknown = sorted(str(key) for key in payload if key not in FIELDS)
    if unknown:
        raise InvalidPushSetting(
            f"Unknown push setting {unknown[0][:100]!r}; expected {', '.join(FIELDS)}"
        )
    changes: dict[str, Any] = {}
    for field in URL_FIELDS:
        if field in payload:
            changes[field] = check_push_url(field, payload[field])
    for field in FLAG_FIELDS:
        if field in payload:
            if not isinstance(payload[field], bool):
                raise InvalidPushSetting(f"{field} must be true or false")
            changes[field] = payload[field]
    return changes


def _config(
    conn: sqlite3.Connection, account_key: str, conversation_key: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT config FROM conversations WHERE key = ? AND account_key = ? AND type = ?",
        (conversation_key, account_key, CONVERSATION_TYPE),
    ).fetchone()
    return None if row is None else dict(json.loads(row["config"]))


def read_settings(
    conn: sqlite3.Connection, account_key: str, conversation_key: str
) -> PushSettings | None:
    """The push settings of one of the account's conversations (``None``: no such one).

    :param conn: a connection held through the store.
    :param str account_key: the owner; another account's conversation is not found.
    :param str conversation_key: the ``http_api_nostream`` conversation.
    """
    config = _config(conn, account_key, conversation_key)
    if config is None:
        return None
    return PushSettings.from_block(config.get(CONVERSATION_TYPE, {}))


def update_settings(
    conn: sqlite3.Connection, account_key: str, conversation_key: str, changes: dict[str, Any]
) -> PushSettings | None:
    """Apply validated changes (see :func:`validate_changes`) inside the caller's write
    transaction; returns the settings now in force (``None``: no such conversation).

    A URL set to ``None`` is removed from the config, as when it was never set.
    """
    config = _config(conn, account_key, conversation_key)
    if config is None:
        return None
    block = config.setdefault(CONVERSATION_TYPE, {})
    for field, value in changes.items():
        if value is None:
            block.pop(field, None)
        else:
            block[field] = value
    conn.execute(
        "UPDATE conversations SET config = ? WHERE key = ?", (json.dumps(config), conversation_key)
    )
    return PushSettings.from_block(block)


def load(store: Store, account_key: str, conversation_key: str) -> PushSettings | None:
    """The push settings of one of the account's conversations (``None``: no such one).

    :param Store store: the database.
    :param str account_key: the owner; another account's conversation is not found.
    :param str conversation_key: the conversation.
    """
    with store.read() as conn:
        return read_settings(conn, account_key, conversation_key)


def change(
    store: Store, account_key: str, conversation_key: str, payload: Any
) -> PushSettings | None:
    """Validate and apply a (partial) update in one transaction; returns the settings now
    in force (``None``: no such conversation, nothing changed).

    :param Store store: the database.
    :param str account_key: the owner; another account's conversation is not found.
    :param str conversation_key: the conversation.
    :param payload: the update, as for :func:`validate_changes`.
    :raises InvalidPushSetting: the update is invalid (nothing is changed).
    """
    changes = validate_changes(payload)
    with store.write() as conn:
        return update_settings(conn, account_key, conversation_key, changes)
