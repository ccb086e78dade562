"""A loopback HTTP server that records each request and plays back scripted answers.

Used to compare what the sync and async clients put on the wire byte for byte, and to
produce real network failures (a dropped connection, a slow answer).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

#: One body every parser of every operation accepts.
UNIVERSAL_BODY = {
    "data": [{"key": "k1"}],
    "cursor": None,
    "opt_out": {"address": "a"},
    "opt_out_count": 0,
    "result": [],
    "error": None,
    "message_id": "m1",
    "success": True,
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: bytes
    authorization: str | None
    content_type: str | None


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    #: ``drop``: close the connection without answering; ``delay``: answer late.
    drop: bool = False
    delay: float = 0.0


class RecordingServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.answers: deque[Answer] = deque()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    Recorded(
                        self.command,
                        self.path,
                        body,
                        self.headers.get("Authorization"),
                        self.headers.get("Content-Type"),
                    )
                )
                answer = server.answers.popleft() if server.answers else Answer()
                if answer.drop:
                    self.close_connection = True
                    return
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body if answer.body is not None else UNIVERSAL_BODY
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # A client that timed out on a delayed answer has gone; that is the point.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1/go"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.stop()
