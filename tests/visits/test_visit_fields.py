"""A visit's fields are declared once: the model marks what calendars show, VisitData lists what is copied plainly."""

from __future__ import annotations

from crm.calendar.identity import revision_columns
from crm.events.models import Event
from crm.visits import services
from crm.visits.forms import VisitForm
from crm.visits.models import Visit
from crm.visits.services import VisitData


def test_the_columns_a_calendar_shows_are_marked_on_the_model():
    assert revision_columns(Visit) == ("company_id", "kind", "status", "starts_at", "ends_at", "place")
    assert revision_columns(Event) == ("title", "starts_at", "ends_at", "place", "link")


def test_every_plain_field_has_the_same_name_on_the_form_and_the_model(app):
    with app.test_request_context():
        form = VisitForm(meta={"csrf": False})
    for name in VisitData.PLAIN:
        assert name in form._fields and name in Visit.__table__.columns, name


def test_plain_fields_go_from_the_form_to_the_visit_trimmed(app, factories, users):
    company = factories.company()
    with app.test_request_context(method="POST", data={
        "kind": "politikerbesok", "place": "  Hamnen  ", "purpose": "  Lära känna ", "counts_towards_target": "",
    }):
        form = VisitForm(meta={"csrf": False})
        form.kind.data = "politikerbesok"
        visit = services.create_visit(company, form.to_data(), users["staff"])
    assert (visit.place, visit.purpose, visit.counts_towards_target) == ("Hamnen", "Lära känna", False)
    initial = VisitForm.initial_data(visit)
    assert (initial["place"], initial["purpose"], initial["counts_towards_target"]) == ("Hamnen", "Lära känna", False)

    with app.test_request_context(method="POST", data={"kind": "politikerbesok", "place": "   "}):
        form = VisitForm(meta={"csrf": False})
        form.kind.data = "politikerbesok"
        services.update_visit(visit, form.to_data())
    assert visit.place is None and visit.purpose == ""  # an empty place is no place; the purpose column is NOT NULL
