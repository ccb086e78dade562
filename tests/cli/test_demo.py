"""``go-http demo``: the README's first command runs the whole tour and exits 0."""

from __future__ import annotations

from pathlib import Path

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
        "Your app received POST /messages: message from +27825550011",
        "Your app received POST /events: ack of message",
        "The sandbox recorded 4 outbound messages",
    ):
        assert expected in out, expected


def test_demo_with_the_fewest_contacts_and_a_kept_database(run: Invoke, tmp_path: Path) -> None:
    # A database whose conversation pushes elsewhere, with events ignored: the demo's
    # push step still shows both pushes, and leaves the settings as they were.
    from go_http.testing import Sandbox

    db = tmp_path / "kept.sqlite3"
    with Sandbox(db_path=str(db)) as sandbox:
        sandbox.set_push(push_event_url="http://127.0.0.1:9/events", ignore_events=True)
        before = sandbox.push_settings()
    result = run("demo", "--contacts", "3", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "Your app received POST /events: ack of message" in result.stdout
    with Sandbox(db_path=str(db)) as sandbox:
        assert sandbox.push_settings() == before
