"""The CLI's exit codes and how each failure maps to one clear line on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from go_http.contacts_io import ImportInterrupted
from go_http.exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    ConflictError,
    JsonRpcException,
    NotFoundError,
    PagedException,
    PermissionDeniedError,
    RateLimitedError,
    UserOptedOutException,
)

OK = 0
#: Anything not listed below (server errors, unexpected failures).
OTHER = 1
#: Bad command line, missing setting, invalid input (click's own usage errors use 2 too).
USAGE = 2
#: The server refused the credentials (401, or 403 other than the concurrency limit).
AUTHENTICATION = 3
#: The contact, group, message or opt-out does not exist (404).
NOT_FOUND = 4
#: The server could not be reached or did not answer in time.
NETWORK = 5
#: A bulk command (send-bulk, contacts import, optouts import) finished, but some items
#: failed.
PARTIAL = 6
#: The server understood the request and refused it (400/409: opted out, invalid field,
#: already exists, invalid routing table).
REFUSED = 7
#: Interrupted with Ctrl-C.
INTERRUPTED = 130
#: Whoever read stdout stopped reading (``go-http contacts list | head``): the command
#: ends quietly with the code a shell reports for a program ended by SIGPIPE (128 + 13),
#: like the standard tools, so ``set -o pipefail`` scripts still see that output was cut.
CLOSED_PIPE = 141

#: ``(code, meaning)`` rows for ``--help`` and the docs.
EXIT_CODE_TABLE: tuple[tuple[int, str], ...] = (
    (OK, "success"),
    (OTHER, "other failure (server error, unexpected problem)"),
    (USAGE, "usage error: bad option or argument, missing setting, invalid input"),
    (AUTHENTICATION, "authentication failed: token or conversation credentials refused"),
    (NOT_FOUND, "not found"),
    (NETWORK, "network failure: server unreachable or timed out"),
    (PARTIAL, "partial failure of a bulk command (some rows/recipients failed)"),
    (REFUSED, "refused by the server: opted out, invalid data, conflict"),
    (INTERRUPTED, "interrupted (Ctrl-C)"),
    (CLOSED_PIPE, "stdout closed by its reader (e.g. '| head'): stops with no error message"),
)


class PartialFailure(Exception):
    """A bulk command finished but some of its items failed (exit code 6)."""


class ListingFailed(Exception):
    """A page of a command's listing failed, with what the user can do about it.

    :ivar PagedException error: the failure.
    :ivar str what: what failed, e.g. ``listing`` or ``export``.
    :ivar hint: how to go on (``resume with --cursor ...``), or ``None``.
    """

    def __init__(self, error: PagedException, what: str, hint: str | None = None) -> None:
        super().__init__(error, what, hint)
        self.error = error
        self.what = what
        self.hint = hint


@contextmanager
def resumable_listing() -> Iterator[None]:
    """For commands that take ``--cursor``: a failed page's error names the cursor that
    resumes the listing (a plain :class:`PagedException` does not, as other commands
    cannot take it)."""
    try:
        yield
    except PagedException as exc:
        hint = f"resume with --cursor {exc.cursor}" if exc.cursor else None
        raise ListingFailed(exc, "listing", hint) from exc


@dataclass(frozen=True, slots=True)
class Failure:
    """What to tell the user about an exception.

    :ivar int code: the exit code.
    :ivar str message: one line: what failed, and what to do.
    """

    code: int
    message: str


_CREDENTIALS_HINT = "check the credentials with 'go-http config show'"


def describe(error: BaseException) -> Failure:
    """The exit code and one-line message for an exception (never a secret: the client
    exceptions carry redacted URLs and no headers)."""
    if isinstance(error, ListingFailed):
        inner = describe(error.error.error)
        hint = f" ({error.hint})" if error.hint else ""
        return Failure(inner.code, f"{error.what} failed: {inner.message}{hint}")
    if isinstance(error, PagedException):
        inner = describe(error.error)
        return Failure(inner.code, f"listing failed: {inner.message}")
    if isinstance(error, ImportInterrupted):
        inner = describe(error.error)
        report = error.report
        return Failure(
            inner.code,
            f"import stopped after {report.processed} rows ({report.created} created, "
            f"{report.updated} updated): {inner.message}",
        )
    if isinstance(error, UserOptedOutException):
        return Failure(
            REFUSED,
            f"not sent: {error.to_addr} has opted out "
            "(lift it with 'go-http optouts delete' if they opted back in)",
        )
    if isinstance(error, RateLimitedError):
        return Failure(OTHER, f"rate limited: {error}; wait and retry, or lower --concurrency")
    if isinstance(error, (AuthenticationError, PermissionDeniedError)):
        return Failure(AUTHENTICATION, f"authentication failed: {error}; {_CREDENTIALS_HINT}")
    if isinstance(error, NotFoundError):
        return Failure(NOT_FOUND, f"not found: {error}")
    if isinstance(error, ConflictError):
        return Failure(REFUSED, f"conflict: {error}")
    if isinstance(error, ApiError) and 400 <= error.status_code < 500:
        return Failure(REFUSED, f"the server refused the request: {error}")
    if isinstance(error, ApiError):
        return Failure(OTHER, f"server error: {error}; try again later")
    if isinstance(error, (ApiConnectionError, ApiTimeoutError)):
        return Failure(
            NETWORK, f"network failure: {error}; check --api-url and that the server is up"
        )
    if isinstance(error, JsonRpcException):
        return Failure(REFUSED, f"the account API refused the call: {error}")
    if isinstance(error, PartialFailure):
        return Failure(PARTIAL, str(error))
    if isinstance(error, ValueError):
        return Failure(USAGE, f"invalid input: {error}")
    if isinstance(error, OSError):
        return Failure(OTHER, f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
    return Failure(OTHER, f"unexpected error: {type(error).__name__}: {error}")
