"""Erasure of a contact person (GDPR art. 17): the page that says what happens, and the POST that does it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies.models import ContactPerson
from crm.errors import RuleRefused
from crm.extensions import db
from crm.privacy import bp, erasure
from crm.privacy.erasure_forms import ErasureForm


@bp.route("/kontaktpersoner/<int:contact_id>/radera", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_contact(contact_id: int):
    contact = db.get_or_404(ContactPerson, contact_id)
    form = ErasureForm()
    if contact.erased_at is None and form.validate_on_submit():
        try:
            erasure.erase(contact, form.reason.data)
        except RuleRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
        else:
            db.session.commit()
            flash(_("Kontaktpersonen är raderad. Statistiken finns kvar."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact_id))
    elif contact.erased_at is not None and form.is_submitted():
        flash(str(erasure.AlreadyErased()), "error")
    return render_template("privacy/erasure.html", contact=contact, form=form, scope=erasure.scope(contact),
                           erased_name=erasure.erased_name(contact.id))
