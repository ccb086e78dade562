"""go-http: a Python client for the Vumi Go HTTP APIs.

The documented names live in their own modules (``go_http.send.HttpApiSender``,
``go_http.contacts.ContactsApiClient``, ...); the most used ones are also importable
from here.
"""

from go_http._config import Timeout
from go_http._paging import Page
from go_http._retry import RetryPolicy
from go_http.account import AccountApiClient
from go_http.contacts import ContactsApiClient
from go_http.exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    JsonRpcException,
    NotFoundError,
    PagedException,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TooManyConcurrentRequestsError,
    UserOptedOutException,
)
from go_http.metrics import MetricsApiClient
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender, LoggingSender

__version__ = "1.0.0.dev0"

__all__ = [
    "AccountApiClient",
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContactsApiClient",
    "HttpApiSender",
    "JsonRpcException",
    "LoggingSender",
    "MetricsApiClient",
    "NotFoundError",
    "OptOutsApiClient",
    "Page",
    "PagedException",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "TooManyConcurrentRequestsError",
    "UserOptedOutException",
    "__version__",
]
