"""Exceptions raised by the go-http clients.

The documented ``go_http`` exceptions (:class:`UserOptedOutException`,
:class:`PagedException`, :class:`JsonRpcException`) keep their constructors and
attributes.  Every non-2xx HTTP answer raises a subclass of :class:`requests.HTTPError`
(so ``except requests.HTTPError`` keeps working) chosen by status code, and network
failures raise subclasses of ``requests.ConnectionError`` / ``requests.Timeout`` that say
which URL (never its credentials) failed and how.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "JsonRpcException",
    "NotFoundError",
    "PagedException",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TooManyConcurrentRequestsError",
    "UserOptedOutException",
]


class ApiError(requests.HTTPError):
    """The server answered with a non-2xx status.

    :ivar int status_code: the HTTP status code.
    :ivar str reason: the server's reason, read from whichever error body shape that API
        uses (falls back to the body text, then to the HTTP reason phrase).
    :ivar requests.Response response: the response, as for any ``requests.HTTPError``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        reason: str,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(message, response=response)
        self.status_code = status_code
        self.reason = reason


class BadRequestError(ApiError):
    """400: the server rejected the request's content."""


class AuthenticationError(ApiError):
    """401: the credentials are missing or not accepted."""


class PermissionDeniedError(ApiError):
    """403: the credentials are valid but not allowed to do this."""


class NotFoundError(ApiError):
    """404: the thing asked for does not exist (or belongs to another account)."""


class ConflictError(ApiError):
    """409: the thing to create already exists."""


class RateLimitedError(ApiError):
    """429: the server asks the client to slow down."""


class TooManyConcurrentRequestsError(RateLimitedError, PermissionDeniedError):
    """403 "Too many concurrent connections": the account's concurrency limit was hit.

    It is a :class:`RateLimitedError` because the cure is the same (slow down), and a
    :class:`PermissionDeniedError` because the server says 403.
    """


class ServerError(ApiError):
    """5xx: the server failed."""


class ApiConnectionError(requests.ConnectionError):
    """The request could not be completed because of a network failure.

    :ivar bool request_sent: ``False`` when the failure happened before any byte of the
        request left this machine (for example, connection refused), so the server
        certainly did not act on it.
    """

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class ApiTimeoutError(requests.Timeout):
    """The server did not connect or answer within the configured timeout."""

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class UserOptedOutException(BadRequestError):
    """A message was sent to a recipient who has opted out.

    :ivar str to_addr: the address of the opted-out recipient.
    :ivar message: the message content that was not sent.
    :ivar str reason: the error reason given by the API.
    """

    def __init__(
        self,
        to_addr: str,
        message: str | None,
        reason: str,
        *,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(
            f"Recipient {to_addr!r} has opted out: {reason}",
            status_code=400,
            reason=reason,
            response=response,
        )
        self.to_addr = to_addr
        self.message = message


class PagedException(Exception):
    """A page of a paged listing failed; restart the listing from :attr:`cursor`.

    :ivar cursor: the cursor of the page that failed (``None`` for the first page);
        passing it as ``start_cursor`` resumes right after the last item handed out.
    :ivar error: the exception that occurred.
    """

    def __init__(self, cursor: str | None, error: BaseException) -> None:
        super().__init__(cursor, error)
        self.cursor = cursor
        self.error = error

    def __repr__(self) -> str:
        return f"<PagedException cursor={self.cursor!r} error={self.error!r}>"

    def __str__(self) -> str:
        return repr(self)


class JsonRpcException(Exception):
    """The account JSON-RPC API returned an error object.

    :ivar str fault: the type of fault (e.g. ``'Fault'``, ``'GoApiError'``).
    :ivar int fault_code: the error code (e.g. ``8002``).
    :ivar str fault_string: a description of the error.
    """

    def __init__(self, fault: str | None, fault_code: Any, fault_string: str | None) -> None:
        super().__init__(fault, fault_code, fault_string)
        self.fault = fault
        self.fault_code = fault_code
        self.fault_string = fault_string

    def __str__(self) -> str:
        return f"{self.fault} {self.fault_code}: {self.fault_string}"
