"""Utkorg: admins see what the CRM has sent or tries to send, send a failed message again and send a test mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.auth.access import acting_user, roles_required
from crm.auth.models import Role
from crm.extensions import db
from crm.mail import bp, delivery, services
from crm.mail.models import OutboxMessage, OutboxStatus


@bp.app_template_filter("outbox_kind")
def outbox_kind(kind: str) -> str:
    return services.kind_label(kind)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
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
