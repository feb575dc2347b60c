"""The record of processing (art. 30): generated from the plan, the texts and the configuration; printable."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy import insert

from crm.extensions import db
from crm.privacy.models import PrivacyText
from crm.retention.models import RetentionRule
from crm.retention.plan import described_plan
from tests.conftest import login

URL = "/admin/integritet/behandlingar"


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _safeguards(html: str) -> str:
    return re.search(r'<dl class="facts" id="skyddsatgarder">(.*?)</dl>', html, re.S).group(1)


def test_the_record_shows_every_line_of_the_gallring_plan(app, client, users):
    login(client, users["admin"])
    html = _page(client)
    plan = re.search(r'<table id="gallringsplan">(.*?)</table>', html, re.S).group(1)
    lines = described_plan()
    assert lines and plan.count("<tr>") == len(lines) + 1
    for line in lines:
        assert f'<th scope="row">{line.label}</th><td>{line.text}</td>' in plan
    first = lines[0]
    db.session.execute(insert(RetentionRule.__table__).values(kind=first.kind, keep=True, amount=0))
    db.session.commit()
    changed = re.search(r'<table id="gallringsplan">(.*?)</table>', _page(client), re.S).group(1)
    assert f'<th scope="row">{first.label}</th><td>Bevaras</td>' in changed


def test_the_record_has_the_texts_categories_and_transfers(app, client, users, factories):
    company = factories.company()
    factories.contact(company)
    factories.company(org_number="850101-0007")  # a sole trader: a personnummer
    db.session.add(PrivacyText(key="controller", text="Kommunstyrelsen i Åbyvik. Dataskyddsombud: dso@abyvik.example"))
    db.session.commit()
    login(client, users["admin"])
    html = _page(client)
    assert "Dataskyddsombud: dso@abyvik.example" in html
    for heading in ("Ändamål", "Rättslig grund", "Kategorier av registrerade", "Kategorier av personuppgifter",
                    "Mottagare", "Överföring till tredje land", "Hur länge uppgifterna sparas",
                    "Tekniska och organisatoriska skyddsåtgärder"):
        assert f">{heading}</h2>" in html
    for who in ("Kontaktpersoner på företag", "Enskilda näringsidkare", "Gäster som anmäler sig själva",
                "Kommunens egna användare"):
        assert f'<th scope="row">{who}</th>' in html
    assert re.search(r'<th scope="row">Enskilda näringsidkare</th><td>[^<]*</td><td class="num">1</td>', html)
    assert re.search(r'<th scope="row">Kommunens egna användare</th><td>[^<]*</td><td class="num">4</td>', html)
    assert "Specialkost (hälsouppgifter)" in html and "raderas automatiskt efter evenemanget" in html
    assert "Systemet för inte över personuppgifter till länder utanför EU/EES." in html


def test_the_safeguards_follow_the_configuration_and_never_show_secrets(app, client, users):
    login(client, users["admin"])
    assert "Ingen e-postserver är inställd" in _safeguards(_page(client))
    app.config.update(MAIL_SERVER="smtp.kommun.example", MAIL_PORT=587, MAIL_SECURITY="starttls",
                      MAIL_USERNAME="crm", MAIL_PASSWORD="hemligt-lösen-42", SESSION_IDLE_SECONDS=2 * 3600,
                      SESSION_MAX_SECONDS=3 * 86400, IMAP_HOST="imap.kommun.example",
                      IMAP_PASSWORD="imap-hemlis-99", BACKUP_FOLDER="/srv/backup/crm")
    safeguards = _safeguards(_page(client))
    assert "e-postservern smtp.kommun.example, port 587, krypterad med STARTTLS" in safeguards
    assert "efter 2 timmar utan aktivitet och senast 3 dygn efter inloggningen" in safeguards
    assert "imap.kommun.example" in safeguards and "/srv/backup/crm" in safeguards
    app.config["MAIL_SECURITY"] = "none"
    html = _page(client)
    assert "okrypterad (ingen TLS är inställd)" in _safeguards(html)
    for secret in ("hemligt-lösen-42", "imap-hemlis-99", app.config["SECRET_KEY"]):
        assert secret not in html
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    kind = "SQLite" if database.startswith("sqlite") else "PostgreSQL"
    assert kind in _safeguards(html)
    password = re.search(r"://[^:/@]+:([^@]+)@", database)
    if password:
        assert password.group(1) not in html
    assert "Lösenord, lagrade som hashvärden" in _safeguards(html)
    app.config.update(OIDC_ISSUER="https://login.kommun.example", OIDC_CLIENT_ID="crm-klient",
                      OIDC_CLIENT_SECRET="oidc-hemlis-7")
    html = _page(client)
    assert "Enkel inloggning via kommunens identitetsleverantör (OIDC)" in _safeguards(html)
    assert "oidc-hemlis-7" not in html and "Lösenord, lagrade som hashvärden" not in html


def test_print_leaves_the_navigation_out(app, client, users):
    login(client, users["admin"])
    html = _page(client)
    assert '<header class="site-header">' in html and 'class="actions form-actions"' in html
    css = (Path(app.static_folder) / "css" / "app.css").read_text()
    hidden_in_print = " ".join(re.findall(r"@media print\s*{([^@]*?)}\s*}", css + "}", re.S))
    assert ".site-header" in hidden_in_print and ".form-actions" in hidden_in_print


def test_the_pdf_is_tagged(client, users, tmp_path):
    login(client, users["admin"])
    response = client.get(URL + ".pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "behandlingar.pdf"
    path.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    assert "Register över behandlingar" in info


def test_the_menu_marks_the_record_and_not_the_registerutdrag_beside_it(client, users):
    login(client, users["admin"])
    html = _page(client)
    assert f'<a href="{URL}" aria-current="page">Behandlingar</a>' in html
    assert html.count('aria-current="page"') == 1
    requests = client.get("/registerutdrag/").get_data(as_text=True)
    assert f'<a href="{URL}">Behandlingar</a>' in requests
    assert requests.count('aria-current="page"') == 1
