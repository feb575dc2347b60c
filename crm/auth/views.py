"""Login, logout, the user's own account, and user administration for admins."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from crm.audit.mixins import record
from crm.auth import bp, external, services
from crm.auth.access import acting_user, any_user, public, roles_required
from crm.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    LogoutEverywhereForm,
    NewUserForm,
    ResetPasswordForm,
    UserForm,
)
from crm.auth.models import Role, User
from crm.dbtypes import swedish
from crm.extensions import db


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, no host, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _refusal_message(refusal) -> str:
    """The Swedish message for a throttled attempt (crm.auth.throttle.Refusal.message)."""
    return refusal.message()


def _retry_after(refusal) -> dict:
    """429's header: how many seconds a throttled client must wait (crm.auth.throttle)."""
    return {"Retry-After": str(refusal.wait_seconds)} if refusal else {}


@bp.route("/logga-in", methods=["GET", "POST"])
@public
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    sign_in_options = external.options()
    if sign_in_options:  # single sign-on (crm.sso): no passwords here; break-glass has a page of its own
        return render_template("auth/login.html", form=None, sign_in_options=sign_in_options, next_url=next_url)
    form = LoginForm()
    error = refusal = None
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "-")
        except services.LoginRefused as refused:
            error, status, refusal = refused.refusal.message(), 429, refused.refusal
            user = None
        else:
            if user is None:
                error, status = _("Fel e-postadress eller lösenord."), 200
        db.session.commit()
        if user is not None:
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(next_url or url_for("main.index"))
    elif request.method == "POST":
        status = 200
    return render_template("auth/login.html", form=form, error=error, next_url=next_url), status, _retry_after(refusal)


@bp.route("/logga-ut", methods=["POST"])
@any_user
def logout():
    record(db.session.connection(), "logout", "User", current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/sprak", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
        else:
            session["locale"] = form.locale.data
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("main.index"))


@bp.route("/konto", methods=["GET", "POST"])
@any_user
def account():
    user = acting_user()
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        services.set_preferences(
            user,
            locale=form.locale.data,
            digest_enabled=form.digest_enabled.data,
            digest_time=form.digest_time.data,
            digest_weekends=form.digest_weekends.data,
            visit_reminders_enabled=form.visit_reminders_enabled.data,
            assignment_mails_enabled=form.assignment_mails_enabled.data,
        )
        db.session.commit()
        flash(_("Dina inställningar är sparade."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, logout_form=LogoutEverywhereForm())


@bp.route("/konto/logga-ut-overallt", methods=["POST"])
@any_user
def logout_everywhere():
    """End every session of this user, on every device, this one included."""
    if not LogoutEverywhereForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    user = acting_user()
    services.end_all_sessions(user)
    record(db.session.connection(), "logout", "User", user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad överallt, även på andra enheter."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@any_user
def change_password():
    user = acting_user()
    form = ChangePasswordForm(user, address=request.remote_addr or "-")
    if form.validate_on_submit():
        user.set_password(form.new_password.data)
        db.session.commit()
        login_user(user)  # the session token rotated; keep this session
        flash(_("Ditt lösenord är bytt. Dina andra inloggningar är utloggade."), "success")
        return redirect(url_for("auth.account"))
    status = 429 if form.refusal else 200
    return render_template("auth/change_password.html", form=form), status, _retry_after(form.refusal)


# --- Administration -------------------------------------------------------------------------


@bp.route("/admin/anvandare")
@roles_required(Role.ADMIN)
def users():
    page = db.paginate(
        select(User).order_by(User.active.desc(), swedish(User.name), User.id),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    return render_template("auth/users.html", page=page)


@bp.route("/admin/anvandare/ny", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        user = services.create_user(
            form.name.data, form.email.data, Role(form.role.data), form.new_password.data, form.locale.data
        )
        user.active = form.active.data
        db.session.commit()
        flash(_("Användaren %(name)s är skapad.", name=user.name), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/anvandare/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, user_id=user.id)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        role, active = Role(form.role.data), form.active.data
        demoting_last_admin = (
            user.role == Role.ADMIN
            and user.active
            and (role != Role.ADMIN or not active)
            and services.active_admin_count() <= 1
        )
        if demoting_last_admin:
            form.role.errors = [*form.role.errors, _("Det måste finnas minst en aktiv administratör.")]
        else:
            services.update_user(
                user, name=form.name.data, email=form.email.data, role=role, active=active, locale=form.locale.data
            )
            db.session.commit()
            flash(_("Ändringarna för %(name)s är sparade.", name=user.name), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/admin/anvandare/<int:user_id>/losenord", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        return redirect(url_for("auth.change_password"))  # one's own needs the current password
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        user.set_password(form.new_password.data)
        db.session.commit()
        flash(_("Nytt lösenord är satt för %(name)s. Användaren är utloggad överallt.", name=user.name), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/reset_password.html", form=form, user=user)
