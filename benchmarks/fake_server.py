"""A small, fast loopback server speaking just enough of the Vumi Go wire protocol.

It exists so the benchmark measures the clients, not a server: it is a raw asyncio
HTTP/1.1 keep-alive server (stdlib only) whose per-request cost is a few tens of
microseconds.  Every URL starts with ``/bench/{latency_ms}/{contact_count}``, so one
server process serves every scenario:

* ``PUT .../http_api_nostream/{conversation}/messages.json`` answers the message object;
* ``GET .../contacts/?max_results=N&cursor=C`` answers a page of synthetic contacts
  (``max_results`` clamped to 1000, default 100 like the old server's effective page;
  the cursor is the offset of the page);
* ``GET /stats`` answers the server's own CPU seconds and request count.

The latency is a timer per request (``loop.call_later``), so a slow answer never holds up
another connection.  Run: ``python fake_server.py [--port P]``; it prints the port.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import parse_qsl

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_CONTACTS = 100_000
PREFIX = b"/bench/"
JSON_HEADERS = b"Content-Type: application/json; charset=utf-8\r\nContent-Length: "
STATUS_LINES = {
    200: b"HTTP/1.1 200 OK\r\n",
    400: b"HTTP/1.1 400 Bad Request\r\n",
    401: b"HTTP/1.1 401 Unauthorized\r\n",
    404: b"HTTP/1.1 404 Not Found\r\n",
}


def render_contact(index: int) -> bytes:
    """One synthetic contact, shaped like the real server's contact object."""
    contact = {
        "key": f"{index:032x}",
        "$VERSION": 2,
        "user_account": "85c5e4f2ad0b34a0d9d2b0f8f2b1f4c1",
        "created_at": "2015-03-10 13:13:47.205119",
        "name": f"Name {index}",
        "surname": f"Surname {index}",
        "email_address": None,
        "dob": None,
        "msisdn": f"+2782{index:07d}",
        "twitter_handle": None,
        "facebook_id": None,
        "bbm_pin": None,
        "gtalk_id": None,
        "mxit_id": None,
        "wechat_id": None,
        "groups": [],
        "extra": {"language": "zu"},
        "subscription": {},
    }
    return json.dumps(contact).encode()


class ContactStore:
    """Pre-rendered contacts and pages, so a page costs the server next to nothing.

    Pages are kept once rendered: every run walks the same pages, and a walk's cost must
    be the client's, not the server's (client and server share two cores).
    """

    def __init__(self, count: int) -> None:
        self.rendered = [render_contact(index) for index in range(count)]
        self.pages: dict[tuple[int, int, int], bytes] = {}

    def page(self, total: int, query: str) -> tuple[int, bytes]:
        params = dict(parse_qsl(query))
        try:
            size = min(int(params.get("max_results", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
            offset = int(params.get("cursor", "0"))
        except ValueError:
            return 400, b'{"success": false, "reason": "bad max_results or cursor"}'
        if size < 1 or offset < 0:
            return 400, b'{"success": false, "reason": "bad max_results or cursor"}'
        page = self.pages.get((total, offset, size))
        if page is None:
            end = min(offset + size, total)
            cursor = b'"%d"' % end if end < total else b"null"
            items = b", ".join(self.rendered[offset:end])
            page = self.pages[total, offset, size] = (
                b'{"cursor": ' + cursor + b', "data": [' + items + b"]}"
            )
        return 200, page


def message_answer(body: bytes, number: int) -> tuple[int, bytes]:
    """The stored outbound message, as the conversation API answers a send."""
    try:
        sent = json.loads(body)
    except ValueError:
        return 400, b'{"success": false, "reason": "Invalid Message for Vumi"}'
    answer = {
        "message_id": f"{number:032x}",
        "to_addr": sent.get("to_addr"),
        "from_addr": "default10001",
        "content": sent.get("content"),
        "session_event": sent.get("session_event"),
        "in_reply_to": None,
        "transport_type": "sms",
        "message_type": "user_message",
        "timestamp": "2015-03-10 13:13:47.205119",
        "helper_metadata": {},
    }
    return 200, json.dumps(answer).encode()


class ServerState:
    """What every connection shares: the contacts and the request counter."""

    def __init__(self, contacts: ContactStore) -> None:
        self.contacts = contacts
        self.requests = 0

    def answer(self, method: bytes, target: bytes, body: bytes, authorized: bool) -> Reply:
        self.requests += 1
        path, _, query = target.partition(b"?")
        if path == b"/stats":
            stats = {"cpu_s": time.process_time(), "requests": self.requests}
            return Reply(200, json.dumps(stats).encode(), 0.0)
        if not path.startswith(PREFIX):
            return Reply(404, b'{"success": false, "reason": "Not Found"}', 0.0)
        latency_ms, total, *_ = path[len(PREFIX) :].split(b"/", 2)
        delay = int(latency_ms) / 1000
        if not authorized:
            return Reply(401, b'{"success": false, "reason": "Unauthorized"}', delay)
        if method == b"PUT" and path.endswith(b"/messages.json"):
            return Reply(*message_answer(body, self.requests), delay)
        if method == b"GET" and path.endswith(b"/contacts/"):
            count = min(int(total), len(self.contacts.rendered))
            return Reply(*self.contacts.page(count, query.decode()), delay)
        return Reply(404, b'{"success": false, "reason": "Not Found"}', delay)


class Reply:
    """An answer and how long to hold it back."""

    __slots__ = ("body", "delay", "status")

    def __init__(self, status: int, body: bytes, delay: float) -> None:
        self.status = status
        self.body = body
        self.delay = delay

    def wire_bytes(self) -> bytes:
        length = str(len(self.body)).encode()
        return STATUS_LINES[self.status] + JSON_HEADERS + length + b"\r\n\r\n" + self.body


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection: parses requests and writes their answers."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            length = 0
            authorized = False
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"authorization":
                    authorized = True
            start = end + 4
            if len(self.buffer) < start + length:
                return
            body = self.buffer[start : start + length]
            self.buffer = self.buffer[start + length :]
            method, target, _ = head[0].split(b" ", 2)
            reply = self.state.answer(method, target, body, authorized)
            if reply.delay > 0:
                self.loop.call_later(reply.delay, self.write, reply.wire_bytes())
            else:
                self.write(reply.wire_bytes())

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)


async def serve(port: int) -> None:
    state = ServerState(ContactStore(MAX_CONTACTS))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpConnection(state), "127.0.0.1", port, backlog=1024
    )
    bound_port = server.sockets[0].getsockname()[1]
    print(bound_port, flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
