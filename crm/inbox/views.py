"""The queue of replies from calendar programs that could not be matched: an organizer says which invitation
each is (and the answer), or sets it aside. Nothing is created: only existing invitations can be chosen."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.events.models import Answer, Invitation
from crm.extensions import db
from crm.inbox import bp, services
from crm.inbox.forms import DismissForm, ResolveForm
from crm.inbox.models import InboxMessage
from crm.timeutil import utcnow

MANAGERS = (Role.STAFF, Role.ORGANIZER)


def _message_or_404(inbox_message_id: int) -> InboxMessage:
    row = db.session.get(InboxMessage, inbox_message_id)
    if row is None:
        abort(404)
    return row


def _forms(rows: list[InboxMessage]) -> dict[int, ResolveForm]:
    now = utcnow()
    forms = {}
    for row in rows:
        answer = services.ANSWERS.get(row.partstat or "")
        forms[row.id] = ResolveForm(formdata=None, prefix=f"m{row.id}", invitations=services.candidates(row, now),
                                    data={"answer": answer.value if answer else None,
                                          "invitation": row.invitation_id})
    return forms


def _page(rows: list[InboxMessage], forms: dict[int, ResolveForm], status: int = 200):
    return render_template("inbox/queue.html", rows=rows, forms=forms, dismiss=DismissForm()), status


@bp.route("/")
@roles_required(*MANAGERS)
def queue():
    rows = services.waiting()
    return _page(rows, _forms(rows))


@bp.route("/<int:inbox_message_id>/koppla", methods=["POST"])
@roles_required(*MANAGERS)
def resolve(inbox_message_id: int):
    row = _message_or_404(inbox_message_id)
    now = utcnow()
    form = ResolveForm(prefix=f"m{row.id}", invitations=services.candidates(row, now))
    if not form.validate_on_submit():
        rows = services.waiting()
        forms = _forms(rows)
        if row.id in forms:
            forms[row.id] = form
        return _page(rows, forms)
    invitation = db.session.get(Invitation, form.invitation.data)
    try:
        services.resolve(row, invitation, Answer(form.answer.data), acting_user(), now)
    except services.InboxRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("inbox.queue"))
    db.session.commit()
    flash(row.note, "success")
    return redirect(url_for("inbox.queue"))


@bp.route("/<int:inbox_message_id>/avfarda", methods=["POST"])
@roles_required(*MANAGERS)
def dismiss(inbox_message_id: int):
    row = _message_or_404(inbox_message_id)
    if DismissForm().validate_on_submit():
        try:
            services.dismiss(row, acting_user(), utcnow())
        except services.InboxRefused as refused:
            db.session.rollback()
            flash(refused.message, "error")
            return redirect(url_for("inbox.queue"))
        db.session.commit()
        flash(_("Meddelandet är avfärdat."), "success")
    return redirect(url_for("inbox.queue"))
