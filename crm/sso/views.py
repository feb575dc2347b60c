"""Single sign-on pages: OIDC login and callback, the refused page, and the break-glass login."""

from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from crm.auth import services as auth_services
from crm.auth.access import public
from crm.auth.forms import LoginForm
from crm.auth.views import safe_next
from crm.extensions import db
from crm.sso import bp, break_glass, oidc, services, settings

log = logging.getLogger(__name__)

REASONS = {
    "no_role": "no_role",
    "inactive": "inactive",
    "failed": "failed",
    "unavailable": "unavailable",
}


def start_session(user) -> None:
    """The same start of a session as the password login's."""
    session.clear()
    login_user(user)
    session.permanent = True


def refused(reason: str, status: int):
    """The friendly page for a login the IdP or this system did not let through; nothing is signed in."""
    return render_template("sso/refused.html", reason=REASONS[reason]), status


def signed_in(identity: services.Identity, next_url: str | None):
    try:
        user = services.sign_in(identity)
    except services.SignInRefused as refusal:
        db.session.commit()  # the refusal's audit entry; no account was created
        return refused(refusal.reason, 403)
    db.session.commit()
    start_session(user)
    return redirect(next_url or url_for("main.index"))


def _callback_url(endpoint: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint)


@bp.errorhandler(oidc.ProviderUnavailable)
def _provider_unavailable(error):
    log.warning("OIDC provider unavailable: %s", error)
    return refused("unavailable", 503)


@bp.errorhandler(oidc.LoginFailed)
def _login_failed(error):
    log.warning("OIDC login refused: %s", error)
    return refused("failed", 400)


@bp.route("/sso/oidc/logga-in")
@public
def oidc_login():
    config = settings.oidc()
    if config is None:
        return redirect(url_for("auth.login"))
    started = oidc.start(config, _callback_url("sso.oidc_callback"))
    session["sso_oidc"] = {**started.flow, "next": safe_next(request.args.get("next"))}
    return redirect(started.url)


@bp.route("/sso/oidc/callback")
@public
def oidc_callback():
    config = settings.oidc()
    flow = session.pop("sso_oidc", None)
    if config is None or (flow is None and not request.args):
        return redirect(url_for("auth.login"))
    identity = oidc.finish(config, _callback_url("sso.oidc_callback"), flow, request.args.to_dict())
    return signed_in(identity, (flow or {}).get("next"))


@bp.route("/logga-in/lokal", methods=["GET", "POST"])
@public
def break_glass_login():
    """The break-glass admin's password login; works whether or not the IdP answers."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            user = break_glass.log_in(form.email.data, form.password.data, request.remote_addr or "-")
        except auth_services.LoginRefused as refused_login:
            user, status, error = None, 429, refused_login.refusal.message()
            headers = {"Retry-After": str(refused_login.refusal.wait_seconds)}
        else:
            if user is None:
                error = _("Fel e-postadress eller lösenord.")
        db.session.commit()
        if user is not None:
            start_session(user)
            return redirect(url_for("main.index"))
    return render_template("sso/break_glass.html", form=form, error=error), status, headers
