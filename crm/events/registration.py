"""Open registration: the rules and the writes behind an event's public page `/anmalan/<slug>`.

- Spam: every submission is counted per client address in the database (REGISTRATION_ATTEMPTS within
  REGISTRATION_WINDOW_SECONDS), written on a connection of its own as the login throttle does, so every
  worker sees it; a filled-in honeypot field is answered like a sign-up and nothing is stored.
- Double opt-in: a sign-up is stored pending and a confirmation mail is queued (`registration-confirm:<id>`,
  once). Only the POST of the confirmation page registers: it makes a guest's invitation and answers "ja"
  through crm.events.answers, so capacity, the deadline and the waiting list apply as to any invitee, and
  the guest gets the invitation mail with their RSVP links.
- Nothing is created silently: a contact person only when an organizer accepts the sign-up, or when its
  organisation number matches a company in the register (the contact is then linked to that company).
- Unconfirmed sign-ups are deleted after UNCONFIRMED_KEPT_DAYS.
- An address that must not get mail to people (a contact person's who objected, a Reklamspärr company's)
  gets no confirmation mail: the outbox's gate (crm.mail.gate) drops it. The sign-up waits, marked for the
  organizers, who may confirm it themselves (`confirm_by_organizer`) after reaching the person another way;
  the public pages say the same to everyone, so they never tell who objected.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.errors import RuleRefused
from crm.events import answers, invitations, tokens
from crm.events.calendar import location
from crm.events.models import Answer, Event, Invitation
from crm.events.registration_models import Registration, RegistrationAttempt, RegistrationPage
from crm.events.services import DIETARY_CHOICES, save_dietary
from crm.events.tokens import new_key
from crm.extensions import db
from crm.mail import gate
from crm.mail.compose import recipient
from crm.mail.links import absolute_url
from crm.mail.outbox import queue
from crm.mail.render import render_mail
from crm.timeutil import local, utcnow

UNCONFIRMED_KEPT_DAYS = 7
ATTEMPTS = RegistrationAttempt.__table__


class RegistrationRefused(RuleRefused):
    message = _l("Anmälan kunde inte göras.")


class RegistrationClosed(RegistrationRefused):
    message = _l("Anmälan till träffen är stängd.")


class SlugTaken(RegistrationRefused):
    message = _l("Den adressen används redan av en annan träff. Välj en annan.")


class NotConfirmed(RegistrationRefused):
    message = _l("Anmälan är inte bekräftad än.")


class GuestConfirms(RegistrationRefused):
    message = _l("Gästen bekräftar själv anmälan med länken i mejlet. Arrangören bekräftar bara anmälningar "
                 "till adresser som inte får mejl från oss.")


@dataclass(frozen=True)
class RegistrationData:
    name: str
    email: str
    company_name: str = ""
    org_number: str = ""  # normalised by the form ("556036-0793") or empty
    dietary: list[str] = field(default_factory=list)
    dietary_other: str = ""


@dataclass(frozen=True)
class Confirmed:
    invitation: Invitation
    waitlisted: bool
    already: bool = False  # confirmed before: nothing changed now


# --- The page -------------------------------------------------------------------------------------


def page_for(event: Event) -> RegistrationPage | None:
    return db.session.scalar(select(RegistrationPage).where(RegistrationPage.event_id == event.id))


def page_by_slug(slug: str) -> RegistrationPage | None:
    return db.session.scalar(select(RegistrationPage).where(RegistrationPage.slug == (slug or "").lower()))


def save_page(event: Event, slug: str, is_open: bool) -> RegistrationPage:
    """Turn the event's registration page on or off, under this slug (unique among events)."""
    slug = slug.strip().lower()
    taken = db.session.scalar(
        select(RegistrationPage.id).where(RegistrationPage.slug == slug, RegistrationPage.event_id != event.id)
    )
    if taken:
        raise SlugTaken()
    page = page_for(event) or RegistrationPage(event_id=event.id)
    page.slug = slug
    page.is_open = is_open
    db.session.add(page)
    db.session.flush()
    return page


def accepting(page: RegistrationPage, now: datetime) -> bool:
    """Whether the page takes sign-ups: turned on, and the event's answers open (not cancelled, before the deadline)."""
    return page.is_open and answers.answers_open(page.event, now)


def is_full(event: Event) -> bool:
    return event.capacity is not None and event.places_taken >= event.capacity


# --- Spam: the rate limit per client address -----------------------------------------------------------


def _limits() -> tuple[int, int]:
    config = current_app.config
    return int(config.get("REGISTRATION_ATTEMPTS", 5)), int(config.get("REGISTRATION_WINDOW_SECONDS", 3600))


def count_attempt(address: str, now: datetime | None = None) -> bool:
    """Write this submission, then say whether this address is still within its limit (False: refuse it).

    Written and counted on a connection of its own, so submissions sent at the same time see each other.
    """
    now = now or utcnow()
    address = (address or "-")[:64]
    limit, window = _limits()
    with db.engine.begin() as connection:
        inserted = connection.execute(insert(ATTEMPTS).values(address=address, attempted_at=now))
        attempt_id = inserted.inserted_primary_key[0]
        earlier = connection.execute(
            select(func.count()).select_from(ATTEMPTS).where(
                ATTEMPTS.c.address == address, ATTEMPTS.c.attempted_at > now - timedelta(seconds=window),
                ATTEMPTS.c.id < attempt_id,
            )
        ).scalar_one()
    return earlier < limit


# --- Signing up and confirming -------------------------------------------------------------------------------


def token_for(registration: Registration) -> str:
    return tokens.signed("registration", registration.confirm_key)


def registration_for(token: str) -> Registration | None:
    """The sign-up a confirmation token names, or None for anything forged, altered, unknown or purged."""
    key = tokens.verified_key("registration", token)
    if key is None:
        return None
    return db.session.scalar(select(Registration).where(Registration.confirm_key == key))


def register(page: RegistrationPage, data: RegistrationData, now: datetime | None = None) -> Registration:
    """Store a pending sign-up and queue its confirmation mail (in the caller's transaction)."""
    now = now or utcnow()
    event = page.event
    if not accepting(page, now):
        raise RegistrationClosed()
    asks_dietary = event.asks_dietary
    registration = Registration(
        event_id=event.id, name=" ".join(data.name.split()), email=data.email.strip(),
        company_name=" ".join(data.company_name.split()), org_number=data.org_number or "",
        dietary=",".join(c for c in data.dietary if c in DIETARY_CHOICES) if asks_dietary else "",
        dietary_other=data.dietary_other.strip() if asks_dietary else "",
        confirm_key=secrets.token_urlsafe(24), created_at=now,
    )
    db.session.add(registration)
    db.session.flush()
    link = absolute_url("rsvp.confirm_registration", token=token_for(registration))
    text, html = render_mail(
        "registration_confirm", event=event, registration=registration, link=link, starts=local(event.starts_at),
        ends=local(event.ends_at), location=location(event), kept_days=UNCONFIRMED_KEPT_DAYS,
    )
    queue(f"registration-confirm:{registration.id}", kind="registration-confirm",
          to=recipient(registration.name, registration.email),
          subject=f"Bekräfta din anmälan: {event.title}", text=text, html=html, now=now)
    return registration


def _company_by_org_number(org_number: str) -> Company | None:
    if not org_number:
        return None
    return db.session.scalar(select(Company).where(Company.org_number == org_number))


def _contact_at(company: Company, registration: Registration) -> ContactPerson:
    """The contact person with this e-mail address (linked to the company if not yet), or a new one at it."""
    contact = db.session.scalar(
        select(ContactPerson).where(func.lower(ContactPerson.email) == registration.email.lower())
        .order_by(ContactPerson.id).limit(1)
    )
    if contact is None:
        contact = ContactPerson(name=registration.name, email=registration.email)
        db.session.add(contact)
    linked = contact.id is not None and db.session.scalar(select(CompanyContact.id).where(
        CompanyContact.company_id == company.id, CompanyContact.contact_id == contact.id))
    if not linked:
        db.session.add(CompanyContact(company=company, contact=contact))
    db.session.flush()
    return contact


def _invitation_for(event: Event, registration: Registration, contact: ContactPerson | None) -> Invitation:
    """The invitation this sign-up answers: the contact's or same address's one if invited already, else a new one."""
    query = select(Invitation).where(Invitation.event_id == event.id)
    if contact is not None:
        existing = db.session.scalar(query.where(Invitation.contact_id == contact.id))
    else:
        existing = db.session.scalar(
            query.where(Invitation.contact_id.is_(None), func.lower(Invitation.email) == registration.email.lower())
            .order_by(Invitation.id).limit(1)
        )
    if existing is not None:
        return existing  # uninvited by an organizer: answers.respond refuses, as the RSVP page would
    invitation = Invitation(
        event_id=event.id, contact_id=contact.id if contact else None, name=registration.name,
        email=registration.email, rsvp_key=new_key(),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def confirm(registration: Registration, now: datetime | None = None) -> Confirmed:
    """Register the confirmed sign-up: an invitation answered "ja" (a place, or the waiting list)."""
    now = now or utcnow()
    if registration.confirmed_at is not None and registration.invitation is not None:
        invitation = registration.invitation
        return Confirmed(invitation, invitation.waitlisted_at is not None, already=True)
    event = registration.event
    if not answers.answers_open(event, now):
        raise RegistrationClosed()
    # Claim the confirmation: of two presses at once, the second waits for the first and finds it taken.
    claimed = db.session.execute(
        update(Registration).where(Registration.id == registration.id, Registration.confirmed_at.is_(None))
        .values(confirmed_at=now).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(registration)
    if not claimed:
        if registration.invitation is None:
            raise RegistrationClosed()
        return Confirmed(registration.invitation, registration.invitation.waitlisted_at is not None, already=True)
    company = _company_by_org_number(registration.org_number)
    contact = _contact_at(company, registration) if company is not None else None
    invitation = _invitation_for(event, registration, contact)
    result = answers.respond(invitation, Answer.YES, now)
    if event.asks_dietary:
        save_dietary(invitation, registration.dietary.split(","), registration.dietary_other)
    registration.dietary, registration.dietary_other = "", ""  # kept with the invitation from now on
    registration.confirmed_at = now
    registration.invitation_id = invitation.id
    registration.company_id = company.id if company else None
    registration.contact_id = contact.id if contact else None
    invitations.send_request(invitation, now)
    db.session.flush()
    return Confirmed(invitation, result.waitlisted)


def unmailed(registrations: list[Registration]) -> set[int]:
    """The unconfirmed sign-ups whose address gets no mail from us (objection, Reklamspärr): one query."""
    waiting = [registration for registration in registrations if registration.confirmed_at is None]
    if not waiting:
        return set()
    blocked = gate.blocked(registration.email for registration in waiting)
    return {registration.id for registration in waiting if gate.normal(registration.email) in blocked}


def confirm_by_organizer(registration: Registration, user: User, now: datetime | None = None) -> Confirmed:
    """An organizer confirms a sign-up whose address gets no mail (so no confirmation link reached it),
    having reached the person another way; as the guest's confirmation would, and still without a mail."""
    if registration.confirmed_at is None and registration.id not in unmailed([registration]):
        raise GuestConfirms()
    return confirm(registration, now)


def accept(registration: Registration, user: User, now: datetime | None = None) -> ContactPerson:
    """An organizer accepts a confirmed guest as a contact person (the one with this address if there is one)."""
    now = now or utcnow()
    if registration.confirmed_at is None:
        raise NotConfirmed()
    if registration.contact is not None:
        return registration.contact
    contact = db.session.scalar(
        select(ContactPerson).where(func.lower(ContactPerson.email) == registration.email.lower())
        .order_by(ContactPerson.id).limit(1)
    )
    if contact is None:
        contact = ContactPerson(name=registration.name, email=registration.email)
        db.session.add(contact)
        db.session.flush()
    invitation = registration.invitation
    if invitation is not None and invitation.contact_id is None:
        taken = db.session.scalar(select(Invitation.id).where(
            Invitation.event_id == invitation.event_id, Invitation.contact_id == contact.id))
        if taken is None:
            invitation.contact_id = contact.id
    registration.contact_id = contact.id
    registration.accepted_at = now
    db.session.flush()
    return contact


def registrations_of(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
        .options(joinedload(Registration.invitation), joinedload(Registration.company),
                 joinedload(Registration.contact))
        .order_by(Registration.created_at, Registration.id)
    ))


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete sign-ups never confirmed within UNCONFIRMED_KEPT_DAYS, and attempts older than the rate window."""
    now = now or utcnow()
    _, window = _limits()
    db.session.execute(delete(RegistrationAttempt).where(
        RegistrationAttempt.attempted_at < now - timedelta(seconds=window)))
    result = db.session.execute(delete(Registration).where(
        Registration.confirmed_at.is_(None), Registration.created_at < now - timedelta(days=UNCONFIRMED_KEPT_DAYS)))
    return result.rowcount or 0
