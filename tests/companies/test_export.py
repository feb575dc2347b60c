"""The filtered company list as CSV for Swedish Excel and as .xlsx."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from crm.companies.columns import COMPANY_COLUMNS
from crm.companies.export import safe_cell
from crm.companies.models import CompanySni
from crm.extensions import db


def test_csv_is_utf8_with_bom_and_semicolons(client, login_as, factories):
    login_as("staff")
    company = factories.company(name="Åkeri Öst AB", org_number="556036-0793", district="Hamnen")
    company.sni_codes = [CompanySni(code="01110")]
    factories.company(name="Annat AB", district="Centrum")
    db.session.commit()
    response = client.get("/foretag/export.csv", query_string={"district": "Hamnen"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
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
