"""Pagination: lazy, complete, and resumable exactly where it failed."""

from __future__ import annotations

import pytest
import responses

from go_http import RetryPolicy
from go_http.contacts import ContactsApiClient
from go_http.exceptions import PagedException, ServerError
from tests.unit.conftest import BASE, TOKEN

URL = f"{BASE}/contacts/"


def page(keys: list[str], cursor: str | None) -> dict[str, object]:
    return {"cursor": cursor, "data": [{"key": k} for k in keys]}


def client() -> ContactsApiClient:
    return ContactsApiClient(TOKEN, api_url=BASE, retry=RetryPolicy(retries=0))


def add_pages(mock: responses.RequestsMock) -> None:
    # The last full page carries a cursor to an empty page, as the real server does.
    mock.get(
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2"})],
        json=page(["a", "b"], "c+1"),
    )
    mock.get(
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2", "cursor": "c+1"})],
        json=page(["c", "d"], "c2"),
    )
    mock.get(
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2", "cursor": "c2"})],
        json=page([], None),
    )


def test_iterates_every_page_including_empty_tail(mock_http: responses.RequestsMock) -> None:
    add_pages(mock_http)
    assert [c["key"] for c in client().contacts(page_size=2)] == ["a", "b", "c", "d"]
    assert len(mock_http.calls) == 3


def test_next_page_is_fetched_only_when_needed(mock_http: responses.RequestsMock) -> None:
    add_pages(mock_http)
    iterator = client().contacts(page_size=2)
    assert len(mock_http.calls) == 0
    next(iterator)
    next(iterator)
    assert len(mock_http.calls) == 1
    next(iterator)
    assert len(mock_http.calls) == 2


def test_failed_page_raises_paged_exception_that_resumes_without_gap_or_duplicate(
    mock_http: responses.RequestsMock,
) -> None:
    mock_http.get(
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2"})],
        json=page(["a", "b"], "c+1"),
    )
    mock_http.get(
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2", "cursor": "c+1"})],
        status=500,
        json={"status_code": 500, "reason": "Failed to retrieve objects."},
    )
    seen: list[str] = []
    with pytest.raises(PagedException) as info:
        seen.extend(c["key"] for c in client().contacts(page_size=2))
    assert seen == ["a", "b"]
    assert info.value.cursor == "c+1"
    assert isinstance(info.value.error, ServerError)
    assert repr(info.value) == str(info.value)
    assert str(info.value).startswith("<PagedException cursor='c+1' error=ServerError(")

    mock_http.replace(
        responses.GET,
        URL,
        match=[responses.matchers.query_param_matcher({"max_results": "2", "cursor": "c+1"})],
        json=page(["c"], None),
    )
    seen.extend(c["key"] for c in client().contacts(info.value.cursor, page_size=2))
    assert seen == ["a", "b", "c"]


def test_first_page_failure_has_no_cursor(mock_http: responses.RequestsMock) -> None:
    mock_http.get(URL, status=500, json={"status_code": 500, "reason": "boom"})
    with pytest.raises(PagedException) as info:
        list(client().contacts())
    assert info.value.cursor is None


def test_page_level_call_returns_items_and_cursor(mock_http: responses.RequestsMock) -> None:
    add_pages(mock_http)
    first = client().contacts_page(page_size=2)
    assert [c["key"] for c in first.items] == ["a", "b"]
    assert first.cursor == "c+1"


def test_default_page_size_is_1000(mock_http: responses.RequestsMock) -> None:
    mock_http.get(URL, json=page([], None))
    list(client().contacts())
    assert mock_http.calls[0].request.path_url.endswith("?max_results=1000")


def test_groups_and_group_contacts_iterate_pages(mock_http: responses.RequestsMock) -> None:
    mock_http.get(
        f"{BASE}/groups/",
        match=[responses.matchers.query_param_matcher({"max_results": "1000"})],
        json=page(["g1"], "n"),
    )
    mock_http.get(
        f"{BASE}/groups/",
        match=[responses.matchers.query_param_matcher({"max_results": "1000", "cursor": "n"})],
        json=page(["g2"], None),
    )
    mock_http.get(f"{BASE}/groups/g1/contacts", json=page(["x"], None))
    assert [g["key"] for g in client().groups()] == ["g1", "g2"]
    assert [c["key"] for c in client().group_contacts("g1", start_cursor=None)] == ["x"]


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_bad_page_size_is_rejected_before_any_request(
    mock_http: responses.RequestsMock, bad: object
) -> None:
    with pytest.raises(ValueError, match="page_size must be a positive integer"):
        client().contacts(page_size=bad)  # type: ignore[arg-type]
    assert len(mock_http.calls) == 0
