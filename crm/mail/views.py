"""Utkorg: admins see what the CRM has sent or tries to send, send a failed message (or every dead one of some
days) again and send a test mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.extensions import db
from crm.mail import bp, delivery, links, services
from crm.mail.forms import RetryDeadForm
from crm.mail.models import OutboxMessage, OutboxStatus

# Absolute links on pages (a public address to copy) come from BASE_URL like those in mail, never the request.
bp.add_app_template_global(links.absolute_url, "absolute_url")


@bp.app_template_filter("outbox_kind")
def outbox_kind(kind: str) -> str:
    return services.kind_label(kind)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return _outbox_page(RetryDeadForm(formdata=None))


def _outbox_page(retry_form: RetryDeadForm):
    status = services.parse_status(request.args.get("status"))
    counts = services.status_counts()
    page = db.paginate(
        services.list_query(status), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False
    )
    return render_template(
        "mail/outbox.html",
        page=page,
        status=status,
        counts=counts,
        total=sum(counts.values()),
        statuses=list(OutboxStatus),
        settings=services.mail_settings(),
        retry_form=retry_form,
    )


@bp.route("/<int:outbox_message_id>")
@roles_required(Role.ADMIN)
def detail(outbox_message_id: int):
    message = db.get_or_404(OutboxMessage, outbox_message_id)
    file_name = None if current_app.config.get("MAIL_SERVER") else delivery.eml_name(message)
    return render_template(
        "mail/outbox_message.html",
        message=message,
        content=services.read(message.raw),
        file_name=file_name,
        settings=services.mail_settings(),
        retryable=message.status in services.RETRYABLE,
    )


@bp.route("/<int:outbox_message_id>/skicka-igen", methods=["POST"])
@roles_required(Role.ADMIN)
def retry(outbox_message_id: int):
    message = db.get_or_404(OutboxMessage, outbox_message_id)
    if services.retry(message):
        db.session.commit()
        flash(_("Meddelandet ligger i kön igen och skickas vid nästa utskick."), "success")
    else:
        flash(_("Bara meddelanden som nekats eller där försöken tagit slut kan skickas igen."), "error")
    return redirect(url_for("outbox.detail", outbox_message_id=outbox_message_id))


@bp.route("/skicka-om-doda", methods=["POST"])
@roles_required(Role.ADMIN)
def retry_dead():
    form = RetryDeadForm()
    if not form.validate_on_submit():
        return _outbox_page(form)
    first_day, last_day = form.date_from.data, form.date_to.data
    ids = services.retry_dead(first_day, last_day)
    db.session.commit()
    if ids:
        flash(ngettext("%(num)d meddelande ligger i kön igen.", "%(num)d meddelanden ligger i kön igen.", len(ids)),
              "success")
    else:
        flash(_("Inga meddelanden som gett upp skapades %(first)s–%(last)s, så inget lades i kön igen.",
                first=first_day.isoformat(), last=last_day.isoformat()), "success")
    return redirect(url_for("outbox.index"))


@bp.route("/testmejl", methods=["POST"])
@roles_required(Role.ADMIN)
def test_mail():
    me = acting_user()
    try:
        message_id = services.queue_test_mail(me)
    except ValueError:
        db.session.rollback()
        flash(_("Din e-postadress går inte att skicka till. Rätta den på sidan Användare."), "error")
        return redirect(url_for("outbox.index"))
    db.session.commit()
    flash(_("Ett testmejl till %(address)s ligger i utkorgen och skickas vid nästa utskick.", address=me.email),
          "success")
    return redirect(url_for("outbox.detail", outbox_message_id=message_id))
