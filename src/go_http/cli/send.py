"""``go-http send``: one message through the conversation API."""

from __future__ import annotations

from typing import Any

import click

from go_http._protocol import SESSION_EVENTS
from go_http.cli.state import CliState, output_options, pass_state

MESSAGE_FIELDS = ("message_id", "to_addr", "from_addr", "content", "in_reply_to", "session_event")

session_event_option = click.option(
    "--session-event", type=click.Choice(SESSION_EVENTS), help="USSD session event."
)


def show_message(state: CliState, message: dict[str, Any], verb: str) -> None:
    """Print a sent message: all of it as JSON, or its main fields as a table."""
    if state.output.json_mode:
        state.output.json(message)
        return
    state.output.record(
        {name: message.get(name) for name in MESSAGE_FIELDS if message.get(name) is not None},
        title=verb,
    )


@click.group()
def send() -> None:
    """Send a text or voice message, or reply to an inbound message."""


@send.command(
    "text",
    epilog="""\b
Example:
  go-http send text +27821234567 "Your code is 1234"
""",
)
@click.argument("to_addr", metavar="TO")
@click.argument("content")
@session_event_option
@output_options
@pass_state
def send_text(state: CliState, to_addr: str, content: str, session_event: str | None) -> None:
    """Send CONTENT to the address TO (exit code 7 if TO has opted out)."""
    with state.sender() as sender:
        message = sender.send_text(to_addr, content, session_event=session_event)
    show_message(state, message, "Sent")


@send.command(
    "voice",
    epilog="""\b
Examples:
  go-http send voice +27821234567 "Press 1 to confirm" --wait-for '#'
  go-http send voice +27821234567 --speech-url https://example.org/hello.ogg
""",
)
@click.argument("to_addr", metavar="TO")
@click.argument("content", required=False)
@click.option("--speech-url", help="URL of speech to play instead of CONTENT.")
@click.option("--wait-for", help="Key that ends the recording of the answer, e.g. '#'.")
@session_event_option
@output_options
@pass_state
def send_voice(
    state: CliState,
    to_addr: str,
    content: str | None,
    speech_url: str | None,
    wait_for: str | None,
    session_event: str | None,
) -> None:
    """Send a voice message to TO: CONTENT is spoken, or --speech-url is played."""
    if content is None and speech_url is None:
        raise click.UsageError("give the CONTENT to speak or a --speech-url")
    with state.sender() as sender:
        message = sender.send_voice(to_addr, content, speech_url, wait_for, session_event)
    show_message(state, message, "Sent voice message")


@send.command(
    "reply",
    epilog="""\b
Example:
  go-http send reply 1f3e0c6d9a2b4c5d8e7f6a5b4c3d2e1f "Thanks, got it" --session-event close
""",
)
@click.argument("message_id")
@click.argument("content")
@session_event_option
@output_options
@pass_state
def send_reply(state: CliState, message_id: str, content: str, session_event: str | None) -> None:
    """Reply CONTENT to the inbound message MESSAGE_ID (replies reach opted-out users)."""
    with state.sender() as sender:
        message = sender.reply(message_id, content, session_event=session_event)
    show_message(state, message, "Replied")
