"""The account JSON-RPC API: operations and the sync :class:`AccountApiClient`."""

from __future__ import annotations

from typing import Any

from go_http._client import BearerClient
from go_http._operation import ApiRequest, HttpResponse, Operation, ensure_json_object
from go_http.exceptions import JsonRpcException

#: The JSON-RPC route below the base URL.
RPC_PATH = "api/"


def parse_rpc_result(response: HttpResponse) -> Any:
    """The result of a JSON-RPC answer, raising :class:`JsonRpcException` for an error.

    Accepts the txJSON-RPC 0.3.1 form (``{"result", "error": {"fault", "faultCode",
    "faultString"}, "id": null}``), standard JSON-RPC 2.0 (``{"error": {"code",
    "message"}}``) and the pre-1.0 forms (a one-element array, or a bare fault object).
    """
    body = response.json()
    if isinstance(body, list) and len(body) == 1:
        return body[0]
    if not isinstance(body, dict):
        raise JsonRpcException("InvalidResponse", None, f"unexpected JSON-RPC answer: {body!r}")
    error = body.get("error")
    if error is None and "fault" in body:
        error = body
    if error is not None:
        if isinstance(error, dict):
            raise JsonRpcException(
                error.get("fault", "JsonRpcError"),
                error.get("faultCode", error.get("code")),
                error.get("faultString", error.get("message")),
            )
        raise JsonRpcException("JsonRpcError", None, str(error))
    return body.get("result")


Records = list[dict[str, Any]]


def call(method: str, *params: Any) -> Operation[Any]:
    """A JSON-RPC call; every account method only reads or replaces, so all may retry."""
    body = {"jsonrpc": "2.0", "id": 0, "method": method, "params": list(params)}
    return Operation(ApiRequest("POST", RPC_PATH, body=body), parse_rpc_result)


def _campaign(campaign_key: str) -> str:
    if not isinstance(campaign_key, str) or not campaign_key:
        raise ValueError(f"campaign_key must be a non-empty string, got {campaign_key!r}")
    return campaign_key


def campaigns() -> Operation[Records]:
    return call("campaigns")


def conversations(campaign_key: str) -> Operation[Records]:
    return call("conversations", _campaign(campaign_key))


def channels(campaign_key: str) -> Operation[Records]:
    return call("channels", _campaign(campaign_key))


def routers(campaign_key: str) -> Operation[Records]:
    return call("routers", _campaign(campaign_key))


def routing_entries(campaign_key: str) -> Operation[Records]:
    return call("routing_entries", _campaign(campaign_key))


def routing_table(campaign_key: str) -> Operation[dict[str, Any]]:
    return call("routing_table", _campaign(campaign_key))


def update_routing_table(campaign_key: str, table: dict[str, Any]) -> Operation[None]:
    return call("update_routing_table", _campaign(campaign_key), check_routing_table(table))


ROUTING_TABLE_MEMBERS = ("channels", "routers", "conversations", "routing_entries")


def check_routing_table(table: object) -> dict[str, Any]:
    """Check the routing table's shape before sending it (the server's own fault says
    only ``error``)."""
    result = ensure_json_object(table, "routing table")
    missing = [m for m in ROUTING_TABLE_MEMBERS if m not in result]
    if missing:
        raise ValueError(f"routing table is missing {', '.join(missing)}")
    for member in ROUTING_TABLE_MEMBERS:
        if not isinstance(result[member], list):
            raise ValueError(f"routing table member {member!r} must be a list")
    for index, entry in enumerate(result["routing_entries"]):
        for end in ("source", "target"):
            ok = isinstance(entry, dict) and isinstance(entry.get(end), dict)
            if not ok or not isinstance(entry[end].get("uuid"), str):
                raise ValueError(f"routing_entries[{index}] needs a {end} with a string uuid")
    return result


class AccountApiClient(BearerClient):
    """Client for the account JSON-RPC API (campaigns, conversations, routing).

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    :raises JsonRpcException: from every method, when the server returns an error.
    """

    def campaigns(self) -> Records:
        """The campaigns (accounts) this token can use: ``[{"key", "name"}]``."""
        return self._run(campaigns())

    def conversations(self, campaign_key: str) -> Records:
        """The campaign's active conversations.

        :param str campaign_key: the campaign (account) key.
        """
        return self._run(conversations(campaign_key))

    def channels(self, campaign_key: str) -> Records:
        """The campaign's channels.

        :param str campaign_key: the campaign (account) key.
        """
        return self._run(channels(campaign_key))

    def routers(self, campaign_key: str) -> Records:
        """The campaign's active routers.

        :param str campaign_key: the campaign (account) key.
        """
        return self._run(routers(campaign_key))

    def routing_entries(self, campaign_key: str) -> Records:
        """The campaign's routing entries (``{"source": {"uuid"}, "target": {"uuid"}}``).

        :param str campaign_key: the campaign (account) key.
        """
        return self._run(routing_entries(campaign_key))

    def routing_table(self, campaign_key: str) -> dict[str, Any]:
        """The campaign's routing table: channels, routers, conversations and entries.

        :param str campaign_key: the campaign (account) key.
        """
        return self._run(routing_table(campaign_key))

    def update_routing_table(self, campaign_key: str, routing_table: dict[str, Any]) -> None:
        """Replace the campaign's routing table (only its entries are used by the server).

        :param str campaign_key: the campaign (account) key.
        :param dict routing_table: a table as returned by :meth:`routing_table`.
        :raises ValueError: the table is not of the right shape (nothing is sent).
        """
        self._run(update_routing_table(campaign_key, routing_table))
