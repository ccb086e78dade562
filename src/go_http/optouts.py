"""The opt-outs API: operations and the sync :class:`OptOutsApiClient`."""

from __future__ import annotations

from typing import Any

from go_http._client import BearerClient
from go_http._operation import ApiRequest, Operation, ensure_text, parse_key, path
from go_http.exceptions import ApiError

OptOut = dict[str, Any]


def _none_on_404(error: ApiError) -> None:
    if error.status_code == 404:
        return None
    raise error


def _optout_route(address_type: str, address: str) -> str:
    ensure_text(address_type, "address_type")
    ensure_text(address, "address")
    if "/" in address:
        # The server decodes %2F before routing, so such an address can never be stored.
        raise ValueError(f"address must not contain '/', got {address!r}")
    return path("optouts", address_type, address)


def count() -> Operation[int]:
    return Operation(ApiRequest("GET", "optouts/count"), parse_key("opt_out_count"))


def get_optout(address_type: str, address: str) -> Operation[OptOut | None]:
    route = _optout_route(address_type, address)
    return Operation(ApiRequest("GET", route), parse_key("opt_out"), _none_on_404)


def set_optout(address_type: str, address: str) -> Operation[OptOut]:
    route = _optout_route(address_type, address)
    # Not retried after the request may have arrived: a repeat would answer 409.
    return Operation(ApiRequest("PUT", route, idempotent=False), parse_key("opt_out"))


def delete_optout(address_type: str, address: str) -> Operation[OptOut | None]:
    route = _optout_route(address_type, address)
    # Not retried after the request may have arrived: a repeat would answer 404 (None).
    request = ApiRequest("DELETE", route, idempotent=False)
    return Operation(request, parse_key("opt_out"), _none_on_404)


class OptOutsApiClient(BearerClient):
    """Client for the opt-outs API.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    def count(self) -> int:
        """The number of opt-outs in the account, all address types together."""
        return self._run(count())

    def get_optout(self, address_type: str, address: str) -> OptOut | None:
        """The opt-out record for an address, or ``None`` if it has not opted out.

        :param str address_type: e.g. ``msisdn``, ``twitter_handle``.
        :param str address: the address, e.g. ``+27821234567``.
        """
        return self._run(get_optout(address_type, address))

    def set_optout(self, address_type: str, address: str) -> OptOut:
        """Opt an address out and return the new record.

        :param str address_type: e.g. ``msisdn``.
        :param str address: the address.
        :raises ConflictError: the address had already opted out.
        """
        return self._run(set_optout(address_type, address))

    def delete_optout(self, address_type: str, address: str) -> OptOut | None:
        """Lift an opt-out; returns the deleted record, or ``None`` if there was none.

        :param str address_type: e.g. ``msisdn``.
        :param str address: the address.
        """
        return self._run(delete_optout(address_type, address))
