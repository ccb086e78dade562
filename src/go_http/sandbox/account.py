"""Account JSON-RPC API (spec §2), framed like txJSON-RPC 0.3.1."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from go_http.sandbox.pyrepr import py2_repr
from go_http.sandbox.web import (
    BodyTooLarge,
    InvalidJson,
    bearer_account,
    decode_json,
    json_response,
    read_body,
    sandbox_of,
)

#: txJSON-RPC 0.3.1 answered with this content type.
CONTENT_TYPE = "text/json"


class Fault(Exception):
    """An RPC fault: ``{"fault": name, "faultCode": code, "faultString": text}``."""

    def __init__(self, code: int, text: str, name: str = "Fault") -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.name = name

    def as_error(self) -> dict[str, Any]:
        """The ``error`` member of the response."""
        return {"fault": self.name, "faultCode": self.code, "faultString": self.text}


def _bad_params() -> Fault:
    # The real server turned every signature failure into this opaque fault.
    return Fault(8002, "error")


# -- parameter shapes ----------------------------------------------------------------------

Check = Callable[[Any], bool]


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _list_of(check: Check) -> Check:
    return lambda value: isinstance(value, list) and all(check(item) for item in value)


def _obj(**members: Check) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, dict) and all(
            name in value and ok(value[name]) for name, ok in members.items()
        )

    return check


_endpoint = _obj(uuid=_str, name=_str)
_channel = _obj(
    uuid=_str,
    tag=lambda v: isinstance(v, list) and len(v) == 2 and all(map(_str, v)),
    name=_str,
    description=_str,
    endpoints=_list_of(_endpoint),
)
_conversation = _obj(
    uuid=_str, type=_str, name=_str, description=_str, status=_str, endpoints=_list_of(_endpoint)
)
_router = _obj(
    uuid=_str,
    type=_str,
    name=_str,
    description=_str,
    status=_str,
    channel_endpoints=_list_of(_endpoint),
    conversation_endpoints=_list_of(_endpoint),
)
_entry = _obj(source=_obj(uuid=_str), target=_obj(uuid=_str))
_table_shape = _obj(
    channels=_list_of(_channel),
    routers=_list_of(_router),
    conversations=_list_of(_conversation),
    routing_entries=_list_of(_entry),
)


# -- object builders -----------------------------------------------------------------------


def _endpoints(connector: str, names: list[str]) -> list[dict[str, str]]:
    return [{"uuid": f"{connector}::{name}", "name": name} for name in names]


def _conversations(conn: sqlite3.Connection, account_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM conversations WHERE account_key = ? AND archived = 0 ORDER BY rowid",
        (account_key,),
    ).fetchall()
    result = []
    for row in rows:
        extra = json.loads(row["config"]).get("extra_endpoints", [])
        connector = f"CONVERSATION:{row['type']}:{row['key']}"
        result.append(
            {
                "uuid": row["key"],
                "type": row["type"],
                "name": row["name"],
                "description": row["description"],
                "status": row["status"],
                "endpoints": _endpoints(connector, ["default", *extra]),
            }
        )
    return result


def _channels(conn: sqlite3.Connection, account_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT pool, tag FROM channels WHERE account_key = ? ORDER BY pool, tag", (account_key,)
    ).fetchall()
    return [
        {
            "uuid": f"{row['pool']}:{row['tag']}",
            "tag": [row["pool"], row["tag"]],
            "name": row["tag"],
            "description": f"{row['pool'].replace('_', ' ').title()}: {row['tag']}",
            "endpoints": _endpoints(f"TRANSPORT_TAG:{row['pool']}:{row['tag']}", ["default"]),
        }
        for row in rows
    ]


def _routers(conn: sqlite3.Connection, account_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM routers WHERE account_key = ? AND archived = 0 ORDER BY rowid",
        (account_key,),
    ).fetchall()
    result = []
    for row in rows:
        connector = f"ROUTER:{row['type']}:{row['key']}"
        extra = json.loads(row["extra_conversation_endpoints"])
        result.append(
            {
                "uuid": row["key"],
                "type": row["type"],
                "name": row["name"],
                "description": row["description"],
                "status": row["status"],
                "channel_endpoints": _endpoints(f"{connector}:INBOUND", ["default"]),
                "conversation_endpoints": _endpoints(f"{connector}:OUTBOUND", ["default", *extra]),
            }
        )
    return result


def _routing_entries(conn: sqlite3.Connection, account_key: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT source, target FROM routing_entries WHERE account_key = ? ORDER BY id",
        (account_key,),
    ).fetchall()
    return [{"source": {"uuid": r["source"]}, "target": {"uuid": r["target"]}} for r in rows]


def _routing_table(conn: sqlite3.Connection, account_key: str) -> dict[str, Any]:
    return {
        "channels": _channels(conn, account_key),
        "routers": _routers(conn, account_key),
        "conversations": _conversations(conn, account_key),
        "routing_entries": _routing_entries(conn, account_key),
    }


def check_routing_entries(table: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Validate submitted entries against the account's own endpoints (§2.6).

    :param table: the account's current routing table (its object lists are used).
    :param entries: the submitted ``routing_entries``.
    :raises Fault: ``InvalidRoutingTable`` 400 for the first bad entry.
    """
    outbound_receivers = {e["uuid"] for c in table["channels"] for e in c["endpoints"]}
    outbound_receivers |= {
        e["uuid"] for r in table["routers"] for e in r["conversation_endpoints"]
    }
    inbound_receivers = {e["uuid"] for c in table["conversations"] for e in c["endpoints"]}
    inbound_receivers |= {e["uuid"] for r in table["routers"] for e in r["channel_endpoints"]}
    for entry in entries:
        source, target = entry["source"], entry["target"]
        if source["uuid"] in outbound_receivers:
            if target["uuid"] not in inbound_receivers:
                raise Fault(
                    400,
                    f"Source outbound-receiving endpoint {py2_repr(source)} should link to an "
                    f"inbound-receiving endpoint but links to {py2_repr(target)}",
                    "InvalidRoutingTable",
                )
        elif source["uuid"] in inbound_receivers:
            if target["uuid"] not in outbound_receivers:
                raise Fault(
                    400,
                    f"Source inbound-receiving endpoint {py2_repr(source)} should link to an "
                    f"outbound-receiving endpoint but links to {py2_repr(target)}",
                    "InvalidRoutingTable",
                )
        else:
            raise Fault(400, f"Unknown source endpoint {py2_repr(source)}", "InvalidRoutingTable")


# -- methods -------------------------------------------------------------------------------


class Call:
    """One RPC call: the caller's account and a database connection."""

    def __init__(self, conn: sqlite3.Connection, account_key: str) -> None:
        self.conn = conn
        self.account_key = account_key

    def campaign(self, params: list[Any], arity: int) -> list[Any]:
        """Check ``params`` is ``[campaign_key, …]`` of ``arity`` items with our key."""
        if len(params) != arity or not isinstance(params[0], str):
            raise _bad_params()
        if params[0] != self.account_key:
            raise Fault(404, "Unknown campaign key.", "GoApiError")
        return params

    def _conversation_config(self, conversation_key: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(conversation_key, str):
            raise _bad_params()
        row = self.conn.execute(
            "SELECT config FROM conversations WHERE key = ? AND account_key = ?",
            (conversation_key, self.account_key),
        ).fetchone()
        if row is None:
            raise Fault(404, "Unknown conversation key.", "GoApiError")
        config: dict[str, Any] = json.loads(row["config"])
        return conversation_key, config


def _campaigns(call: Call, params: list[Any]) -> Any:
    if params:
        raise _bad_params()
    return [{"key": call.account_key, "name": "Your Campaign"}]


def _lister(build: Callable[[sqlite3.Connection, str], Any]) -> Callable[[Call, list[Any]], Any]:
    def method(call: Call, params: list[Any]) -> Any:
        call.campaign(params, 1)
        return build(call.conn, call.account_key)

    return method


def _update_routing_table(call: Call, params: list[Any]) -> Any:
    if len(params) != 2 or not isinstance(params[0], str) or not _table_shape(params[1]):
        raise _bad_params()
    call.campaign(params, 2)
    entries = params[1]["routing_entries"]
    check_routing_entries(_routing_table(call.conn, call.account_key), entries)
    call.conn.execute("DELETE FROM routing_entries WHERE account_key = ?", (call.account_key,))
    call.conn.executemany(
        "INSERT INTO routing_entries (account_key, source, target) VALUES (?, ?, ?)",
        [(call.account_key, e["source"]["uuid"], e["target"]["uuid"]) for e in entries],
    )
    return None


def _get_poll(call: Call, params: list[Any]) -> Any:
    call.campaign(params, 2)
    if params[1] is None:
        return {"poll": {}}
    _, config = call._conversation_config(params[1])
    return {"poll": config.get("poll", {})}


def _save_poll(call: Call, params: list[Any]) -> Any:
    call.campaign(params, 3)
    key, config = call._conversation_config(params[1])
    if not isinstance(params[2], dict) or not isinstance(params[2].get("poll"), dict):
        raise _bad_params()
    config["poll"] = params[2]["poll"]
    call.conn.execute(
        "UPDATE conversations SET config = ? WHERE key = ?", (json.dumps(config), key)
    )
    return {"saved": True}


Method = Callable[[Call, list[Any]], Any]

#: The handler tree: dotted names descend into sub-handlers, as in txJSON-RPC.
METHODS: dict[str, Any] = {
    "campaigns": _campaigns,
    "conversations": _lister(_conversations),
    "channels": _lister(_channels),
    "routers": _lister(_routers),
    "routing_entries": _lister(_routing_entries),
    "routing_table": _lister(_routing_table),
    "update_routing_table": _update_routing_table,
    "conversation": {"dialogue": {"get_poll": _get_poll, "save_poll": _save_poll}},
    "system": {},
}

_SIGNATURES: dict[str, list[list[str]]] = {
    "campaigns": [["array"]],
    "conversations": [["array", "string"]],
    "channels": [["array", "string"]],
    "routers": [["array", "string"]],
    "routing_entries": [["array", "string"]],
    "routing_table": [["struct", "string"]],
    "update_routing_table": [["null", "string", "struct"]],
    "conversation.dialogue.get_poll": [["struct", "string", "string"]],
    "conversation.dialogue.save_poll": [["struct", "string", "string", "struct"]],
}


def _method_names() -> list[str]:
    return sorted([*_SIGNATURES, "system.listMethods", "system.methodHelp",
                   "system.methodSignature"])  # fmt: skip


def _named(params: list[Any]) -> str:
    if len(params) != 1 or not isinstance(params[0], str):
        raise _bad_params()
    if params[0] not in _method_names():
        raise Fault(-32601, f"function {params[0]} not found", "NoSuchFunction")
    return params[0]


METHODS["system"] = {
    "listMethods": lambda call, params: _method_names(),
    "methodHelp": lambda call, params: f"{_named(params)}: see the Vumi Go account API.",
    "methodSignature": lambda call, params: _SIGNATURES.get(_named(params), [["array"]]),
}


def find_method(name: str) -> Method:
    """Resolve a dotted method name like txJSON-RPC did.

    :raises Fault: ``NoSuchFunction`` with the library's wording.
    """
    handler: Any = METHODS
    path = name
    while "." in path:
        prefix, path = path.split(".", 1)
        child = handler.get(prefix)
        if not isinstance(child, dict):
            raise Fault(-32601, f"no such sub-handler {prefix}", "NoSuchFunction")
        handler = child
    method = handler.get(path)
    if method is None:
        raise Fault(-32601, f"function {path} not found", "NoSuchFunction")
    if not callable(method):
        raise Fault(-32604, f"function {path} not callable", "NoSuchFunction")
    result: Method = method
    return result


def _run(args: tuple[Any, str, Method, list[Any]]) -> Any:
    store, account_key, method, params = args
    with store.write() as conn:
        return method(Call(conn, account_key), params)


def _frame(request_body: Any, result: Any, fault: Fault | None) -> Any:
    """Frame an outcome: 0.3.1 style, or the bare pre-1.0 style (§2.3)."""
    modern = isinstance(request_body, dict) and (
        "jsonrpc" in request_body or bool(request_body.get("id"))
    )
    if modern:
        return {
            "result": None if fault else result,
            "error": fault.as_error() if fault else None,
            "id": None,
        }
    return fault.as_error() if fault else [result]


def unauthorized() -> Response:
    """401 with both realms, as the Go API answered."""
    response = PlainTextResponse("Unauthorized", status_code=401)
    response.headers.append("WWW-Authenticate", 'basic realm="Vumi Go API"')
    response.headers.append("WWW-Authenticate", 'bearer realm="Vumi Go API"')
    return response


async def rpc_endpoint(request: Request) -> Response:
    """``POST /api/`` (and ``/api``)."""
    account_key = await bearer_account(request)
    if account_key is None:
        return unauthorized()
    if request.method != "POST":
        return PlainTextResponse("Method Not Allowed", status_code=405)
    try:
        raw = await read_body(request)
    except BodyTooLarge as exc:
        # Where the real server crashed, answer a clear fault instead.
        return json_response(_frame({"jsonrpc": ""}, None, Fault(-32600, str(exc))), 413,
                             CONTENT_TYPE)  # fmt: skip
    try:
        body = decode_json(raw)
    except InvalidJson as exc:
        parse_fault = Fault(-32700, f"Parse error: {exc}")
        return json_response(_frame({"jsonrpc": ""}, None, parse_fault), 200, CONTENT_TYPE)
    result: Any = None
    fault: Fault | None = None
    try:
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            raise Fault(-32600, "Invalid request: expected an object with a string 'method'")
        if "params" not in body:
            raise Fault(-32602, "Invalid params: 'params' (a JSON array) is required")
        params = body["params"]
        if isinstance(params, dict):
            params = list(params)  # txJSON-RPC unpacked an object as its key names
        if not isinstance(params, list):
            raise _bad_params()
        method = find_method(body["method"])
        store = sandbox_of(request).store
        result = await run_in_threadpool(_run, (store, account_key, method, params))
    except Fault as exc:
        fault = exc
    except Exception:
        fault = Fault(8002, "error")
    return json_response(_frame(body, result, fault), 200, CONTENT_TYPE)
