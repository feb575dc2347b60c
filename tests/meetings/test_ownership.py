"""A draft belongs to its author until it is finalised: nobody else edits, finalises or deletes it, admins
included; an admin hands it over to someone else, and the handover is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import InteractionKind
from tests.conftest import login
from tests.meetings.helpers import form_data, fresh, interaction_count


@pytest.fixture
def draft(factories):
    author = factories.user(role="staff", name="Ada Författare")
    interaction = factories.interaction(author=author, note="Adas utkast")
    db.session.commit()
    return interaction


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_nobody_but_the_author_changes_a_draft(client, login_as, draft, role):
    login_as(role)
    for method, url, data in [
        ("GET", f"/moten/{draft.id}/redigera", None),
        ("POST", f"/moten/{draft.id}/redigera", form_data(note="Kapat")),
        ("POST", f"/moten/{draft.id}/redigera", form_data(note="Kapat", save_final="Spara och färdigställ")),
        ("POST", f"/moten/{draft.id}/fardigstall", None),
        ("POST", f"/moten/{draft.id}/ta-bort", None),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302 and response.headers["Location"] == f"/moten/{draft.id}", (method, url)
    page = client.get(f"/moten/{draft.id}").get_data(as_text=True)
    assert "Utkastet är någon annans" in page
    assert "Ada Författare" in page and "Ändra utkastet" not in page and "Färdigställ</button>" not in page
    assert "Ta bort utkastet" not in page
    kept = fresh(draft)
    assert kept.note == "Adas utkast" and not kept.is_final and interaction_count() == 1


def test_the_author_sees_the_buttons_and_others_read_the_draft(client, login_as, factories, draft):
    login_as("staff")
    page = client.get(f"/moten/{draft.id}").get_data(as_text=True)
    assert "Adas utkast" in page and "Ändra utkastet" not in page
    assert "Utkastet tillhör Ada Författare" in page and "Flytta utkastet" not in page

    mine = factories.interaction(author=factories.user(role="staff"), note="Mitt eget")
    db.session.commit()
    client.post("/logga-ut")
    login(client, mine.created_by)
    own = client.get(f"/moten/{mine.id}").get_data(as_text=True)
    assert "Ändra utkastet" in own and "Färdigställ</button>" in own and "Ta bort utkastet" in own


def test_the_services_refuse_another_users_draft(factories, draft):
    intruder = factories.user(role="admin")
    data = services.InteractionData(kind=InteractionKind.PHONE, occurred_on=draft.occurred_on, note="Kapat")
    for attempt in (
        lambda: services.update_draft(draft, data, intruder),
        lambda: services.finalize(draft, intruder),
        lambda: services.delete_draft(draft, intruder),
    ):
        with pytest.raises(services.NotTheAuthor):
            attempt()
    assert services.owns_draft(draft.created_by, draft) and not services.owns_draft(intruder, draft)


def test_an_admin_reassigns_a_draft_and_it_is_audited(client, login_as, factories, draft):
    admin = login_as("admin")
    author_id = draft.created_by_id
    heir = factories.user(role="staff", name="Bertil Arvtagare")
    factories.user(role="organizer", name="Olga Organisatör")
    db.session.commit()
    page = client.get(f"/moten/{draft.id}").get_data(as_text=True)
    form = page.split('id="ny-ansvarig"', 1)[1].split("</form>", 1)[0]
    assert "Bertil Arvtagare" in form and "Olga Organisatör" not in form and "Ada Författare" not in form

    response = client.post(f"/moten/{draft.id}/ny-ansvarig", data={"author": str(heir.id)})
    assert response.status_code == 302
    assert fresh(draft).created_by_id == heir.id
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity == "Interaction", AuditEntry.entity_id == str(draft.id),
                                 AuditEntry.action == "update")
    ).scalar_one()
    assert entry.user_id == admin.id and entry.changes == {"created_by_id": [author_id, heir.id]}

    client.post("/logga-ut")
    login(client, heir)
    assert client.post(f"/moten/{draft.id}/redigera", data=form_data(note="Bertils text")).status_code == 302
    assert fresh(draft).note == "Bertils text"


def test_reassigning_needs_a_choice_and_an_eligible_user(client, login_as, factories, draft):
    admin = login_as("admin")
    organizer = factories.user(role="organizer")
    db.session.commit()
    blank = client.post(f"/moten/{draft.id}/ny-ansvarig", data={"author": ""}).get_data(as_text=True)
    assert 'id="author-error"' in blank and "Välj vem som ska ta över utkastet." in blank
    wrong = client.post(f"/moten/{draft.id}/ny-ansvarig", data={"author": str(organizer.id)}).get_data(as_text=True)
    assert 'id="author-error"' in wrong and "Välj en av personerna i listan." in wrong
    assert fresh(draft).created_by.name == "Ada Författare"
    with pytest.raises(services.NotAnAuthor):
        services.reassign(draft, organizer, admin)


def test_only_admins_reassign_and_never_a_final(client, login_as, factories, draft):
    login_as("staff")
    assert client.post(f"/moten/{draft.id}/ny-ansvarig", data={"author": "1"}).status_code == 403
    client.post("/logga-ut")
    login_as("admin")
    final = factories.interaction(author=draft.created_by, final=True)
    heir = factories.user(role="staff")
    db.session.commit()
    assert "Flytta utkastet" not in client.get(f"/moten/{final.id}").get_data(as_text=True)
    response = client.post(f"/moten/{final.id}/ny-ansvarig", data={"author": str(heir.id)})
    assert response.status_code == 302
    assert fresh(final).created_by_id == draft.created_by_id
