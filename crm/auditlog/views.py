"""Admins browse and filter the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.audit.models import AuditEntry
from crm.audit.names import label_of, name_entries
from crm.auditlog import bp
from crm.auditlog.forms import ACTION_LABELS, AuditFilterForm
from crm.auth.access import roles_required
from crm.auth.models import Role, User
from crm.dbtypes import swedish
from crm.extensions import db
from crm.timeutil import STOCKHOLM


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    entities = db.session.execute(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).scalars()
    form.entity.choices = [SelectChoice("", _l("Alla"))] + sorted(
        (SelectChoice(name, label_of(name)) for name in entities), key=lambda choice: str(choice.label)
    )
    users = db.session.execute(select(User.id, User.name).order_by(swedish(User.name), User.id)).all()
    form.user_id.choices = [SelectChoice("", _l("Alla"))] + [SelectChoice(str(u.id), u.name) for u in users]

    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if form.validate():
        if form.entity.data:
            query = query.where(AuditEntry.entity == form.entity.data)
        if form.entity_id.data:
            query = query.where(AuditEntry.entity_id == form.entity_id.data.strip())
        if form.action.data:
            query = query.where(AuditEntry.action == form.action.data)
        if form.user_id.data:
            query = query.where(AuditEntry.user_id == int(form.user_id.data))
        if form.date_from.data:
            start = datetime.combine(form.date_from.data, time.min, STOCKHOLM)
            query = query.where(AuditEntry.at >= start)
        if form.date_to.data:
            end = datetime.combine(form.date_to.data + timedelta(days=1), time.min, STOCKHOLM)
            query = query.where(AuditEntry.at < end)
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"] * 2, error_out=False)
    return render_template(
        "audit/index.html", form=form, page=page, action_labels=ACTION_LABELS,
        records=name_entries(page.items), label_of=label_of,
    )
