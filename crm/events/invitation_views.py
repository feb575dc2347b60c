"""Inviting to an event (from a network, the company-list filters or picked contacts), withdrawing an
invitation and reminding those who have not answered."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from crm.auth.access import roles_required
from crm.companies.ad_block import ad_blocked_companies
from crm.companies.models import ContactPerson
from crm.companies.search import CompanyFilters
from crm.events import answers, bp, invitations, recipients
from crm.events.forms import (
    ConfirmForm,
    InviteForm,
)
from crm.events.invite_plan import plan_invitations
from crm.events.invitee_list import InviteeFilters
from crm.events.models import Event, EventStatus
from crm.events.views import MANAGERS, active_networks, ended, event_or_404, invitation_or_404, refused, to_event
from crm.extensions import db
from crm.networks.models import Network
from crm.text import single_line
from crm.timeutil import stockholm_today, utcnow


def _to_invitees(event_id: int):
    """Back to the invitee list as it was filtered and paged when the organizer left it."""
    args = InviteeFilters.from_args(request.args).args()
    return redirect(url_for("events.show", event_id=event_id, _anchor="inbjudna", **args))


# --- Invitees ------------------------------------------------------------------------------------


@bp.route("/<int:event_id>/inbjudna/<int:invitation_id>/aterkalla", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def uninvite(event_id: int, invitation_id: int):
    event = event_or_404(event_id)
    invitation = invitation_or_404(event, invitation_id)
    if invitation.uninvited_at is not None:
        flash(_("%(name)s är inte inbjuden längre.", name=invitation.name), "success")
        return _to_invitees(event.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        sent = invitations.uninvite(invitation)
        db.session.commit()
        if sent:
            flash(_("%(name)s är inte längre inbjuden och får ett meddelande om det.", name=invitation.name),
                  "success")
        else:
            flash(_("%(name)s är borttagen från listan.", name=invitation.name), "success")
        return _to_invitees(event.id)
    return render_template("events/uninvite.html", form=form, event=event, invitation=invitation)


@bp.route("/<int:event_id>/paminn", methods=["POST"])
@roles_required(*MANAGERS)
def remind(event_id: int):
    event = event_or_404(event_id)
    if not answers.answers_open(event, utcnow()):
        flash(_("Det går inte att svara längre, så ingen påminnelse skickades."), "error")
        return to_event(event.id)
    sent = answers.remind_unanswered(event)
    db.session.commit()
    if sent:
        flash(ngettext("En påminnelse skickades till %(num)d som inte har svarat.",
                       "En påminnelse skickades till %(num)d som inte har svarat.", sent), "success")
    else:
        flash(_("Ingen påminnelse skickades: alla har svarat eller fått en påminnelse i dag."), "success")
    return to_event(event.id)


# --- Inviting ------------------------------------------------------------------------------------


SOURCES = ("natverk", "filter", "valda")


def _invite_source(event: Event) -> tuple[str, list[ContactPerson] | None, dict]:
    """The source chosen in the query string, its contacts (None while still choosing), and what the page shows."""
    source = request.args.get("kalla", "")
    today = stockholm_today()
    context: dict = {"filters": CompanyFilters.from_args(request.args), "network": None, "found": [], "picked": [],
                     "search": (request.args.get("sok") or "").strip(), "ad_blocked": None}
    if source == "natverk":
        network = db.session.get(Network, request.args.get("natverk", type=int) or 0)
        if network is None:
            return source, None, context
        context["network"] = network
        return source, recipients.network_contacts(network, today), context
    if source == "filter":
        filters = context["filters"]
        if not filters.active:
            return source, None, context
        context["ad_blocked"] = ad_blocked_companies(filters)
        return source, recipients.filter_contacts(filters, today), context
    if source == "valda":
        picked = recipients.contacts_by_id(request.args.getlist("kontakt", type=int))
        context["picked"] = picked
        if request.args.get("steg") == "granska" and picked:
            return source, picked, context
        picked_ids = {contact.id for contact in picked}
        context["found"] = [c for c in recipients.search_contacts(context["search"]) if c.id not in picked_ids]
        return source, None, context
    return "", None, context


@bp.route("/<int:event_id>/bjud-in", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invite(event_id: int):
    event = event_or_404(event_id)
    if event.status == EventStatus.CANCELLED:
        return refused(invitations.EventCancelled(), event.id)
    if request.method == "POST":
        return _send_invitations(event)
    source, contacts, context = _invite_source(event)
    plan = plan_invitations(event, contacts) if contacts is not None else None
    form = InviteForm()
    if plan is not None:
        form.contacts.choices = [SelectChoice(contact.id, contact.name) for contact in plan.invite]
        form.contacts.data = [contact.id for contact in plan.invite]
    return render_template(
        "events/invite.html", event=event, source=source, plan=plan, form=form,
        networks=active_networks(event.network_id),
        choices=recipients.filter_choices() if plan is None else None,
        company_names=recipients.company_names, ended=ended(event), **context,
    )


def _send_invitations(event: Event):
    chosen = recipients.contacts_by_id(
        int(value) for value in request.form.getlist("contacts") if value.isdigit()
    )
    form = InviteForm()
    form.contacts.choices = [SelectChoice(contact.id, contact.name) for contact in chosen]
    back = request.full_path if request.query_string else url_for("events.invite", event_id=event.id)
    if not form.validate_on_submit():
        if form.csrf_token.errors if hasattr(form, "csrf_token") else False:
            flash(_("Formuläret hade gått ut. Försök igen."), "error")
        else:
            flash(_("Några av de valda kontaktpersonerna finns inte längre. Välj igen."), "error")
        return redirect(back)
    if not form.contacts.data:
        flash(_("Välj minst en kontaktperson att bjuda in."), "error")
        return redirect(back)
    try:
        created, plan = invitations.invite(event, [c for c in chosen if c.id in set(form.contacts.data)])
    except invitations.InvitationRefused as error:
        return refused(error, event.id)
    db.session.commit()
    flash(ngettext("%(num)d inbjudan har lagts i utkorgen och skickas strax.",
                   "%(num)d inbjudningar har lagts i utkorgen och skickas strax.", len(created)), "success")
    if plan.excluded:
        flash(ngettext("%(num)d fick ingen inbjudan.", "%(num)d fick ingen inbjudan.", len(plan.excluded)), "success")
    for exclusion in plan.excluded:
        if exclusion.unsendable:
            flash(_("%(name)s fick ingen inbjudan: %(reason)s", name=single_line(exclusion.contact.name),
                    reason=exclusion.reason), "error")
    return to_event(event.id, "inbjudna")
