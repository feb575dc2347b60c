"""A follow-up's description and the reason it was not done warn before saving a personnummer or health data:
not saved the first time, saved after "Jag har kontrollerat texten", saved at once without such content."""

from __future__ import annotations

from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from tests.followups.followup_helpers import form_data
from tests.support import sensitive as check
from tests.support.rows import fresh


def test_the_description_of_a_new_follow_up(client, login_as, factories):
    me = login_as("staff")
    url = f"/uppfoljningar/ny?company_id={check.company(factories).id}"
    posted = form_data(assignee_id=str(me.id), description=check.WITH_PERSONNUMMER)
    check.assert_warned(client.post(url, data=posted), "description", check.PERSONNUMMER, check.WITH_PERSONNUMMER)
    assert check.stored(FollowUp.description) == []
    check.assert_not_warned(client.post(url, data={**posted, **check.confirmed("description")}))
    assert check.stored(FollowUp.description) == [check.WITH_PERSONNUMMER]
    check.assert_not_warned(client.post(url, data=form_data(assignee_id=str(me.id), description=check.CLEAN)))
    assert check.stored(FollowUp.description) == [check.WITH_PERSONNUMMER, check.CLEAN]


def _closing(client, follow_up, me, reason: str, **fields):
    """Closes the follow-up as not done, for the reason given."""
    posted = form_data(assignee_id=str(me.id), description=follow_up.description, status="ej_atgardad",
                       not_done_reason=reason, **fields)
    return client.post(f"/uppfoljningar/{follow_up.id}/redigera", data=posted)


def test_the_description_of_an_edited_follow_up(client, login_as, factories):
    me = login_as("staff")
    follow_up = factories.follow_up(check.company(factories), assignee=me, description="Före")
    db.session.commit()
    url = f"/uppfoljningar/{follow_up.id}/redigera"
    posted = form_data(assignee_id=str(me.id), description=check.WITH_HEALTH)
    check.assert_warned(client.post(url, data=posted), "description", "sjukskriven", check.WITH_HEALTH)
    assert fresh(follow_up).description == "Före"
    check.assert_not_warned(client.post(url, data={**posted, **check.confirmed("description")}))
    assert fresh(follow_up).description == check.WITH_HEALTH


def test_the_reason_it_was_not_done(client, login_as, factories):
    me = login_as("staff")
    follow_up = factories.follow_up(check.company(factories), assignee=me)
    db.session.commit()
    reason = "Företagaren blev sjukskriven och lade ner."
    check.assert_warned(_closing(client, follow_up, me, reason), "not_done_reason", "sjukskriven", reason)
    assert fresh(follow_up).status == FollowUpStatus.OPEN
    check.assert_not_warned(_closing(client, follow_up, me, reason, **check.confirmed("not_done_reason")))
    closed = fresh(follow_up)
    assert closed.status == FollowUpStatus.NOT_DONE and closed.not_done_reason == reason


def test_the_reason_it_was_not_done_without_such_content(client, login_as, factories):
    me = login_as("staff")
    follow_up = factories.follow_up(check.company(factories), assignee=me)
    db.session.commit()
    check.assert_not_warned(_closing(client, follow_up, me, "Företaget lade ner verksamheten."))
    assert fresh(follow_up).status == FollowUpStatus.NOT_DONE
