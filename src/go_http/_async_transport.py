"""The async transport: runs operations over one ``aiohttp.ClientSession``.

The async twin of :class:`go_http._transport.SyncTransport`: the same requests (built by
:class:`ApiRequest`), the same :class:`RetryPolicy` decisions, the same error mapping.
Everything that does not change between requests (headers, timeouts) is built once, to
keep the cost per request low.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

try:
    import aiohttp
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("the async clients need aiohttp: pip install 'go-http[async]'") from exc

from go_http._config import TimeoutLike, as_timeout
from go_http._operation import HttpResponse, Operation, map_error, redact_url
from go_http._retry import RetryPolicy
from go_http._transport import environment_proxy, request_headers, secrets_of
from go_http.exceptions import ApiConnectionError, ApiTimeoutError

T = TypeVar("T")

#: Connections kept per session unless the caller says otherwise.
DEFAULT_CONNECTIONS = 100
#: How many request URLs a transport keeps parsed.
_KEPT_URLS = 64


def async_network_failure(
    exc: BaseException, method: str, url: str
) -> ApiConnectionError | ApiTimeoutError | None:
    """Our exception for an aiohttp network failure (``None`` if it is not one).

    Failures while connecting mean the request never left; anything later (the server
    hung up, a read timed out) means the server may have acted on it.
    """
    where = f"{method} {redact_url(url)}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ApiTimeoutError(f"{where}: timed out connecting", request_sent=False)
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return ApiTimeoutError(f"{where}: timed out waiting for the answer", request_sent=True)
    if isinstance(exc, aiohttp.ClientConnectorError):
        detail = exc.os_error.strerror or type(exc.os_error).__name__
        return ApiConnectionError(f"{where}: could not connect ({detail})", request_sent=False)
    if isinstance(exc, aiohttp.ClientError) and not isinstance(exc, aiohttp.InvalidURL):
        return ApiConnectionError(
            f"{where}: connection failed ({type(exc).__name__})", request_sent=True
        )
    return None


class AsyncTransport:
    """Sends :class:`Operation` requests with aiohttp and interprets the answers.

    :param str authorization: the ``Authorization`` header value.
    :param session: the ``aiohttp.ClientSession`` to send with; ``None`` creates one on
        first use (inside the running event loop), closed by :meth:`close`.
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: the :class:`go_http.RetryPolicy` (``None`` for the default).
    :param sleep: how to wait between attempts (tests pass a fake).
    :param int connections: the size of the connection pool of a session created here.
    """

    __slots__ = (
        "_headers",
        "_owns_session",
        "_proxies",
        "_secrets",
        "_targets",
        "_timeout",
        "connections",
        "retry",
        "session",
        "sleep",
    )

    def __init__(
        self,
        authorization: str,
        session: aiohttp.ClientSession | None = None,
        timeout: TimeoutLike = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        connections: int = DEFAULT_CONNECTIONS,
    ) -> None:
        self._headers = CIMultiDictProxy(CIMultiDict(request_headers(authorization)))
        self._secrets = secrets_of(authorization)
        limits = as_timeout(timeout)
        # Waiting for a free pooled connection is not a network failure, so only the
        # socket connect and each read are limited.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=limits.connect, sock_read=limits.read
        )
        self._owns_session = session is None
        self.session = session
        self.retry = retry if retry is not None else RetryPolicy()
        self.sleep = sleep
        self.connections = connections
        self._proxies: dict[str, str | None] = {}
        self._targets: dict[str, tuple[URL, str | None]] = {}

    def __repr__(self) -> str:
        return f"<AsyncTransport timeout={self._timeout!r} retry={self.retry!r}>"

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
            self.session = aiohttp.ClientSession(connector=connector)
        return self.session

    async def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self.session is not None:
            session, self.session = self.session, None
            await session.close()

    def _target(self, url: str, base_url: str) -> tuple[URL, str | None]:
        """The yarl URL of ``url`` and the proxy to reach it through, kept for the next
        request to it (a bulk send asks for the same URL every time, and aiohttp caches
        what it works out on the URL object)."""
        if base_url not in self._proxies:
            # Read from the environment once per base URL, as the sync session does.
            self._proxies[base_url] = environment_proxy(base_url)
        proxy = self._proxies[base_url]
        # The URL is already percent-encoded; yarl must not decode ``%2B`` back to ``+``.
        target = (URL(url, encoded=True), proxy)
        if len(self._targets) >= _KEPT_URLS:
            self._targets.clear()  # paging asks for a new URL per page: keep a few only
        self._targets[url] = target
        return target

    async def run(self, operation: Operation[T], base_url: str) -> T:
        """Send the operation's request (retrying per policy) and return its result."""
        request = operation.request
        url = request.url(base_url)
        target, proxy = self._targets.get(url) or self._target(url, base_url)
        data = request.body_bytes()
        session = self._session()
        state = self.retry.start(request)
        while True:
            try:
                async with session.request(
                    request.method,
                    target,
                    data=data,
                    headers=self._headers,
                    timeout=self._timeout,
                    proxy=proxy,
                ) as raw:
                    content = await raw.read()
                    response = HttpResponse(
                        raw.status, content, url, raw.headers, raw.reason or ""
                    )
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                failure = async_network_failure(exc, request.method, url)
                if failure is None:
                    raise
                delay = state.after_failure(failure.request_sent)
                if delay is None:
                    raise failure from None
                await self.sleep(delay)
                continue
            if 200 <= response.status_code < 300:
                return operation.parse(response)
            delay = state.after_response(response)
            if delay is None:
                return operation.on_error(
                    map_error(response, request.method, secrets=self._secrets)
                )
            await self.sleep(delay)
