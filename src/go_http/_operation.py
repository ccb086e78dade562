"""Sans-IO building blocks: what a request is, what a response is, what an operation is.

An :class:`Operation` pairs an :class:`ApiRequest` with the function that turns the
:class:`HttpResponse` into the value a client method returns.  Operations are built by the
API modules without doing any I/O, then run by a sync or an async transport, so every API
method is written once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

import requests

from go_http._json import loads
from go_http.exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TooManyConcurrentRequestsError,
)

T = TypeVar("T")

#: The 403 body text by which the conversation API signals its concurrency limit (spec 1.3).
CONCURRENCY_LIMIT_MARKER = "too many concurrent connections"


@functools.lru_cache(maxsize=4096)
def _quote_segment(segment: str) -> str:
    # Cached: a bulk send quotes the same conversation key for every message.
    return quote(segment, safe="")


def path(*segments: str, trailing_slash: bool = False) -> str:
    """Join caller-supplied path segments, percent-encoding each one completely.

    ``+`` becomes ``%2B`` and ``/``, ``?`` or ``#`` inside a segment cannot change the
    route.

    :param str segments: the raw segments.
    :param bool trailing_slash: end with ``/`` (list routes such as ``contacts/``).
    """
    joined = "/".join(_quote_segment(str(segment)) for segment in segments)
    return joined + "/" if trailing_slash else joined


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP request, relative to a client's base URL.

    :param str method: the HTTP method.
    :param str path: the already-encoded path below the base URL (see :func:`path`).
    :param params: query parameters, in order; ``None`` values are left out.
    :param body: the JSON body; ``None`` means no body is sent at all.
    :param bool idempotent: repeating the request cannot change the outcome, so it may be
        retried after a failure that left it unclear whether the server acted.
    """

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    idempotent: bool = True

    def url(self, base_url: str) -> str:
        """The full URL, with the query string encoded (``+`` as ``%2B``)."""
        url = f"{base_url}/{self.path}"
        if self.params:
            url += "?" + urlencode(self.params, quote_via=quote, safe="")
        return url

    def body_bytes(self) -> bytes | None:
        """The UTF-8 JSON body, or ``None`` when the request has no body."""
        if self.body is None:
            return None
        return json.dumps(self.body).encode("utf-8")


def query(**params: object) -> tuple[tuple[str, str], ...]:
    """Query parameters from keywords, leaving out those that are ``None``."""
    return tuple((key, str(value)) for key, value in params.items() if value is not None)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A complete HTTP response, independent of the HTTP library that fetched it."""

    status_code: int
    content: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    reason_phrase: str = ""

    def json(self) -> Any:
        """The body decoded as JSON."""
        return loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def _identity_error(error: ApiError) -> Any:
    raise error


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """A request and how to interpret its answer.

    :param request: what to send.
    :param parse: turns a 2xx response into the result.
    :param on_error: called with the mapped :class:`ApiError` of a non-2xx response; it
        raises (the default re-raises) or returns a result (e.g. ``None`` on 404).
    """

    request: ApiRequest
    parse: Callable[[HttpResponse], T]
    on_error: Callable[[ApiError], T] = _identity_error


def parse_json(response: HttpResponse) -> Any:
    return response.json()


def parse_key(key: str) -> Callable[[HttpResponse], Any]:
    """A parser that returns one member of a JSON object body."""

    def parse(response: HttpResponse) -> Any:
        return response.json()[key]

    return parse


def error_reason(response: HttpResponse) -> str:
    """The server's reason from any of the spec's error body shapes.

    Shapes: ``{"status_code", "reason"}`` (contacts, groups, metrics),
    ``{"status": {"code", "reason"}}`` (opt-outs), ``{"success": false, "reason"}``
    (conversation API); anything else is read as text.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("reason"), str):
            return str(body["reason"])
        status = body.get("status")
        if isinstance(status, dict) and isinstance(status.get("reason"), str):
            return str(status["reason"])
    text = response.text.strip()
    if text and len(text) <= 500 and not text.lstrip().startswith("<"):
        return text
    if CONCURRENCY_LIMIT_MARKER in text.lower():
        return "Too many concurrent connections"
    return response.reason_phrase or text[:200]


_ERROR_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def is_concurrency_limit(response: HttpResponse) -> bool:
    """True for the conversation API's 403 "Too many concurrent connections" answer."""
    return response.status_code == 403 and CONCURRENCY_LIMIT_MARKER in response.text.lower()


def as_requests_response(response: HttpResponse) -> requests.Response:
    """A :class:`requests.Response` carrying the same data, for ``HTTPError.response``."""
    converted = requests.Response()
    converted.status_code = response.status_code
    converted._content = response.content
    converted.url = response.url
    converted.reason = response.reason_phrase
    converted.headers.update(response.headers)
    converted.encoding = "utf-8"
    return converted


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """The text with every secret in it replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def map_error(
    response: HttpResponse,
    method: str,
    raw: requests.Response | None = None,
    secrets: tuple[str, ...] = (),
) -> ApiError:
    """The :class:`ApiError` subclass for a non-2xx response.

    :param response: the response.
    :param str method: the request method, for the message.
    :param raw: the library's own response object when it is a ``requests.Response``.
    :param secrets: the client's credentials, scrubbed from the reason should the server
        echo them back.
    """
    status = response.status_code
    reason = scrub(error_reason(response), secrets)
    cls: type[ApiError]
    if is_concurrency_limit(response):
        cls = TooManyConcurrentRequestsError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _ERROR_CLASSES.get(status, ApiError)
    message = f"{status} {reason} for {method} {redact_url(response.url)}"
    return cls(
        message,
        status_code=status,
        reason=reason,
        response=raw if raw is not None else as_requests_response(response),
    )


def redact_url(url: str) -> str:
    """The URL without any ``user:password@`` part."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    return f"{scheme}://{authority}{slash}{tail}"


def strip_base_url(api_url: str | None, default: str) -> str:
    """The base URL to use: the caller's (trailing ``/`` removed) or, for ``None``, the
    default; anything but an ``http(s)://`` URL is refused rather than guessed at."""
    if api_url is None:
        return default
    if not isinstance(api_url, str) or not api_url.startswith(("http://", "https://")):
        raise ValueError(f"api_url must be an http:// or https:// URL, got {api_url!r}")
    return api_url.rstrip("/")


def ensure_json_object(value: object, what: str) -> dict[str, Any]:
    """Check that a caller's data is a JSON object, naming it when it is not."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a dict, not {type(value).__name__}")
    return dict(value)


def ensure_text(value: object, what: str) -> str:
    """Check that a caller's value is a non-empty string, naming it when it is not."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


def one_of(value: object, allowed: Iterable[str], what: str) -> str:
    """Check that a value is one of the allowed strings, naming the choices when not."""
    choices = tuple(allowed)
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}; got {value!r}")
    return str(value)
