"""The conversation (send) API, async: :class:`AsyncHttpApiSender`."""

from __future__ import annotations

from typing import Any

import aiohttp

from go_http import send
from go_http._client import SenderAuth
from go_http.aio._client import AsyncClient
from go_http.send import Message


class AsyncHttpApiSender(SenderAuth[aiohttp.ClientSession], AsyncClient):
    """Sends messages and fires metrics through a conversation's HTTP API, async.

    See :class:`go_http.HttpApiSender`; the methods are the same, as coroutines.

    :param str account_key: the account key (the Basic-auth user name).
    :param str conversation_key: the conversation to send through.
    :param str conversation_token: the conversation's API token (the password).
    :param str api_url: the base URL (default
        ``https://go.vumi.org/api/v1/go/http_api_nostream``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`; a send is only retried where the
        server provably did not act on it.
    """

    async def send_text(
        self, to_addr: str, content: str | None, session_event: str | None = None
    ) -> Message:
        """Send a text message; returns the message as the server stored it.

        :raises UserOptedOutException: the recipient has opted out; nothing was sent.
        """
        return await self._run(
            send.send_message(self.conversation_key, to_addr, content, session_event)
        )

    async def send_voice(
        self,
        to_addr: str,
        content: str | None,
        speech_url: str | None = None,
        wait_for: str | None = None,
        session_event: str | None = None,
    ) -> Message:
        """Send a voice message.

        :raises UserOptedOutException: the recipient has opted out; nothing was sent.
        """
        return await self._run(
            send.send_voice_message(
                self.conversation_key, to_addr, content, speech_url, wait_for, session_event
            )
        )

    async def reply(
        self, in_reply_to: str, content: str | None, session_event: str | None = None
    ) -> Message:
        """Reply to an inbound message (replies reach opted-out users, by design)."""
        return await self._run(
            send.reply_message(self.conversation_key, in_reply_to, content, session_event)
        )

    async def fire_metric(self, metric: str, value: float, agg: str = "last") -> Any:
        """Fire an account metric, readable as ``stores.<store>.<metric>.<agg>``."""
        return await self._run(send.fire_metric(self.conversation_key, metric, value, agg))
