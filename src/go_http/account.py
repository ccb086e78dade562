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


def call(method: str, *params: Any) -> Operation[Any]:
    """A JSON-RPC call; every account method only reads or replaces, so all may retry."""
    body = {"jsonrpc": "2.0", "id": 0, "method": method, "params": list(params)}
    return Operation(ApiRequest("POST", RPC_PATH, body=body), parse_rpc_result)


def _campaign(campaign_key: str) -> str:
    if not isinstance(campaign_key, str) or not campaign_key:
        raise ValueError(f"campaign_key must be a non-empty string, got {campaign_key!r}")
    return campaign_key


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

    def campaigns(self) -> list[dict[str, Any]]:
        """The campaigns (accounts) this token can use: ``[{"key", "name"}]``."""
        result: list[dict[str, Any]] = self._run(call("campaigns"))
        return result

    def conversations(self, campaign_key: str) -> list[dict[str, Any]]:
        """The campaign's active conversations.

        :param str campaign_key: the campaign (account) key.
        """
        result: list[dict[str, Any]] = self._run(call("conversations", _campaign(campaign_key)))
        return result

    def channels(self, campaign_key: str) -> list[dict[str, Any]]:
        """The campaign's channels.

        :param str campaign_key: the campaign (account) key.
        """
        result: list[dict[str, Any]] = self._run(call("channels", _campaign(campaign_key)))
        return result

    def routers(self, campaign_key: str) -> list[dict[str, Any]]:
        """The campaign's active routers.

        :param str campaign_key: the campaign (account) key.
        """
        result: list[dict[str, Any]] = self._run(call("routers", _campaign(campaign_key)))
        return result

    def routing_entries(self, campaign_key: str) -> list[dict[str, Any]]:
        """The campaign's routing entries (``{"source": {"uuid"}, "target": {"uuid"}}``).

        :param str campaign_key: the campaign (account) key.
        """
        result: list[dict[str, Any]] = self._run(call("routing_entries", _campaign(campaign_key)))
        return result

    def routing_table(self, campaign_key: str) -> dict[str, Any]:
        """The campaign's routing table: channels, routers, conversations and entries.

        :param str campaign_key: the campaign (account) key.
        """
        result: dict[str, Any] = self._run(call("routing_table", _campaign(campaign_key)))
        return result

    def update_routing_table(self, campaign_key: str, routing_table: dict[str, Any]) -> None:
        """Replace the campaign's routing table (only its entries are used by the server).

        :param str campaign_key: the campaign (account) key.
        :param dict routing_table: a table as returned by :meth:`routing_table`.
        :raises ValueError: the table is not of the right shape (nothing is sent).
        """
        table = check_routing_table(routing_table)
        self._run(call("update_routing_table", _campaign(campaign_key), table))
