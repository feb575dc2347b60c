"""The filtered company list as CSV for Swedish Excel and as .xlsx."""

from __future__ import annotations

import csv
import io
import threading

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import insert, text
from werkzeug.serving import make_server

from crm.companies.columns import COMPANY_COLUMNS
from crm.companies.export import safe_cell
from crm.companies.models import SIZE_CLASSES, Company, CompanySni, Tag, company_tags
from crm.extensions import db
from crm.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.support.factories import valid_org_number
from tests.support.pgserver import free_port


def test_csv_is_utf8_with_bom_and_semicolons(client, login_as, factories):
    login_as("staff")
    company = factories.company(name="Åkeri Öst AB", org_number="556036-0793", district="Hamnen")
    company.sni_codes = [CompanySni(code="01110")]
    factories.company(name="Annat AB", district="Centrum")
    db.session.commit()
    response = client.get("/foretag/export.csv", query_string={"district": "Hamnen"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [column.header for column in COMPANY_COLUMNS]
    assert len(rows) == 2, "the filter applies to the export"
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Företagsnamn"] == "Åkeri Öst AB" and row["SNI-koder"] == "01110"
    assert row["Organisationsnummer"] == "556036-0793"


def test_sole_trader_is_masked_in_exports(client, login_as, factories):
    login_as("staff")
    factories.company(name="Enskild Firma", org_number="640823-3234")
    db.session.commit()
    csv_body = client.get("/foretag/export.csv").get_data().decode("utf-8-sig")
    assert "640823-****" in csv_body and "640823-3234" not in csv_body
    workbook = load_workbook(io.BytesIO(client.get("/foretag/export.xlsx").get_data()))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert "640823-****" in values and "640823-3234" not in values


def test_xlsx_has_the_same_rows(client, login_as, factories):
    login_as("organizer")
    for i in range(3):
        factories.company(name=f"Excel {i} AB")
    db.session.commit()
    response = client.get("/foretag/export.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Företagsnamn"
    assert sorted(row[1] for row in rows[1:]) == ["Excel 0 AB", "Excel 1 AB", "Excel 2 AB"]


def test_formulas_are_neutralised(client, login_as, factories):
    login_as("staff")
    factories.company(name="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    sheet = load_workbook(io.BytesIO(client.get("/foretag/export.xlsx").get_data())).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["'=HYPERLINK(\"http://evil\")"]
    assert safe_cell("-1") == "'-1" and safe_cell("Bra AB") == "Bra AB"


def test_politician_cannot_export(client, login_as):
    login_as("politician")
    assert client.get("/foretag/export.csv").status_code == 403


# --- The whole register through a real server -----------------------------------------------------

LARGE = 10_000


@pytest.fixture
def served(app):
    """The app on 127.0.0.1 in a threaded werkzeug server, as `make run` serves it; yields its base URL."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="export-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def bulk_register(count: int, owner_id: int) -> None:
    """`count` companies with SNI codes, tags and the new SCB fields, inserted with Core in a few statements."""
    tag_ids = _insert_ids(Tag.__table__, [{"name": "Medtech"}, {"name": "Åkeri"}])
    companies = [
        {
            "id": n, "name": f"Företag {n:05d} AB", "name_key": f"foretag {n:05d}",
            "org_number": valid_org_number(n) if n % 7 else None, "legal_form": "Övriga aktiebolag",
            "size_class": str(n % 16), "district": ("Hamnen", "Centrum", None)[n % 3],
            "email": f"info{n}@foretag.se" if n % 2 else None, "ad_block": n % 5 == 0,
            "cfar_number": f"{n:08d}", "municipality": "0181 Södertälje", "status": "aktiv",
            "owner_id": owner_id if n % 4 == 0 else None, "visiting_postcode": "151 31",
            "created_at": utcnow(), "updated_at": utcnow(),
        }
        for n in range(1, count + 1)
    ]
    db.session.execute(insert(Company.__table__), companies)
    db.session.execute(insert(CompanySni.__table__), [
        {"company_id": n, "code": code, "division": code[:2], "version": "SNI 2007", "position": position}
        for n in range(1, count + 1) for position, code in enumerate(("01110", "62010")[: 1 + n % 2])
    ])
    db.session.execute(insert(company_tags), [
        {"company_id": n, "tag_id": tag_ids[n % 2]} for n in range(1, count + 1) if n % 3 == 0
    ])
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('companies', 'id'), :n)"), {"n": count})
    db.session.commit()


def _insert_ids(table, rows: list[dict]) -> list[int]:
    ids = [db.session.execute(insert(table).values(**row)).inserted_primary_key[0] for row in rows]
    db.session.flush()
    return ids


def logged_in(base_url: str, user) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base_url}/logga-in", data={"email": user.email, "password": PASSWORD},
                            allow_redirects=False)
    assert response.status_code == 302
    return session


@pytest.mark.large  # 10,000 companies through a real threaded HTTP server
def test_csv_streams_the_whole_register_over_http_and_matches_the_xlsx(served, users):
    bulk_register(LARGE, users["staff"].id)
    session = logged_in(served, users["organizer"])
    response = session.get(f"{served}/foretag/export.csv", stream=True, timeout=120)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8", "the charset is named once"
    body = b"".join(response.iter_content(chunk_size=65536))
    assert body.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(csv_rows) == LARGE + 1, "every company, after the header"

    xlsx = session.get(f"{served}/foretag/export.xlsx", timeout=120)
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    xlsx_rows = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert csv_rows == xlsx_rows, "the CSV and the XLSX have the same rows in the same order"

    headers = csv_rows[0]
    first = dict(zip(headers, csv_rows[1], strict=True))
    assert first["Företagsnamn"] == "Företag 00001 AB"
    assert first["SNI-koder"] == "01110, 62010"
    assert first["Storleksklass"] == SIZE_CLASSES["1"]
    assert (first["Företagets e-post"], first["Reklamspärr"], first["CFAR-nummer"], first["Kommun"]) == (
        "info1@foretag.se", "nej", "00000001", "0181 Södertälje",
    )
    blocked = dict(zip(headers, csv_rows[5], strict=True))
    assert blocked["Företagsnamn"] == "Företag 00005 AB" and blocked["Reklamspärr"] == "ja"


def test_a_filtered_csv_over_http_has_only_the_filtered_rows(served, users):
    bulk_register(30, users["staff"].id)
    session = logged_in(served, users["staff"])
    body = session.get(f"{served}/foretag/export.csv", params={"district": "Hamnen"}, timeout=30).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 1 + 10
    assert {row[rows[0].index("Kommundel")] for row in rows[1:]} == {"Hamnen"}
