"""The invitee's own pages, reached by the link in the invitation: answer (and change the answer), opt out.

No login: the token in the link (a key and its HMAC, crm.events.tokens) is the only key, and a forged
or unknown one is a 404. A GET never saves anything (mail scanners follow links); `?svar=ja` only
preselects the answer. The pages send no Referer and are not cached, and the token is masked in logs.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from crm import logredact
from crm.auth.access import public
from crm.events import answers, invitations
from crm.events.calendar import location
from crm.events.invite_plan import MAILING_KIND
from crm.events.models import Answer, Event, EventStatus, Invitation
from crm.events.rsvp_forms import AnswerForm, ConfirmForm
from crm.events.services import save_dietary
from crm.events.tokens import invitation_for
from crm.extensions import db
from crm.timeutil import local, utcnow

bp = Blueprint("rsvp", __name__)
bp.record_once(lambda state: logredact.install(state.app))

MAILING_LABELS = {
    "breakfasts": _l("frukostmöten"),
    "procurement": _l("informationsmöten inför upphandlingar"),
    "networks": _l("nätverksträffar, temamöten och workshoppar"),
}


@bp.after_request
def _private(response: Response) -> Response:
    # The link is the key: never pass it on as a Referer, never keep the page in a shared cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invitation_or_404(token: str) -> Invitation:
    invitation = invitation_for(token)
    if invitation is None:
        abort(404)
    return invitation


def waitlist_position(invitation: Invitation) -> int | None:
    """1 for the first in line, and so on; None if the invitation is not on the waiting list."""
    if invitation.waitlisted_at is None:
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Invitation).where(
            Invitation.event_id == invitation.event_id, Invitation.answer == Answer.YES,
            Invitation.waitlisted_at.is_not(None), Invitation.uninvited_at.is_(None),
            or_(Invitation.waitlisted_at < invitation.waitlisted_at,
                and_(Invitation.waitlisted_at == invitation.waitlisted_at, Invitation.id < invitation.id)),
        )
    )
    return (ahead or 0) + 1


def closed_reason(invitation: Invitation, now: datetime) -> str | None:
    """Why this invitation can no longer be answered, or None while answers are open."""
    if invitation.uninvited_at is not None:
        return _("Inbjudan gäller inte längre. Kontakta arrangören om du har frågor.")
    if invitation.event.status == EventStatus.CANCELLED:
        return _("Träffen är inställd.")
    if not answers.answers_open(invitation.event, now):
        return str(invitations.AnswersClosed.message)
    return None


def _status_text(invitation: Invitation) -> str:
    if invitation.answer is None:
        return _("Du har inte svarat än.")
    if invitation.answer == Answer.YES:
        position = waitlist_position(invitation)
        if position is not None:
            return _("Du står på väntelistan som nummer %(number)d.", number=position)
        return _("Du är anmäld.")
    if invitation.answer == Answer.NO:
        return _("Du har svarat att du inte kommer.")
    return _("Du har svarat kanske.")


def _confirmation(invitation: Invitation) -> str:
    if invitation.answer == Answer.YES:
        position = waitlist_position(invitation)
        if position is not None:
            return _("Du står på väntelistan som nummer %(number)d. Vi mejlar dig om en plats blir ledig.",
                     number=position)
        return _("Tack! Du är anmäld.")
    return _("Tack för ditt svar.")


def when(event: Event) -> str:
    """"2026-12-04 kl. 07:30–09:00", or both dates when the event ends on another day."""
    starts, ends = local(event.starts_at), local(event.ends_at)
    if starts.date() == ends.date():
        return _("%(day)s kl. %(start)s–%(end)s", day=starts.strftime("%Y-%m-%d"), start=starts.strftime("%H:%M"),
                 end=ends.strftime("%H:%M"))
    return _("%(day)s kl. %(start)s – %(end_day)s kl. %(end)s", day=starts.strftime("%Y-%m-%d"),
             start=starts.strftime("%H:%M"), end_day=ends.strftime("%Y-%m-%d"), end=ends.strftime("%H:%M"))


def _initial(invitation: Invitation) -> dict:
    preselect = request.args.get("svar")
    answer = preselect if preselect in {a.value for a in Answer} else (
        invitation.answer.value if invitation.answer else None
    )
    need = invitation.dietary_need
    return {
        "answer": answer,
        "dietary": [c for c in need.categories.split(",") if c] if need else [],
        "other": need.other if need else "",
    }


def _page(invitation: Invitation, form: AnswerForm | None, closed: str | None, status: int = 200):
    event = invitation.event
    return render_template(
        "rsvp/respond.html", invitation=invitation, event=event, form=form, closed=closed, when=when(event),
        location=location(event), status_text=_status_text(invitation),
        deadline=local(event.registration_deadline) if event.registration_deadline else None,
        mailing=MAILING_LABELS[MAILING_KIND[event.kind]],
    ), status


@bp.route("/svar/<token>", methods=["GET", "POST"])
@public
def respond(token: str):
    invitation = _invitation_or_404(token)
    now = utcnow()
    closed = closed_reason(invitation, now)
    if closed:
        return _page(invitation, None, closed, 409 if request.method == "POST" else 200)
    if request.method == "GET":
        return _page(invitation, AnswerForm(formdata=None, data=_initial(invitation)), None)

    form = AnswerForm()
    if not invitation.event.asks_dietary:
        del form.dietary, form.other
    if not form.validate_on_submit():
        return _page(invitation, form, None)
    try:
        answers.respond(invitation, Answer(form.answer.data), now)
    except invitations.AnswersClosed:
        db.session.rollback()
        db.session.refresh(invitation)
        return _page(invitation, None, closed_reason(invitation, utcnow()) or str(invitations.AnswersClosed.message),
                     409)
    if invitation.event.asks_dietary:
        if invitation.answer == Answer.NO:
            save_dietary(invitation, [], "")  # not coming: nothing about their health is kept
        else:
            save_dietary(invitation, form.dietary.data or [], form.other.data or "")
    db.session.commit()
    flash(_confirmation(invitation), "success")
    return redirect(url_for("rsvp.respond", token=token))


@bp.route("/svar/<token>/avregistrera", methods=["GET", "POST"])
@public
def opt_out(token: str):
    invitation = _invitation_or_404(token)
    event = invitation.event
    kind = MAILING_KIND[event.kind]
    contact = invitation.contact
    form = ConfirmForm()
    done = contact is None or not contact.may_receive(kind)
    if not done and form.validate_on_submit():
        setattr(contact, f"opt_out_{kind}", True)
        db.session.commit()
        done = True
    return render_template("rsvp/opt_out.html", form=form, done=done, token=token,
                           mailing=MAILING_LABELS[kind], has_contact=contact is not None)
