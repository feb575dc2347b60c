"""Every route × every role and an anonymous visitor: the answer each must get.

A route missing from ROUTES fails `test_every_route_is_listed`, so no route goes unchecked.
"""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from crm.auth.access import check_all_views_declared, public
from crm.auth.models import User
from crm.extensions import db
from crm.mail.models import OutboxMessage
from crm.mail.outbox import queue
from crm.networks.models import Network
from tests.conftest import login
from tests.support.snapshot import Snapshot

ROLES = ("admin", "staff", "organizer", "politician")
ALL = frozenset(ROLES)
PUBLIC = "public"
ADMIN = frozenset({"admin"})
REGISTER_READERS = frozenset({"admin", "staff", "organizer", "politician"})
REGISTER_WRITERS = frozenset({"admin", "staff"})
CONTACT_READERS = frozenset({"admin", "staff", "organizer"})
MEETING_WRITERS = frozenset({"admin", "staff"})
MEETING_READERS = frozenset({"admin", "staff"})  # organizers and politicians: nothing of the meeting log
IMPORTERS = frozenset({"admin", "staff"})
PLAN_READERS = frozenset({"admin", "staff", "organizer", "politician"})
PLAN_PROPOSERS = frozenset({"admin", "staff"})
FOLLOWUP_WRITERS = frozenset({"admin", "staff"})
FOLLOWUP_READERS = frozenset({"admin", "staff"})  # organizers: no follow-ups
FOLLOWUP_POLITICIANS = frozenset({"admin", "politician"})  # visible ones of their own visits only
VISIT_READERS = frozenset({"admin", "staff", "organizer", "politician"})  # politicians: booked/done, theirs in full
VISIT_IN_FULL_READERS = frozenset({"admin", "staff", "politician"})  # organizers: basic facts, never the protocol
VISIT_WRITERS = frozenset({"admin", "staff"})
VISIT_SIGN_UP = frozenset({"admin", "politician"})
VISIT_NOTE_WRITERS = frozenset({"admin", "staff", "politician"})  # politicians at the visits they take part in
FEED_NETWORK_MANAGERS = frozenset({"admin", "staff", "organizer"})
NETWORK_USERS = frozenset({"admin", "staff", "organizer"})  # networks and members: read and write
EVENT_MANAGERS = frozenset({"admin", "staff", "organizer"})  # events, invitations, attendance

# endpoint -> who may use it
ROUTES: dict[str, frozenset[str] | str] = {
    "main.index": ALL,
    "auth.login": PUBLIC,
    "auth.logout": ALL,
    "auth.set_language": PUBLIC,
    "auth.account": ALL,
    "auth.change_password": ALL,
    "auth.logout_everywhere": ALL,
    "auth.users": ADMIN,
    "auth.new_user": ADMIN,
    "auth.edit_user": ADMIN,
    "auth.reset_password": ADMIN,
    "audit.index": ADMIN,
    "companies.index": REGISTER_READERS,
    "companies.detail": REGISTER_READERS,
    "companies.sni_picker": REGISTER_READERS,
    "companies.new": REGISTER_WRITERS,
    "companies.edit": REGISTER_WRITERS,
    "companies.export_list": CONTACT_READERS,
    "companies.duplicates": REGISTER_WRITERS,
    "companies.merge": REGISTER_WRITERS,
    "contacts.new_contact": REGISTER_WRITERS,
    "contacts.link_contact": REGISTER_WRITERS,
    "contacts.find_contact": REGISTER_WRITERS,
    "contacts.index": CONTACT_READERS,
    "contacts.detail": CONTACT_READERS,
    "contacts.edit": REGISTER_WRITERS,
    "contacts.edit_link": REGISTER_WRITERS,
    "meetings.index": MEETING_READERS,
    "meetings.new": MEETING_WRITERS,
    "meetings.new_for_company": MEETING_WRITERS,
    "meetings.detail": MEETING_READERS,
    "meetings.edit": MEETING_WRITERS,
    "meetings.finalize": MEETING_WRITERS,
    "meetings.delete": MEETING_WRITERS,
    "meetings.new_version": MEETING_WRITERS,
    "meetings.reassign": ADMIN,
    "imports.upload": IMPORTERS,
    "imports.mapping": IMPORTERS,
    "imports.preview": IMPORTERS,
    "imports.status": IMPORTERS,
    "imports.retry": IMPORTERS,
    "plan.index": PLAN_READERS,
    "plan.show": PLAN_READERS,
    "plan.target": ADMIN,
    "plan.suggestion_list": PLAN_READERS,
    "plan.propose": PLAN_PROPOSERS,
    "followups.new": FOLLOWUP_WRITERS,
    "followups.edit": FOLLOWUP_WRITERS,
    "followups.detail": FOLLOWUP_READERS,
    "followups.mine": FOLLOWUP_READERS,
    "followups.index": FOLLOWUP_READERS,
    "followups.politician": FOLLOWUP_POLITICIANS,
    "visits.index": VISIT_READERS,
    "visits.new": VISIT_WRITERS,
    "visits.detail": VISIT_READERS,
    "visits.edit": VISIT_WRITERS,
    "visits.book": VISIT_WRITERS,
    "visits.complete": VISIT_WRITERS,
    "visits.cancel": VISIT_WRITERS,
    "visits.join": VISIT_SIGN_UP,
    "visits.withdraw": VISIT_SIGN_UP,
    "visits.add_note": VISIT_NOTE_WRITERS,
    "visits.protocol": VISIT_IN_FULL_READERS,
    "visits.ics": VISIT_IN_FULL_READERS,
    "outbox.index": ADMIN,
    "outbox.detail": ADMIN,
    "outbox.retry": ADMIN,
    "outbox.retry_dead": ADMIN,
    "outbox.test_mail": ADMIN,
    "rsvp.respond": PUBLIC,
    "rsvp.opt_out": PUBLIC,
    "rsvp.register": PUBLIC,  # open registration: the sign-up page, "check your mail", the confirmation link
    "rsvp.registration_sent": PUBLIC,
    "rsvp.confirm_registration": PUBLIC,
    "feeds.feed": PUBLIC,
    "feeds.settings": ALL,
    "feeds.network_settings": FEED_NETWORK_MANAGERS,
    "networks.index": NETWORK_USERS,
    "networks.new": NETWORK_USERS,
    "networks.show": NETWORK_USERS,
    "networks.edit": NETWORK_USERS,
    "networks.add_member": NETWORK_USERS,
    "networks.bulk_add": NETWORK_USERS,
    "networks.end_membership": NETWORK_USERS,
    "networks.change_role": NETWORK_USERS,
    "events.index": EVENT_MANAGERS,
    "events.new": EVENT_MANAGERS,
    "events.new_series": EVENT_MANAGERS,
    "events.show": EVENT_MANAGERS,
    "events.download": EVENT_MANAGERS,
    "events.edit": EVENT_MANAGERS,
    "events.move": EVENT_MANAGERS,
    "events.move_series": EVENT_MANAGERS,
    "events.cancel": EVENT_MANAGERS,
    "events.cancel_series": EVENT_MANAGERS,
    "events.uninvite": EVENT_MANAGERS,
    "events.remind": EVENT_MANAGERS,
    "events.invite": EVENT_MANAGERS,
    "events.attendance": EVENT_MANAGERS,
    "events.mark": EVENT_MANAGERS,
    "events.close": EVENT_MANAGERS,
    "events.walk_in": EVENT_MANAGERS,
    "events.registration": EVENT_MANAGERS,
    "events.accept_registration": EVENT_MANAGERS,
    # Single sign-on: the IdP's callback, ACS and metadata, and the break-glass login are public by nature
    "sso.oidc_login": PUBLIC,
    "sso.oidc_callback": PUBLIC,
    "sso.saml_login": PUBLIC,
    "sso.saml_acs": PUBLIC,
    "sso.saml_metadata": PUBLIC,
    "sso.break_glass_login": PUBLIC,
    "sso.settings_page": ADMIN,
    "sso.add_mapping": ADMIN,
    "sso.delete_mapping": ADMIN,
    "sso.unused": ADMIN,
    "inbox.queue": EVENT_MANAGERS,  # replies from calendar programs waiting for a person
    "inbox.resolve": EVENT_MANAGERS,
    "inbox.dismiss": EVENT_MANAGERS,
    # Issue 17, part D: erasure (art. 17) and the record of processing (art. 30), admins only
    "privacy.erase_contact": ADMIN,
    "privacy.processing_record_page": ADMIN,
    "privacy.processing_record_pdf": ADMIN,
    # Issue 17, part B: the gallring plan, the proposal and its approval, the gallringslogg, admins only
    "retention.index": ADMIN,
    "retention.approve": ADMIN,
    "retention.log": ADMIN,
    "retention.export_log": ADMIN,
    "retention.preserve_company": ADMIN,
    "retention.preserve_contact": ADMIN,
    # Issue 17, part C: an organizer confirms a sign-up whose address gets no mail (objection, Reklamspärr)
    "events.confirm_registration_for_guest": EVENT_MANAGERS,
    # Issue 17, part A: the registerutdrag and the register of requests (admin, staff); the texts (admin)
    "privacy.contact_report": MEETING_WRITERS,
    "privacy.contact_report_pdf": MEETING_WRITERS,
    "privacy.contact_report_json": MEETING_WRITERS,
    "privacy.register_contact_request": MEETING_WRITERS,
    "privacy.company_report": MEETING_WRITERS,
    "privacy.company_report_pdf": MEETING_WRITERS,
    "privacy.company_report_json": MEETING_WRITERS,
    "privacy.register_company_request": MEETING_WRITERS,
    "privacy.deliver_request": MEETING_WRITERS,
    "privacy.requests": MEETING_WRITERS,
    "privacy.texts": ADMIN,
    "privacy.save_text": ADMIN,
    "privacy.reset_text": ADMIN,
}

# (endpoint, URL parameter) -> the sample value to use instead of the parameter's own.
# The meeting log's edit, delete and finalise routes get a draft; reading and versioning a finalised note.
SAMPLE_FOR = {
    ("meetings.detail", "interaction_id"): "final_interaction_id",
    ("meetings.new_version", "interaction_id"): "final_interaction_id",
    ("feeds.feed", "token"): "feed_token",  # the RSVP pages get "token", an invitation's link
    ("rsvp.confirm_registration", "token"): "registration_token",
    **{(f"privacy.{name}", "company_id"): "sole_trader_id" for name in (  # a registerutdrag is for a sole trader
        "company_report", "company_report_pdf", "company_report_json", "register_company_request")},
}


def _rules(app: Flask):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_route_is_listed(app):
    assert {rule.endpoint for rule in _rules(app)} == set(ROUTES)


@pytest.fixture
def sample_values(app, factories, users, tmp_path):
    """A value for every URL parameter the app's routes take."""
    return _sample_values(app, factories, users, tmp_path)


@pytest.fixture(scope="session")
def _route_samples() -> dict:
    """The route × role cases' sample data once built: {"snapshot": ..., "users": ..., "values": ...}."""
    return {}


@pytest.fixture
def route_samples(app, factories, tmp_path, _route_samples) -> tuple[dict, dict]:
    """One committed user per role and the sample values, for one route × role case.

    The first case builds them as `users` and `sample_values` do; every later case gets the same rows
    (and uploaded files) back from a snapshot, the ids and tokens unchanged.
    """
    folder = tmp_path / "imports"
    if not _route_samples:
        users = {role: factories.user(role=role) for role in ROLES}
        db.session.commit()
        values = _sample_values(app, factories, users, tmp_path)
        _route_samples.update(
            snapshot=Snapshot.take(folder), users={role: user.id for role, user in users.items()}, values=values
        )
    else:
        app.config["IMPORT_FOLDER"] = str(folder)
        _route_samples["snapshot"].restore(folder)
    users = {role: db.session.get(User, user_id) for role, user_id in _route_samples["users"].items()}
    return users, dict(_route_samples["values"])


def _sample_values(app, factories, users, tmp_path) -> dict:
    from tests.imports.helpers import csv_bytes, upload_job

    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    import_job = upload_job(csv_bytes([["Företagsnamn", "Ort"], ["Importerat AB", "Järna"]]))  # owned by nobody
    target = factories.user(role="staff", name="Målanvändare")
    company = factories.company()
    other = factories.company()
    contact = factories.contact(company)
    lone_contact = factories.contact()
    draft = factories.interaction(company, author=target)
    final = factories.interaction(company, author=target, final=True)
    open_follow_up = factories.follow_up(company, assignee=target)
    booked_visit = factories.booked_visit(company, participants=[users["politician"], target], contacts=[contact])
    queue("routes:sample", kind="test", to=target.email, subject="Prov", text="Prov", html="<p>Prov</p>")
    rsvp_token, feed_token, feed_network = _calendar_samples(factories, users)
    db.session.commit()
    values = {
        "user_id": target.id,
        "company_id": company.id,
        "other_id": other.id,
        "contact_id": lone_contact.id,
        "link_id": contact.company_links[0].id,
        "fmt": "csv",
        "interaction_id": draft.id,
        "final_interaction_id": final.id,
        "import_job_id": import_job.id,
        "follow_up_id": open_follow_up.id,
        "year": 2026,
        "visit_id": booked_visit.id,  # booked, the politician takes part
        "outbox_message_id": db.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "routes:sample")
        ).scalar_one(),
        "token": rsvp_token,
        "feed_token": feed_token,
    }
    values.setdefault("network_id", feed_network.id)
    values["membership_id"] = factories.member(db.session.get(Network, values["network_id"]), contact).id
    values["event_id"], values["invitation_id"] = _event_samples(factories)
    values["inbox_message_id"] = _inbox_sample(values["event_id"])
    values.update(_registration_samples(values["event_id"]))
    values.update(_privacy_samples(factories, lone_contact))
    db.session.commit()
    return values


def _privacy_samples(factories, contact) -> dict:
    """A sole trader's company (its registerutdrag), an open request for a registerutdrag, and a text's key."""
    from datetime import date

    from crm.privacy.models import AccessRequest, IdentityCheck
    from tests.support.factories import valid_org_number

    firm = factories.company(name="Enskild Firma", org_number=valid_org_number(999, sole_trader=True))
    request = AccessRequest(contact=contact, received_on=date(2026, 1, 5), identity_check=IdentityCheck.E_ID)
    db.session.add(request)
    db.session.flush()
    return {"sole_trader_id": firm.id, "request_id": request.id, "text_key": "purposes"}


def _event_samples(factories):
    """An event of a series (so the series routes open their pages) and one of its invitations."""
    from datetime import datetime

    from crm.events.models import Answer, EventSeries

    series = EventSeries(title="Frukostmöte", rule="första fredag varje månad")
    db.session.add(series)
    event = factories.event(start=datetime(2030, 11, 1, 7, 30), series=series)
    factories.event(start=datetime(2030, 12, 6, 7, 30), series=series)
    invitation = factories.invitation(event, answer=Answer.YES)
    return event.id, invitation.id


def _registration_samples(event_id: int) -> dict:
    """The event's open registration page and a pending sign-up on it, with its confirmation token."""
    from crm.events import registration
    from crm.events.models import Event

    event = db.session.get(Event, event_id)
    page = registration.save_page(event, "frukost-prov", True)
    sign_up = registration.register(page, registration.RegistrationData(name="Anmäld Gäst", email="gast@example.se"))
    return {"slug": page.slug, "registration_id": sign_up.id, "registration_token": registration.token_for(sign_up)}


def _inbox_sample(event_id: int) -> int:
    """A reply from a calendar program waiting in the queue (each role's POST gets an empty, refused form)."""
    from crm.inbox.models import InboxMessage, InboxStatus

    row = InboxMessage(message_id="<routes@example.com>", sender="okand@example.com", event_id=event_id,
                       method="REPLY", status=InboxStatus.UNMATCHED, raw=b"", note="")
    db.session.add(row)
    db.session.flush()
    return row.id


def _calendar_samples(factories, users):
    """An invitation's RSVP token (answers open), a live feed token, and a network for its feed page."""
    from datetime import datetime

    from crm.events.tokens import token_for
    from crm.feeds.models import FeedKind
    from crm.feeds.services import issue

    event = factories.event(start=datetime(2030, 12, 6, 7, 30))
    invitation = factories.invitation(event)
    network = factories.network()
    feed_token = issue(FeedKind.NETWORK, network=network, created_by=users["organizer"])
    return token_for(invitation), feed_token, network


def _requests(app: Flask, endpoint: str, values: dict):
    for rule in _rules(app):
        if rule.endpoint != endpoint:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **{arg: values[SAMPLE_FOR.get((endpoint, arg), arg)] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize("who", [None, *ROLES])
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_answers_by_role(app, client, route_samples, endpoint, who):
    users, sample_values = route_samples
    if who is not None:
        login(client, users[who])
    allowed = ROUTES[endpoint]
    requests = list(_requests(app, endpoint, sample_values))
    assert requests, f"no rule for {endpoint}"
    for method, url in requests:
        response = client.open(url, method=method, data={})
        status = response.status_code
        if allowed == PUBLIC:
            assert status in (200, 302), (method, url, status)
        elif who is None:
            assert status == 302, (method, url, status)
            assert response.headers["Location"].startswith("/logga-in"), response.headers["Location"]
        elif who in allowed:
            assert status in (200, 302), (method, url, status)
        else:
            assert status == 403, (method, url, status)
            assert "Du har inte behörighet" in response.get_data(as_text=True)


def test_a_view_without_declaration_stops_the_app():
    app = Flask(__name__)

    @app.route("/open")
    def undeclared():
        return "open"

    with pytest.raises(RuntimeError, match="undeclared"):
        check_all_views_declared(app)

    public(undeclared)
    check_all_views_declared(app)
