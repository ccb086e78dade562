"""A bulk send in its own process, for the kill-and-resume tests.

Usage: ``python bulk_worker.py '<json job>'``; the job has ``send_url``, ``account_key``,
``conversation_key``, ``conversation_token``, ``journal``, ``count`` and ``concurrency``.
It prints one ``outcome <status>`` line per outcome (flushed), then ``done`` and the
report's counts as JSON, or ``interrupted`` after Ctrl-C.
"""

from __future__ import annotations

import json
import sys

from go_http import HttpApiSender
from go_http.bulk import MessageOutcome, send_bulk


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
    messages = ({"to_addr": recipient(i), "content": f"hello {i}"} for i in range(job["count"]))

    def progress(outcome: MessageOutcome) -> None:
        print("outcome", outcome.status, flush=True)

    try:
        report = send_bulk(
            sender,
            messages,
            concurrency=job["concurrency"],
            journal=job["journal"],
            progress=progress,
            keep_outcomes=False,
        )
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    counts = {
        name: getattr(report, name)
        for name in ("sent", "skipped", "failed", "unknown", "already_done")
    }
    print("done", json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
