"""The SSO admin page: the IdP settings, the group-to-role table, accounts unused for a year (admins only)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.extensions import db
from crm.sso import admin, bp, settings
from crm.sso.forms import DeleteMappingForm, RoleMappingForm, SsoSettingsForm
from crm.timeutil import utcnow


def _page(settings_form: SsoSettingsForm, mapping_form: RoleMappingForm, status: int = 200):
    config = current_app.config
    base = config["BASE_URL"].rstrip("/")
    row = settings.stored()
    return render_template(
        "sso/admin.html",
        form=settings_form,
        mapping_form=mapping_form,
        delete_form=DeleteMappingForm(),
        mappings=admin.mappings(),
        oidc_from_environment=bool(config.get("OIDC_ISSUER")),
        saml_from_environment=bool(config.get("SAML_IDP_ENTITY_ID")),
        break_glass_from_environment=bool(config.get("BREAK_GLASS_EMAIL")),
        secret_stored=bool(row and row.oidc_client_secret_encrypted),
        key_stored=bool(row and row.saml_sp_private_key_encrypted),
        callback_url=base + url_for("sso.oidc_callback"),
        metadata_url=base + url_for("sso.saml_metadata"),
        acs_url=base + url_for("sso.saml_acs"),
    ), status


@bp.route("/admin/sso", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings_page():
    row = settings.stored()
    form = SsoSettingsForm(obj=row)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in admin.TEXT_FIELDS}
        try:
            admin.save_settings(values, form.oidc_client_secret.data or "", form.saml_sp_private_key.data or "")
        except admin.RuleRefused as refused:
            getattr(form, refused.field).errors.append(refused.message)
        else:
            db.session.commit()
            flash(_("Inställningarna för inloggning är sparade."), "success")
            return redirect(url_for("sso.settings_page"))
    return _page(form, RoleMappingForm(formdata=None))


@bp.route("/admin/sso/roller", methods=["POST"])
@roles_required(Role.ADMIN)
def add_mapping():
    form = RoleMappingForm()
    if form.validate_on_submit():
        try:
            admin.add_mapping(form.group_value.data, Role(form.role.data), form.note.data or "")
        except admin.RuleRefused as refused:
            getattr(form, refused.field).errors.append(refused.message)
        else:
            db.session.commit()
            flash(_("Gruppen ger nu rollen %(role)s.", role=Role(form.role.data).label), "success")
            return redirect(url_for("sso.settings_page") + "#roller")
    return _page(SsoSettingsForm(obj=settings.stored(), formdata=None), form)


@bp.route("/admin/sso/roller/ta-bort", methods=["POST"])
@roles_required(Role.ADMIN)
def delete_mapping():
    form = DeleteMappingForm()
    valid = form.validate_on_submit() and form.mapping_id.data.isdigit()
    if valid and admin.delete_mapping(int(form.mapping_id.data)) is not None:
        db.session.commit()
        flash(_("Raden är borttagen. Den som bara hade den gruppen kommer inte in nästa gång."), "success")
    return redirect(url_for("sso.settings_page") + "#roller")


@bp.route("/admin/sso/oanvanda")
@roles_required(Role.ADMIN)
def unused():
    return render_template("sso/unused.html", users=admin.unused_accounts(utcnow()))
