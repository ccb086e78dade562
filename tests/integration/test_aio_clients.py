"""Every async client method against the sandbox, over real loopback HTTP."""

from __future__ import annotations

import pytest

from go_http import RetryPolicy
from go_http.aio import (
    AsyncAccountApiClient,
    AsyncContactsApiClient,
    AsyncHttpApiSender,
    AsyncMetricsApiClient,
    AsyncOptOutsApiClient,
)
from go_http.exceptions import (
    ApiConnectionError,
    ConflictError,
    JsonRpcException,
    NotFoundError,
    PagedException,
    UserOptedOutException,
)
from go_http.testing import SandboxAccount


def contacts_client(account: SandboxAccount) -> AsyncContactsApiClient:
    return AsyncContactsApiClient(account.auth_token, api_url=account.api_url)


def sender_for(account: SandboxAccount) -> AsyncHttpApiSender:
    return AsyncHttpApiSender(
        account.account_key,
        account.conversation_key,
        account.conversation_token,
        api_url=account.send_url,
    )


async def test_contact_lifecycle(go_sandbox: SandboxAccount) -> None:
    async with contacts_client(go_sandbox) as client:
        created = await client.create_contact({"msisdn": "+27821234567", "name": "Thandi"})
        key = created["key"]
        assert (await client.get_contact(key))["name"] == "Thandi"
        assert (await client.get_contact(msisdn="+27821234567"))["key"] == key
        updated = await client.update_contact(key, {"surname": "Nkosi"})
        assert (updated["name"], updated["surname"]) == ("Thandi", "Nkosi")
        assert (await client.delete_contact(key))["key"] == key
        with pytest.raises(NotFoundError):
            await client.get_contact(key)
        with pytest.raises(NotFoundError):
            await client.get_contact(msisdn="+27821234567")


async def test_listings_cover_every_page(go_sandbox: SandboxAccount) -> None:
    async with contacts_client(go_sandbox) as client:
        static = await client.create_group({"name": "Static"})
        smart = await client.create_group({"name": "Zulu", "query": "extras-lang:zu"})
        keys = set()
        for i in range(7):
            contact = await client.create_contact(
                {"msisdn": f"+2782000{i:04d}", "groups": [static["key"]], "extra": {"lang": "zu"}}
            )
            keys.add(contact["key"])
        for prefetch in (True, False):
            seen = [c["key"] async for c in client.contacts(page_size=3, prefetch=prefetch)]
            assert sorted(seen) == sorted(keys)
        members = [c["key"] async for c in client.group_contacts(static["key"], page_size=2)]
        assert sorted(members) == sorted(keys)
        matches = [c["key"] async for c in client.group_contacts(smart["key"], page_size=4)]
        assert sorted(matches) == sorted(keys)
        groups = {g["key"] async for g in client.groups(page_size=1)}
        assert groups == {static["key"], smart["key"]}
        page = await client.contacts_page(page_size=5)
        assert len(page.items) == 5
        assert page.cursor is not None
        assert len((await client.groups_page()).items) == 2
        assert len((await client.group_contacts_page(static["key"], page_size=10)).items) == 7
        assert (await client.get_group(smart["key"]))["query"] == "extras-lang:zu"
        renamed = await client.update_group(static["key"], {"name": "Renamed"})
        assert renamed["name"] == "Renamed"
        assert (await client.delete_group(static["key"]))["key"] == static["key"]
        with pytest.raises(NotFoundError):
            await client.get_group(static["key"])


async def test_listing_failure_resumes_after_last_item(go_sandbox: SandboxAccount) -> None:
    async with contacts_client(go_sandbox) as client:
        for i in range(8):
            await client.create_contact({"msisdn": f"+2783000{i:04d}"})
        seen: list[str] = []

        async def collect() -> None:
            async for contact in client.contacts(page_size=3):
                seen.append(contact["key"])
                if len(seen) == 3:
                    # From now on the server refuses this client; whether page 2 was
                    # already prefetched or not, the failure names the page to resume at.
                    headers = client._transport._headers.copy()
                    headers["Authorization"] = "Bearer wrong"
                    client._transport._headers = headers  # type: ignore[assignment]

        with pytest.raises(PagedException) as info:
            await collect()
        assert len(seen) in (3, 6)
        assert info.value.cursor is not None
    async with contacts_client(go_sandbox) as client:
        async for contact in client.contacts(info.value.cursor, page_size=3):
            seen.append(contact["key"])
    assert len(seen) == len(set(seen)) == 8


async def test_optouts_round_trip(go_sandbox: SandboxAccount) -> None:
    async with AsyncOptOutsApiClient(go_sandbox.auth_token, api_url=go_sandbox.api_url) as opt:
        assert await opt.count() == 0
        assert await opt.get_optout("msisdn", "+27821234567") is None
        record = await opt.set_optout("msisdn", "+27821234567")
        assert record["address"] == "+27821234567"
        with pytest.raises(ConflictError):
            await opt.set_optout("msisdn", "+27821234567")
        assert await opt.count() == 1
        assert await opt.delete_optout("msisdn", "+27821234567") is not None
        assert await opt.delete_optout("msisdn", "+27821234567") is None


async def test_metrics_round_trip(go_sandbox: SandboxAccount) -> None:
    async with AsyncMetricsApiClient(go_sandbox.auth_token, api_url=go_sandbox.api_url) as m:
        fired = await m.fire({"stores.default.answers.sum": 2})
        assert [f["name"] for f in fired] == ["stores.default.answers.sum"]
        await m.fire({"stores.default.answers.sum": 3})
        series = await m.get_metric("stores.default.answers.sum", "-1h", "1h", "omit")
        assert [p["y"] for p in series["stores.default.answers.sum"]] == [5.0]


async def test_account_round_trip(go_sandbox: SandboxAccount) -> None:
    key = go_sandbox.account_key
    async with AsyncAccountApiClient(go_sandbox.auth_token, api_url=go_sandbox.api_url) as rpc:
        assert await rpc.campaigns() == [{"key": key, "name": "Your Campaign"}]
        conversations = await rpc.conversations(key)
        assert go_sandbox.conversation_key in [c["uuid"] for c in conversations]
        assert await rpc.channels(key)
        assert await rpc.routers(key)
        table = await rpc.routing_table(key)
        assert table["routing_entries"] == await rpc.routing_entries(key)
        first = table["routing_entries"][:1]
        await rpc.update_routing_table(key, {**table, "routing_entries": first})
        assert await rpc.routing_entries(key) == first
        with pytest.raises(JsonRpcException):
            await rpc.conversations("not-my-account")


async def test_sender_round_trip(go_sandbox: SandboxAccount) -> None:
    inbound = go_sandbox.inject_inbound("+27820000009", "hi")
    async with sender_for(go_sandbox) as sender:
        sent = await sender.send_text("+27820000001", "hello")
        assert sent["to_addr"] == "+27820000001"
        await sender.send_voice("+27820000002", "speak", speech_url="http://x/y.ogg")
        reply = await sender.reply(inbound["message_id"], "re", session_event="close")
        assert reply["to_addr"] == "+27820000009"
        assert (await sender.fire_metric("pings", 1.0, "sum"))["success"] is True
        async with AsyncOptOutsApiClient(go_sandbox.auth_token, api_url=go_sandbox.api_url) as opt:
            await opt.set_optout("msisdn", "+27820000003")
        with pytest.raises(UserOptedOutException) as info:
            await sender.send_text("+27820000003", "blocked")
        assert info.value.to_addr == "+27820000003"
    contents = [m["content"] for m in go_sandbox.outbound_messages()]
    assert contents == ["hello", "speak", "re"]


async def test_connection_refused_is_not_sent(go_sandbox: SandboxAccount) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = AsyncHttpApiSender(
        "acc",
        "conv",
        "tok",
        api_url=f"http://127.0.0.1:{port}/api/v1/go/http_api_nostream",
        retry=RetryPolicy(retries=0),
    )
    async with sender:
        with pytest.raises(ApiConnectionError) as info:
            await sender.send_text("+27820000001", "x")
    assert info.value.request_sent is False
    assert "tok" not in str(info.value)
