"""The registerutdrag of a contact person: every table that holds something about them, compared field by field
with what the test created; the notes that only mention them; the PDF; a bounded number of queries."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime

from crm.audit.mixins import record
from crm.companies.models import ObjectionScope
from crm.events.models import Answer, Attendance, DietaryNeed
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.followups.models import FollowUpStatus
from crm.inbox.models import KnownAddress
from crm.mail.models import OutboxMessage, OutboxStatus
from crm.meetings.models import NoteStatus
from crm.privacy.texts import privacy_text
from crm.retention.plan import described_plan
from crm.timeutil import local, utcnow

NAME = "Märta Lindqvist"
EMAIL = "marta.lindqvist@foretag.example"


def minute(value: datetime) -> str:
    return local(value).strftime("%Y-%m-%d %H:%M")


def build_person(factories, *, extra_meetings: int = 0, tag: str = ""):
    """A contact with data in every table: returns what the registerutdrag must show."""
    NAME, EMAIL = globals()["NAME"] + tag, tag + globals()["EMAIL"]  # noqa: N806
    staff = factories.user(role="staff", name="Handläggare Hansson")
    company = factories.company(name="Lindqvists Snickeri AB")
    contact = factories.contact(company, role="VD", name=NAME, email=EMAIL, phone="070-111 22 33",
                                opt_out_breakfasts=True, objection=True, objection_on=date(2026, 10, 1),
                                objection_scope=ObjectionScope.MAILINGS, objection_note="Ringde och bad om det.")
    link = contact.company_links[0]
    link.start_date = date(2024, 3, 1)
    first = factories.interaction(company, author=staff, contacts=[contact], note="Första versionen.", final=True)
    second = factories.interaction(company, author=staff, contacts=[contact], note="Andra versionen.",
                                   version=2, supersedes=first)
    draft = factories.interaction(company, author=staff, contacts=[contact], note="Ett utkast.")
    for n in range(extra_meetings):
        factories.interaction(company, author=staff, contacts=[contact], note=f"Extra {n}")
    visit = factories.booked_visit(company, contacts=[contact], summary="Bra besök.", purpose="Träffa VD.")
    from crm.visits.models import VisitNote

    visit_note = VisitNote(visit=visit, author=staff, text="Politikerns anteckning.")
    db.session.add(visit_note)
    from_meeting = factories.follow_up(interaction=draft, assignee=staff, description="Skicka broschyr.")
    from_visit = factories.follow_up(visit=visit, status=FollowUpStatus.DONE, description="Boka lokal.")
    unrelated = factories.follow_up(company, description="Inget med personen.")
    # Notes that only mention her: by name, by address; and one that mentions nobody.
    other_company = factories.company(name="Annat AB")
    mention_name = factories.interaction(other_company, note=f"Pratade om {NAME.upper()} och hennes planer.")
    mention_mail = factories.follow_up(other_company, description=f"Mejla {EMAIL} om mässan.")
    factories.interaction(other_company, note="Ingen särskild person.")
    # Events, registrations, networks, addresses, mails.
    event = factories.event(title="Frukost i december")
    invitation = factories.invitation(event, contact, answer=Answer.YES, answered_at=utcnow(),
                                      attendance=Attendance.ATTENDED)
    db.session.add(DietaryNeed(invitation=invitation, categories="vegetarisk", other="Inga nötter"))
    registration = Registration(event_id=event.id, name=NAME, email=EMAIL.upper(), company_name="Lindqvists",
                                dietary="vegansk", confirm_key=f"nyckel-{tag}", confirmed_at=utcnow())
    db.session.add(registration)
    network = factories.network(name="Snickarnätverket")
    membership = factories.member(network, contact, role="ordförande", starts_on=date(2025, 2, 1))
    alias = KnownAddress(contact_id=contact.id, email=f"marta{tag}@gmail.example")
    db.session.add(alias)
    sent = OutboxMessage(dedupe_key=f"prov:{tag}1", kind="event-request", status=OutboxStatus.SENT,
                         recipients=f"annan@example.se,{EMAIL}", subject="Inbjudan till frukost", message_id="<1@x>",
                         raw=b"", sent_at=utcnow())
    to_alias = OutboxMessage(dedupe_key=f"prov:{tag}2", kind="event-reminder", recipients=f"marta{tag}@gmail.example",
                             subject="Påminnelse", message_id="<2@x>", raw=b"")
    not_hers = OutboxMessage(dedupe_key=f"prov:{tag}3", kind="test", recipients=f"x{EMAIL}", subject="Inte till henne",
                             message_id="<3@x>", raw=b"")
    db.session.add_all([sent, to_alias, not_hers])
    db.session.flush()
    # The opt-out was set later by an edit: its date is the audit entry's.
    record(db.session.connection(), "update", "ContactPerson", contact.id, {"opt_out_networks": [False, True]})
    contact.opt_out_networks = True
    db.session.commit()
    return locals()


def get_json(client, contact_id: int, *chosen: str):
    query = "&".join(f"med={key}" for key in chosen)
    response = client.get(f"/kontaktpersoner/{contact_id}/registerutdrag.json" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def test_the_json_holds_every_piece(client, login_as, factories):
    login_as("staff")
    data = build_person(factories)
    contact = data["contact"]
    report = get_json(client, contact.id)

    person = {row["field"]: row["value"] for row in report["person"]}
    assert person["name"] == NAME and person["email"] == EMAIL and person["phone"] == "070-111 22 33"
    assert person["opt_out_breakfasts"] is True and person["opt_out_networks"] is True
    assert person["objection"] is True and person["objection_on"] == "2026-10-01"
    assert person["objection_scope"] == ObjectionScope.MAILINGS.label
    assert person["objection_note"] == "Ringde och bad om det."
    assert person["erased_at"] is None

    assert report["companies"] == [{"company": "Lindqvists Snickeri AB", "org_number": data["company"].org_number,
                                    "role": "VD", "start_date": "2024-03-01", "end_date": None}]

    meetings = {row["id"]: row for row in report["meetings"]}
    assert set(meetings) == {data["first"].id, data["second"].id, data["draft"].id}
    assert meetings[data["first"].id]["note"] == "Första versionen."
    assert meetings[data["first"].id]["status"] == NoteStatus.FINAL.label
    assert meetings[data["second"].id]["supersedes_id"] == data["first"].id
    assert meetings[data["second"].id]["version"] == 2
    assert meetings[data["draft"].id]["status"] == NoteStatus.DRAFT.label
    assert meetings[data["draft"].id]["created_by"] == "Handläggare Hansson"

    [visit] = report["visits"]
    assert visit["id"] == data["visit"].id and visit["summary"] == "Bra besök." and visit["purpose"] == "Träffa VD."
    assert visit["starts_at"] == minute(data["visit"].starts_at) and visit["company"] == "Lindqvists Snickeri AB"
    assert report["visit_notes"] == [{"visit_id": data["visit"].id, "created_at": minute(data["visit_note"].created_at),
                                      "author": "Handläggare Hansson", "text": "Politikerns anteckning."}]

    follow_ups = {row["id"]: row for row in report["follow_ups"]}
    assert set(follow_ups) == {data["from_meeting"].id, data["from_visit"].id}
    assert follow_ups[data["from_meeting"].id]["description"] == "Skicka broschyr."
    assert follow_ups[data["from_meeting"].id]["assignee"] == "Handläggare Hansson"
    assert follow_ups[data["from_visit"].id]["status"] == FollowUpStatus.DONE.label

    [invitation] = report["invitations"]
    assert invitation["event"] == "Frukost i december" and invitation["answer"] == Answer.YES.label
    assert invitation["attendance"] == Attendance.ATTENDED.label
    assert invitation["dietary"] == "vegetarisk" and invitation["dietary_other"] == "Inga nötter"
    assert invitation["answered_at"] == minute(data["invitation"].answered_at)

    [registration] = report["registrations"]
    assert registration["email"] == EMAIL.upper() and registration["dietary"] == "vegansk"
    assert registration["company_name"] == "Lindqvists"

    assert report["networks"] == [{"network": "Snickarnätverket", "role": "ordförande", "company": None,
                                   "starts_on": "2025-02-01", "ends_on": None}]
    assert [row["email"] for row in report["known_addresses"]] == ["marta@gmail.example"]

    mails = {row["subject"]: row for row in report["mails"]}
    assert set(mails) == {"Inbjudan till frukost", "Påminnelse"}
    from crm.privacy.report_events import mail_kind_label

    assert mails["Inbjudan till frukost"]["kind"] == mail_kind_label("event-request")
    assert mails["Inbjudan till frukost"]["date"] == minute(data["sent"].sent_at)

    mailings = report["mailings"]
    networks_row = next(row for row in mailings if "nätverk" in row["what"])
    assert networks_row["value"] is True and networks_row["since"] is not None
    objection_row = mailings[-1]
    assert objection_row["value"] is True and objection_row["since"] == "2026-10-01"
    assert objection_row["note"] == "Ringde och bad om det."

    records = {row["record"] for row in report["audit"]}
    assert f"Kontaktperson {contact.id}" in records
    assert f"Koppling till företag {data['link'].id}" in records
    assert f"Medlemskap i nätverk {data['membership'].id}" in records

    [origin] = report["origin"]
    assert origin["source"] == "Inmatad i systemet" and origin["at"]

    assert report["information"]["legal_basis"] == privacy_text("legal_basis")
    assert report["information"]["complaint"] == privacy_text("complaint")
    assert [line["text"] for line in report["retention"]] == [line.text for line in described_plan()]
    assert report["mentions"] == []  # none until the handläggare chooses them


def test_mentions_are_listed_and_only_chosen_ones_included(client, login_as, factories):
    login_as("staff")
    data = build_person(factories)
    contact = data["contact"]
    html = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag").get_data(as_text=True)
    by_name, by_mail = f"mote-{data['mention_name'].id}", f"uppfoljning-{data['mention_mail'].id}"
    assert f'value="{by_name}"' in html and f'value="{by_mail}"' in html
    assert html.count('name="med"') == 2  # linked notes and the note mentioning nobody are not listed
    assert f'formaction="/kontaktpersoner/{contact.id}/registerutdrag.json"' in html

    report = get_json(client, contact.id, by_mail)
    assert [(row["key"], row["text"]) for row in report["mentions"]] == [(by_mail, f"Mejla {EMAIL} om mässan.")]
    refused = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag.json?med=mote-999999")
    assert refused.status_code == 400 and "Okänd anteckning i urvalet" in refused.get_data(as_text=True)
    assert f'href="/kontaktpersoner/{contact.id}/registerutdrag"' in refused.get_data(as_text=True)
    unrelated = f"uppfoljning-{data['unrelated'].id}"
    assert client.get(f"/kontaktpersoner/{contact.id}/registerutdrag.json?med={unrelated}").status_code == 400


def test_the_pdf_is_tagged_with_title_and_chosen_notes(client, login_as, factories, tmp_path):
    login_as("staff")
    data = build_person(factories)
    contact = data["contact"]
    chosen = f"mote-{data['mention_name'].id}"
    response = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag.pdf?med={chosen}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "utdrag.pdf"
    path.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info or "Tagged: yes" in " ".join(info.split())
    assert f"Registerutdrag för {NAME}" in info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "PRATADE OM" not in text  # the note is in as written
    assert f"Pratade om {NAME.upper()}" in " ".join(text.split())
    assert "Mejla" not in text  # not chosen
    assert "Integritetsskyddsmyndigheten" in " ".join(text.split())


def test_an_erased_person_shows_as_erased(client, login_as, factories):
    login_as("staff")
    contact = factories.contact(name="Raderad person", email=None, erased_at=utcnow())
    db.session.commit()
    html = client.get(f"/kontaktpersoner/{contact.id}/registerutdrag").get_data(as_text=True)
    assert "Personen är raderad." in html
    report = get_json(client, contact.id)
    assert report["registerutdrag"]["erased"] is True
    assert "meetings" not in report


def test_the_import_is_named_as_the_source(client, login_as, factories, app, tmp_path):
    from tests.imports.helpers import csv_bytes, upload_job

    user = login_as("staff")
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    job = upload_job(csv_bytes([["Företagsnamn"], ["X AB"]]), filename="scb-2026.csv", created_by_id=user.id)
    contact = factories.contact(import_job_id=job.id)
    db.session.commit()
    [origin] = get_json(client, contact.id)["origin"]
    assert origin["source"] == "Import från fil" and origin["file"] == "scb-2026.csv" and origin["by"] == user.name


def test_query_count_at_two_sizes(client, login_as, factories, count_queries):
    login_as("staff")
    counts = []
    for size in (0, 8):
        contact = build_person(factories, extra_meetings=size, tag=str(size))["contact"]
        for n in range(size):
            event = factories.event(title=f"Träff {n}")
            factories.invitation(event, contact)
            factories.member(factories.network(), contact)
            factories.visit(factories.company(), contacts=[contact], summary=f"Besök {n}")
            factories.interaction(factories.company(), note=f"Nämnde {contact.name} igen ({n}).")
            factories.follow_up(factories.company(), description=f"Ring {contact.email} ({n}).")
        db.session.commit()
        with count_queries() as log:
            client.get(f"/kontaktpersoner/{contact.id}/registerutdrag")
        counts.append(log.count)
    assert counts[0] == counts[1], counts
