"""``go_http.contacts_io``: streaming export and CSV import, used directly as a library."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from go_http.contacts import ContactsApiClient
from go_http.contacts_io import (
    CSV_COLUMNS,
    ImportInterrupted,
    RowError,
    export_contacts,
    import_contacts,
)
from go_http.testing import SandboxAccount


@pytest.fixture
def client(go_sandbox: SandboxAccount) -> ContactsApiClient:
    return ContactsApiClient(go_sandbox.auth_token, go_sandbox.api_url)


def test_csv_export_has_fixed_columns_and_json_cells(client: ContactsApiClient) -> None:
    group = client.create_group({"name": "G"})
    client.create_contact(
        {"msisdn": "+27824440001", "name": "Naledi", "extra": {"a": "1"}, "groups": [group["key"]]}
    )
    client.create_contact({"msisdn": "+27824440002"})
    out = io.StringIO()
    seen: list[int] = []
    count = export_contacts(client, out, progress=seen.append, page_size=1)
    assert count == 2
    assert seen == [1, 2]
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_msisdn = {row["msisdn"]: row for row in rows}
    assert json.loads(by_msisdn["+27824440001"]["extra"]) == {"a": "1"}
    assert json.loads(by_msisdn["+27824440001"]["groups"]) == [group["key"]]
    assert by_msisdn["+27824440002"]["name"] == ""
    assert json.loads(by_msisdn["+27824440002"]["subscription"]) == {}


def test_jsonl_export_to_a_path(client: ContactsApiClient, tmp_path: Path) -> None:
    client.create_contact({"msisdn": "+27824440011", "surname": "Mokoena"})
    path = tmp_path / "out.jsonl"
    assert export_contacts(client, path, format="jsonl") == 1
    (line,) = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["surname"] == "Mokoena"


def test_export_rejects_unknown_format_before_writing(
    client: ContactsApiClient, tmp_path: Path
) -> None:
    path = tmp_path / "out.xml"
    with pytest.raises(ValueError, match="format"):
        export_contacts(client, path, format="xml")  # type: ignore[arg-type]
    assert not path.exists()


def test_import_creates_updates_and_reports_rows(client: ContactsApiClient) -> None:
    existing = client.create_contact({"msisdn": "+27824440021", "name": "Old"})
    source = io.StringIO(
        "msisdn,name,extra.language,subscription\n"
        "+27824440021,New,zu,\n"
        '+27824440022,Fresh,,"{""news"": ""daily""}"\n'
        "+27824440023,Broken,,[1]\n"
        "+27824440024,Too,many,cells,here\n"
    )
    progress: list[int] = []
    report = import_contacts(client, source, progress=progress.append)
    assert (report.created, report.updated, report.failed) == (1, 1, 2)
    assert progress == [1, 2, 3, 4]
    assert report.errors == [
        RowError(4, "+27824440023", "read", "column 'subscription' must hold a JSON dict"),
        RowError(5, "+27824440024", "read", "row has 5 cells, header has 4"),
    ]
    updated = client.get_contact(existing["key"])
    assert (updated["name"], updated["extra"]) == ("New", {"language": "zu"})
    created = client.get_contact(msisdn="+27824440022")
    assert created["subscription"] == {"news": "daily"}


def test_import_reports_server_refusals(client: ContactsApiClient) -> None:
    rows = [{"msisdn": "+27824440031", "name": "x" * 300}, {"msisdn": "+27824440032"}]
    report = import_contacts(client, rows)
    assert (report.created, report.failed) == (1, 1)
    (error,) = report.errors
    assert (error.row, error.action) == (2, "create")
    assert error.reason


def test_import_stops_at_refused_credentials(go_sandbox: SandboxAccount) -> None:
    bad = ContactsApiClient("not-a-token", go_sandbox.api_url)
    with pytest.raises(ImportInterrupted) as caught:
        import_contacts(bad, [{"msisdn": "+27824440041"}, {"msisdn": "+27824440042"}])
    assert caught.value.report.processed == 0


def test_import_rejects_unknown_columns_before_any_write(client: ContactsApiClient) -> None:
    with pytest.raises(ValueError, match="'phone'"):
        import_contacts(client, io.StringIO("phone,name\n+1,A\n"))
    with pytest.raises(ValueError, match="no 'msisdn' column"):
        import_contacts(client, io.StringIO("name\nA\n"))
    assert list(client.contacts()) == []
