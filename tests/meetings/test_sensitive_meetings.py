"""The meeting log's note warns before saving a personnummer or health data: not saved the first time, saved
after "Jag har kontrollerat texten", saved at once without such content."""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.meetings.models import Interaction, NoteStatus
from tests.meetings.helpers import form_data, fresh
from tests.support import sensitive as check


def _new(client, company, quick: bool, **fields):
    if quick:
        return client.post("/moten/ny", data=form_data(company_query="Åbyvik", **fields))
    return client.post(f"/foretag/{company.id}/moten/ny", data=form_data(**fields))


@pytest.mark.parametrize("quick", [False, True], ids=["company", "quick"])
@pytest.mark.parametrize("button", ["save_draft", "save_final"])
def test_a_personnummer_is_not_saved_until_confirmed(client, login_as, factories, quick, button):
    login_as("staff")
    company = check.company(factories)
    posted = {"note": check.WITH_PERSONNUMMER, "save_draft": None, button: "Spara"}
    check.assert_warned(_new(client, company, quick, **posted), "note", check.PERSONNUMMER, check.WITH_PERSONNUMMER)
    assert check.stored(Interaction.note) == []
    check.assert_not_warned(_new(client, company, quick, **posted, **check.confirmed("note")))
    assert check.stored(Interaction.note) == [check.WITH_PERSONNUMMER]
    assert check.stored(Interaction.status) == [NoteStatus.FINAL if button == "save_final" else NoteStatus.DRAFT]


@pytest.mark.parametrize("quick", [False, True], ids=["company", "quick"])
def test_health_data_is_named_in_the_warning(client, login_as, factories, quick):
    login_as("staff")
    response = _new(client, check.company(factories), quick, note=check.WITH_HEALTH)
    check.assert_warned(response, "note", "”sjukskriven”", check.WITH_HEALTH)
    assert "uppgifter om hälsa" in response.get_data(as_text=True)
    assert check.stored(Interaction.note) == []


@pytest.mark.parametrize("quick", [False, True], ids=["company", "quick"])
def test_a_note_without_such_content_is_saved_at_once(client, login_as, factories, quick):
    login_as("staff")
    check.assert_not_warned(_new(client, check.company(factories), quick, note=check.CLEAN))
    assert check.stored(Interaction.note) == [check.CLEAN]


def test_removing_the_number_saves_without_the_checkbox(client, login_as, factories):
    login_as("staff")
    company = check.company(factories)
    assert _new(client, company, False, note=check.WITH_PERSONNUMMER).status_code == 200
    without = check.WITH_PERSONNUMMER.replace(f" ({check.PERSONNUMMER})", "")
    check.assert_not_warned(_new(client, company, False, note=without))
    assert check.stored(Interaction.note) == ["Anna Svensson tar över efter VD."]


def test_editing_a_draft_warns_and_keeps_the_stored_note(client, login_as, factories):
    me = login_as("staff")
    draft = factories.interaction(check.company(factories), author=me, note="Före")
    db.session.commit()
    url = f"/moten/{draft.id}/redigera"
    check.assert_warned(client.post(url, data=form_data(note=check.WITH_HEALTH)), "note", "sjukskriven",
                        check.WITH_HEALTH)
    assert fresh(draft).note == "Före"
    check.assert_not_warned(client.post(url, data=form_data(note=check.WITH_HEALTH, **check.confirmed("note"))))
    assert fresh(draft).note == check.WITH_HEALTH


def test_a_ticked_box_stays_ticked_when_another_field_is_wrong(client, login_as, factories):
    login_as("staff")
    response = _new(client, check.company(factories), False, note=check.WITH_PERSONNUMMER, occurred_on="igår",
                    **check.confirmed("note"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="occurred_on-error"' in page and 'id="note-error"' not in page
    assert " checked" in check.confirm_box(page, "note")
    assert check.stored(Interaction.note) == []
