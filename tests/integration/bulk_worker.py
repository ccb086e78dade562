"""A bulk send in its own process, for the kill-and-resume tests.

Usage: ``python bulk_worker.py '<json job>'``; the job has ``send_url``, ``account_key``,
``conversation_key``, ``conversation_token``, ``journal``, ``count`` and ``concurrency``,
and optionally ``python310_ctrl_c`` (run with the Ctrl-C handling used on Python 3.10)
and ``hold`` (after the last message, block until a line arrives on stdin).
It prints one ``outcome <status>`` line per outcome (flushed), ``input used up`` once the
last message is read, then ``done`` and the report's counts as JSON, ``interrupted``
after Ctrl-C, or ``refused <reason>`` when the journal cannot be used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from go_http import HttpApiSender, bulk
from go_http.bulk import JournalError, MessageOutcome, send_bulk


def recipient(index: int) -> str:
    return f"+2772{index:07d}"


def main() -> int:
    job = json.loads(sys.argv[1])
    sender = HttpApiSender(
        job["account_key"],
        job["conversation_key"],
        job["conversation_token"],
        api_url=job["send_url"],
    )
    if job.get("python310_ctrl_c"):
        bulk._RUN_CANCELS_ON_CTRL_C = False

    def messages() -> Iterator[dict[str, Any]]:
        for i in range(job["count"]):
            yield {"to_addr": recipient(i), "content": f"hello {i}"}
        print("input used up", flush=True)
        if job.get("hold"):
            sys.stdin.readline()

    def progress(outcome: MessageOutcome) -> None:
        print("outcome", outcome.status, flush=True)

    try:
        report = send_bulk(
            sender,
            messages(),
            concurrency=job["concurrency"],
            journal=job["journal"],
            progress=progress,
            keep_outcomes=False,
        )
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    except JournalError as exc:
        print("refused", exc, flush=True)
        return 1
    counts = {
        name: getattr(report, name)
        for name in ("sent", "skipped", "failed", "unknown", "already_done")
    }
    print("done", json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
