"""The sync transport: runs operations over a ``requests.Session``.

It owns the cross-cutting policy: auth header, JSON content type, timeouts, retries and
mapping failures to the exceptions in :mod:`go_http.exceptions`.  Header values (which
hold the credentials) are never put into a message, a log record or a ``repr``.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProxyError

from go_http._config import TimeoutLike, as_timeout
from go_http._operation import HttpResponse, Operation, map_error, redact_url
from go_http._protocol import JSON_CONTENT_TYPE
from go_http._retry import RetryPolicy
from go_http.exceptions import ApiConnectionError, ApiTimeoutError

T = TypeVar("T")

#: Failures while opening the connection or the proxy tunnel: no byte of the request left.
#: (urllib3 reports TLS errors the same way whether they happen in the handshake or later,
#: so they count as "may have been sent": a send is never repeated on a guess.)
NOT_SENT_FAILURES = (NewConnectionError, ProxyError)


def check_credential(name: str, value: object) -> str:
    """Check one credential; the message never shows the value (it may be a secret)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    if value != value.strip() or not value.isprintable():
        # Typically a token read from a file with its trailing newline.
        raise ValueError(f"{name} must not contain whitespace at its ends or control characters")
    return value


def bearer_authorization(token: str) -> str:
    """The ``Authorization`` value for a bearer token, checking the token first."""
    return f"Bearer {check_credential('auth_token', token)}"


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic credentials, checking them first."""
    check_credential("account_key", username)
    check_credential("conversation_token", password)
    if ":" in username:
        raise ValueError("account_key must not contain ':'")
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def secrets_of(authorization: str) -> tuple[str, ...]:
    """The secret parts of an ``Authorization`` value, to keep out of error messages."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme == "Basic":
        password = base64.b64decode(credentials).decode().partition(":")[2]
        return (credentials, password)
    return (credentials,)


def request_headers(authorization: str) -> dict[str, str]:
    return {"Authorization": authorization, "Content-Type": JSON_CONTENT_TYPE}


def environment_proxies(base_url: str) -> dict[str, str]:
    """The proxies the environment (``HTTPS_PROXY``, ``NO_PROXY``, ...) sets for a URL."""
    proxies: dict[str, str] = requests.utils.get_environ_proxies(base_url)
    return proxies


def environment_proxy(url: str) -> str | None:
    """The one proxy URL the environment sets for this URL, if any."""
    proxy: str | None = requests.utils.select_proxy(url, environment_proxies(url))
    return proxy


def new_session(base_url: str) -> requests.Session:
    """A session that reads proxy and CA settings from the environment once, for
    ``base_url``, instead of on every request (``requests`` re-reads the whole
    environment per request, a large share of a small request's CPU time).

    :param str base_url: the one URL prefix the client talks to.
    """
    session = requests.Session()
    session.proxies.update(environment_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    # Also keeps a ~/.netrc entry from replacing the client's Authorization header.
    session.trust_env = False
    return session


def network_failure(
    exc: requests.RequestException, method: str, url: str
) -> ApiConnectionError | ApiTimeoutError | None:
    """Our exception for a ``requests`` network failure (``None`` if it is not one)."""
    where = f"{method} {redact_url(url)}"
    if isinstance(exc, requests.ConnectTimeout):
        return ApiTimeoutError(f"{where}: timed out connecting", request_sent=False)
    if isinstance(exc, requests.ReadTimeout):
        return ApiTimeoutError(f"{where}: timed out waiting for the answer", request_sent=True)
    if isinstance(
        exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    ):
        return ApiConnectionError(f"{where}: the answer was cut off or garbled", request_sent=True)
    if isinstance(exc, requests.ConnectionError):
        cause = exc.args[0] if exc.args else None
        reason = cause.reason if isinstance(cause, MaxRetryError) else cause
        if isinstance(reason, NOT_SENT_FAILURES):
            detail = str(reason).rsplit(": ", 1)[-1]
            return ApiConnectionError(f"{where}: could not connect ({detail})", request_sent=False)
        return ApiConnectionError(
            f"{where}: connection failed ({type(reason).__name__})", request_sent=True
        )
    return None


class SyncTransport:
    """Sends :class:`Operation` requests with ``requests`` and interprets the answers.

    :param str authorization: the ``Authorization`` header value.
    :param session: the ``requests.Session`` to send with.
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: the :class:`go_http.RetryPolicy` (``None`` for the default).
    :param sleep: how to wait between attempts (tests pass a fake).
    """

    __slots__ = ("_headers", "_secrets", "_timeout", "retry", "session", "sleep")

    def __init__(
        self,
        authorization: str,
        session: requests.Session,
        timeout: TimeoutLike = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._headers = request_headers(authorization)
        self._secrets = secrets_of(authorization)
        timeout_value = as_timeout(timeout)
        self._timeout = (timeout_value.connect, timeout_value.read)
        self.session = session
        self.retry = retry if retry is not None else RetryPolicy()
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"<SyncTransport timeout={self._timeout!r} retry={self.retry!r}>"

    def run(self, operation: Operation[T], base_url: str) -> T:
        """Send the operation's request (retrying per policy) and return its result."""
        request = operation.request
        url = request.url(base_url)
        data = request.body_bytes()
        state = self.retry.start(request)
        while True:
            try:
                raw = self.session.request(
                    request.method, url, data=data, headers=self._headers, timeout=self._timeout
                )
            except requests.RequestException as exc:
                failure = network_failure(exc, request.method, url)
                if failure is None:
                    raise
                delay = state.after_failure(failure.request_sent)
                if delay is None:
                    raise failure from None
                self.sleep(delay)
                continue
            response = HttpResponse(raw.status_code, raw.content, raw.url, raw.headers, raw.reason)
            if 200 <= raw.status_code < 300:
                return operation.parse(response)
            delay = state.after_response(response)
            if delay is None:
                return operation.on_error(map_error(response, request.method, raw, self._secrets))
            self.sleep(delay)
