"""Open registration's pages.

Public (on the RSVP pages' blueprint, so they too send no Referer and are not cached):
- `/anmalan/<slug>`: the sign-up form; every POST is counted against the client's rate limit, and a
  filled-in honeypot is answered as a sign-up with nothing stored;
- `/anmalan/<slug>/skickad`: "check your mail";
- `/anmalan/bekrafta/<token>`: the link in the confirmation mail. A GET only shows a button (mail scanners
  follow links); the POST registers and goes on to the guest's own RSVP page.

For organizers (on the events blueprint): `/evenemang/<id>/anmalan`, the page's settings and its sign-ups,
each confirmed one with "Godkänn som kontaktperson"; the same list is a panel on the event page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.auth.access import acting_user, public, roles_required
from crm.errors import RuleRefused
from crm.events import answers
from crm.events import bp as events_bp
from crm.events import registration as service
from crm.events.calendar import location
from crm.events.registration_forms import AcceptForm, RegistrationConfirmForm, RegistrationForm, RegistrationPageForm
from crm.events.registration_models import Registration
from crm.events.rsvp_views import bp as rsvp_bp
from crm.events.rsvp_views import waitlist_position, when
from crm.events.tokens import token_for as rsvp_token_for
from crm.events.views import MANAGERS, event_or_404
from crm.extensions import db
from crm.panels import Panel, panel_provider
from crm.timeutil import local, utcnow


def _page_or_404(slug: str):
    page = service.page_by_slug(slug)
    if page is None:
        abort(404)
    return page


def _event_facts(event) -> dict:
    return {
        "event": event, "when": when(event), "location": location(event),
        "deadline": local(event.registration_deadline) if event.registration_deadline else None,
    }


@rsvp_bp.route("/anmalan/<slug>", methods=["GET", "POST"])
@public
def register(slug: str):
    page = _page_or_404(slug)
    event = page.event
    now = utcnow()
    open_now = service.accepting(page, now)
    form = RegistrationForm()
    if not event.asks_dietary:
        del form.dietary, form.other
    status = 200
    if open_now and request.method == "POST":
        if not service.count_attempt(request.remote_addr or "-", now):
            flash(_("Du har skickat många anmälningar på kort tid. Vänta en stund och försök igen."), "error")
            status = 429
        elif form.is_spam():
            return redirect(url_for("rsvp.registration_sent", slug=page.slug))
        elif form.validate_on_submit():
            try:
                service.register(page, form.to_data(), now)
            except RuleRefused as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                return redirect(url_for("rsvp.registration_sent", slug=page.slug))
    elif request.method == "POST":
        status = 409
    return render_template("events/registration/register.html", form=form, page=page, open_now=open_now,
                           full=service.is_full(event), **_event_facts(event)), status


@rsvp_bp.route("/anmalan/<slug>/skickad")
@public
def registration_sent(slug: str):
    page = _page_or_404(slug)
    return render_template("events/registration/sent.html", page=page, kept_days=service.UNCONFIRMED_KEPT_DAYS,
                           **_event_facts(page.event))


def _registration_or_404(token: str) -> Registration:
    registration = service.registration_for(token)
    if registration is None:
        abort(404)
    return registration


@rsvp_bp.route("/anmalan/bekrafta/<token>", methods=["GET", "POST"])
@public
def confirm_registration(token: str):
    registration = _registration_or_404(token)
    if registration.invitation is not None:  # confirmed before: the guest's own page
        return redirect(url_for("rsvp.respond", token=rsvp_token_for(registration.invitation)))
    form = RegistrationConfirmForm()
    closed = not answers.answers_open(registration.event, utcnow())
    if not closed and form.validate_on_submit():
        try:
            confirmed = service.confirm(registration, utcnow())
        except RuleRefused as error:
            db.session.rollback()
            flash(str(error), "error")
            closed = True
        else:
            db.session.commit()
            invitation = confirmed.invitation
            if confirmed.waitlisted:
                flash(_("Träffen är fullbokad. Du står på väntelistan som nummer %(number)d. "
                        "Vi mejlar dig om en plats blir ledig.", number=waitlist_position(invitation) or 1), "success")
            else:
                flash(_("Tack! Din anmälan är bekräftad och du har en plats."), "success")
            return redirect(url_for("rsvp.respond", token=rsvp_token_for(invitation)))
    return render_template("events/registration/confirm.html", form=form, registration=registration,
                           closed=closed, token=token, **_event_facts(registration.event))


# --- For organizers -----------------------------------------------------------------------------------------


@panel_provider("event", order=40)
def registrations_panel(event, viewer) -> Panel | None:
    """On the event page, once the event has a registration page: its address and the sign-ups."""
    page = service.page_for(event)
    if page is None:
        return None
    registrations = service.registrations_of(event)
    return Panel("events/registration/_panel.html", {
        "event": event, "page": page, "registrations": registrations, "unmailed": service.unmailed(registrations),
        "accepting": service.accepting(page, utcnow()),
    })


@events_bp.route("/<int:event_id>/anmalan", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def registration(event_id: int):
    event = event_or_404(event_id)
    page = service.page_for(event)
    form = RegistrationPageForm(obj=page)
    if form.validate_on_submit():
        try:
            service.save_page(event, form.slug.data, form.is_open.data)
        except service.SlugTaken as error:
            db.session.rollback()
            form.slug.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Anmälan är öppen.") if form.is_open.data else _("Anmälan är stängd."), "success")
            return redirect(url_for("events.registration", event_id=event.id))
    registrations = service.registrations_of(event)
    return render_template(
        "events/registration/manage.html", event=event, page=page, form=form,
        registrations=registrations, unmailed=service.unmailed(registrations),
        accepting=bool(page and service.accepting(page, utcnow())),
    )


@events_bp.route("/<int:event_id>/anmalan/<int:registration_id>/godkann", methods=["POST"])
@roles_required(*MANAGERS)
def accept_registration(event_id: int, registration_id: int):
    registration = _sign_up_or_404(event_id, registration_id)
    contact = _apply(service.accept, registration)
    if contact is not None:
        flash(_("%(name)s är nu kontaktperson.", name=contact.name), "success")
    return redirect(url_for("events.registration", event_id=event_id))


@events_bp.route("/<int:event_id>/anmalan/<int:registration_id>/bekrafta", methods=["POST"])
@roles_required(*MANAGERS)
def confirm_registration_for_guest(event_id: int, registration_id: int):
    """Confirm a sign-up whose address gets no mail from us (objection, Reklamspärr): no link reached it."""
    registration = _sign_up_or_404(event_id, registration_id)
    confirmed = _apply(service.confirm_by_organizer, registration)
    if confirmed is not None:
        flash(_("Anmälan från %(name)s är bekräftad. Inget mejl skickas: berätta det för gästen på annat sätt.",
                name=registration.name) if not confirmed.waitlisted else
              _("Anmälan från %(name)s är bekräftad; träffen är fullbokad och gästen står på väntelistan. "
                "Inget mejl skickas: berätta det för gästen på annat sätt.", name=registration.name), "success")
    return redirect(url_for("events.registration", event_id=event_id))


def _sign_up_or_404(event_id: int, registration_id: int) -> Registration:
    event = event_or_404(event_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _apply(action, registration: Registration):
    """Run an organizer's action on a sign-up (checked form, one commit); its result, or None when refused."""
    if not AcceptForm().validate_on_submit():
        return None
    try:
        result = action(registration, acting_user(), utcnow())
    except RuleRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return None
    db.session.commit()
    return result
