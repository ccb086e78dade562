"""``go-http demo``: the README's first command runs the whole tour and exits 0."""

from __future__ import annotations

from tests.cli.conftest import Invoke


def test_demo_runs_every_step_of_the_tour(run: Invoke) -> None:
    result = run("demo", "--contacts", "12", "--page-size", "5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in (
        "Create 12 contacts",
        "Created contact 1 of 12",
        "Demo volunteers",
        "12 contacts in 3 pages",
        "Sent message",
        "Blocked: UserOptedOutException",
        "Opt-out lifted",
        "read back: ",
        "Routing table",
        "Conversations and channels",
        "Replied 'Yes, loud and clear!'",
        "Your app received POST /messages: message from +27825550003",
        "Your app received POST /events: ack of message",
        "The sandbox recorded 4 outbound messages",
    ):
        assert expected in out, expected
