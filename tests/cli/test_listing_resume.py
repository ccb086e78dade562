"""A listing that fails partway says how to go on, naming ``--cursor`` only where the
command takes it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from go_http.contacts import ContactsApiClient
from go_http.testing import SandboxAccount
from tests.cli.conftest import Invoke, json_lines

ITEM: dict[str, str | None] = {
    "key": "k1",
    "msisdn": "+27820000801",
    "name": "First",
    "query": None,
}


class SecondPageFails(BaseHTTPRequestHandler):
    """Any listing: a first page with a cursor, then a server error for that cursor."""

    def do_GET(self) -> None:
        body: dict[str, object]
        cursor = parse_qs(urlsplit(self.path).query).get("cursor")
        if cursor:
            status, body = 500, {"message": "boom"}
        else:
            status, body = 200, {"data": [ITEM], "cursor": "page-2"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_api() -> Iterator[dict[str, str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SecondPageFails)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "GO_HTTP_API_URL": f"http://127.0.0.1:{server.server_address[1]}/api/v1/go",
            "GO_HTTP_AUTH_TOKEN": "token-for-the-failing-server",
        }
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    "command",
    [("contacts", "list"), ("groups", "list"), ("groups", "contacts", "k9")],
)
def test_listings_with_cursor_name_the_resume_cursor(
    run: Invoke, failing_api: dict[str, str], command: tuple[str, ...]
) -> None:
    result = run("--retries", "0", *command, "--json", env=failing_api)
    assert result.exit_code == 1
    assert json_lines(result.stdout) == [ITEM]  # the first page was shown
    assert "listing failed: server error" in result.stderr
    assert "(resume with --cursor page-2)" in result.stderr


def test_export_does_not_suggest_a_cursor_it_lacks(
    run: Invoke, failing_api: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "contacts.csv"
    result = run("--retries", "0", "contacts", "export", "-o", str(out), env=failing_api)
    assert result.exit_code == 1
    assert "--cursor" not in result.stderr
    assert "export failed: server error" in result.stderr
    assert f"{out} was left as it was; run the export again" in result.stderr
    assert not out.exists()
    to_stdout = run("--retries", "0", "contacts", "export", env=failing_api)
    assert "--cursor" not in to_stdout.stderr
    assert "run the export again" in to_stdout.stderr


def test_groups_listings_resume_from_a_cursor(go: Invoke, go_sandbox: SandboxAccount) -> None:
    client = ContactsApiClient(go_sandbox.auth_token, go_sandbox.api_url)
    group = client.create_group({"name": "G0"})
    for index in range(1, 3):
        client.create_group({"name": f"G{index}"})
    for index in range(3):
        client.create_contact({"msisdn": f"+2782000090{index}", "groups": [group["key"]]})
    groups_page = client.groups_page(page_size=1)
    members_page = client.group_contacts_page(group["key"], page_size=1)
    assert groups_page.cursor is not None
    assert members_page.cursor is not None

    rest = go("groups", "list", "--cursor", groups_page.cursor, "--json")
    assert rest.exit_code == 0, rest.output
    names = [g["name"] for g in groups_page.items + json_lines(rest.stdout)]
    assert sorted(names) == ["G0", "G1", "G2"]

    command = ("groups", "contacts", group["key"], "--cursor", members_page.cursor, "--json")
    members = go(*command)
    assert members.exit_code == 0, members.output
    msisdns = [c["msisdn"] for c in members_page.items + json_lines(members.stdout)]
    assert sorted(msisdns) == [f"+2782000090{i}" for i in range(3)]
