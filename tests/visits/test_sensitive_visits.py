"""The visit's free text (purpose, protocol, participants' notes, the reason for cancelling) warns before saving a
personnummer or health data: not saved the first time, saved after "Jag har kontrollerat texten", saved at once
without such content."""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.visits.models import Visit, VisitNote, VisitStatus
from tests.support import sensitive as check
from tests.support.rows import fresh
from tests.visits.visit_helpers import visit_form

PROTOCOL = {"summary": "Vill växa i Järna.", "satisfied_with": "Bra kontakt.", "less_satisfied_with": "Bygglov."}


def test_the_purpose_of_a_new_visit(client, login_as, factories):
    login_as("staff")
    url = f"/besok/nytt?company_id={check.company(factories).id}"
    response = client.post(url, data=visit_form(purpose=check.WITH_PERSONNUMMER))
    check.assert_warned(response, "purpose", check.PERSONNUMMER, check.WITH_PERSONNUMMER)
    assert check.stored(Visit.purpose) == []
    confirmed = visit_form(purpose=check.WITH_PERSONNUMMER, **check.confirmed("purpose"))
    check.assert_not_warned(client.post(url, data=confirmed))
    assert check.stored(Visit.purpose) == [check.WITH_PERSONNUMMER]
    check.assert_not_warned(client.post(url, data=visit_form(purpose=check.CLEAN)))
    assert check.stored(Visit.purpose) == [check.WITH_PERSONNUMMER, check.CLEAN]


def test_the_purpose_of_an_edited_visit(client, login_as, factories):
    login_as("staff")
    visit = factories.visit(check.company(factories), purpose="Före")
    db.session.commit()
    url = f"/besok/{visit.id}/redigera"
    response = client.post(url, data=visit_form(purpose=check.WITH_HEALTH))
    check.assert_warned(response, "purpose", "sjukskriven", check.WITH_HEALTH)
    assert fresh(visit).purpose == "Före"
    check.assert_not_warned(client.post(url, data=visit_form(purpose=check.WITH_HEALTH,
                                                             **check.confirmed("purpose"))))
    assert fresh(visit).purpose == check.WITH_HEALTH


@pytest.mark.parametrize("name", ["summary", "satisfied_with", "less_satisfied_with"])
def test_each_text_of_the_protocol(client, login_as, factories, name):
    login_as("staff")
    visit = factories.visit(check.company(factories), status=VisitStatus.DONE)
    db.session.commit()
    url = f"/besok/{visit.id}/redigera"
    response = client.post(url, data={**PROTOCOL, name: check.WITH_PERSONNUMMER})
    check.assert_warned(response, name, check.PERSONNUMMER, check.WITH_PERSONNUMMER)
    page = response.get_data(as_text=True)
    assert [other for other in PROTOCOL if other != name and check.confirm_box(page, other)] == []  # only that one
    assert getattr(fresh(visit), name) == ""
    check.assert_not_warned(client.post(url, data={**PROTOCOL, name: check.WITH_PERSONNUMMER,
                                                   **check.confirmed(name)}))
    assert getattr(fresh(visit), name) == check.WITH_PERSONNUMMER
    check.assert_not_warned(client.post(url, data={**PROTOCOL, name: check.CLEAN}))
    assert getattr(fresh(visit), name) == check.CLEAN


def test_a_participants_note(client, login_as, factories):
    login_as("staff")
    visit = factories.booked_visit(check.company(factories))
    db.session.commit()
    url = f"/besok/{visit.id}/anteckningar"
    check.assert_warned(client.post(url, data={"text": check.WITH_HEALTH}), "text", "sjukskriven", check.WITH_HEALTH)
    assert check.stored(VisitNote.text) == []
    check.assert_not_warned(client.post(url, data={"text": check.WITH_HEALTH, **check.confirmed("text")}))
    assert check.stored(VisitNote.text) == [check.WITH_HEALTH]
    check.assert_not_warned(client.post(url, data={"text": check.CLEAN}))
    assert check.stored(VisitNote.text) == [check.WITH_HEALTH, check.CLEAN]


def test_the_reason_for_cancelling(client, login_as, factories):
    login_as("staff")
    visit = factories.booked_visit(check.company(factories))
    db.session.commit()
    url = f"/besok/{visit.id}/stall-in"
    check.assert_warned(client.post(url, data={"reason": "VD sjuk"}), "reason", "”sjuk”", "VD sjuk")
    assert fresh(visit).status == VisitStatus.BOOKED
    check.assert_not_warned(client.post(url, data={"reason": "VD sjuk", **check.confirmed("reason")}))
    assert fresh(visit).status == VisitStatus.CANCELLED and fresh(visit).cancel_reason == "VD sjuk"


def test_the_reason_for_cancelling_without_such_content(client, login_as, factories):
    login_as("staff")
    visit = factories.booked_visit(check.company(factories))
    db.session.commit()
    check.assert_not_warned(client.post(f"/besok/{visit.id}/stall-in", data={"reason": "VD förhindrad"}))
    assert fresh(visit).status == VisitStatus.CANCELLED
