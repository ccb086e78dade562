"""Tunable limits of the sandbox server."""

from __future__ import annotations

from dataclasses import dataclass

from go_http.sandbox.pusher import MAX_WAITING


@dataclass(frozen=True)
class SandboxConfig:
    """Limits and knobs of one sandbox server.

    :param int max_body_bytes: largest request body accepted (larger ⇒ 413).
    :param int max_contacts_per_page: server maximum page size for contacts.
    :param int max_groups_per_page: server maximum page size for groups.
    :param int concurrency_limit: simultaneous conversation-API requests per account
        (negative = unlimited), spec §1.3.
    :param float request_delay: artificial seconds each conversation-API request is held,
        so that concurrency limits can be reached deterministically in tests.
    :param int metrics_max_response_size: data-point guard of ``GET /metrics/`` (§6.2).
    :param int stream_batch: rows fetched per database round trip while streaming.
    :param float push_timeout: seconds a push to ``push_message_url``/``push_event_url``
        may take to connect and be answered, in all (spec §1.9: 5).
    :param int push_workers: push URLs served at the same time.
    :param int push_max_waiting: pushes that may wait for one URL behind the one under
        way; more fail at once.
    """

    max_body_bytes: int = 1024 * 1024
    max_contacts_per_page: int = 1000
    max_groups_per_page: int = 1000
    concurrency_limit: int = 10
    request_delay: float = 0.0
    metrics_max_response_size: int = 10000
    stream_batch: int = 200
    push_timeout: float = 5.0
    push_workers: int = 8
    push_max_waiting: int = MAX_WAITING
