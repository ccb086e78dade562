"""Async twins of the go-http clients, on aiohttp (the ``async`` extra).

Each client takes the same constructor parameters as its sync twin (``session`` is an
``aiohttp.ClientSession``) and has the same methods, as coroutines::

    async with AsyncContactsApiClient(token) as client:
        async for contact in client.contacts():
            ...
"""

try:
    import aiohttp  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "go_http.aio needs the 'async' extra (aiohttp): pip install 'go-http[async]'",
        name=exc.name,
    ) from exc

from go_http.aio.account import AsyncAccountApiClient
from go_http.aio.contacts import AsyncContactsApiClient
from go_http.aio.metrics import AsyncMetricsApiClient
from go_http.aio.optouts import AsyncOptOutsApiClient
from go_http.aio.send import AsyncHttpApiSender

__all__ = [
    "AsyncAccountApiClient",
    "AsyncContactsApiClient",
    "AsyncHttpApiSender",
    "AsyncMetricsApiClient",
    "AsyncOptOutsApiClient",
]
