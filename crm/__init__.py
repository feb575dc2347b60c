"""The Näringsliv CRM application factory."""

from __future__ import annotations

import os

from flask import Flask

from config import CONFIGS


def create_app(config_name: str | None = None) -> Flask:
    """Build the app for `config_name` (development, testing, production; default from CRM_ENV).

    Without either it is production, which refuses to start without its settings: development (the
    public key, http links) only when asked for by name.
    """
    app = Flask(__name__, instance_relative_config=True)
    name = config_name or os.environ.get("CRM_ENV") or "production"
    if name not in CONFIGS:
        raise RuntimeError(f"CRM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    app.config.from_mapping(CONFIGS[name].load())
    app.config["CRM_ENV"] = name
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)

    from crm.auth.access import check_all_views_declared

    check_all_views_declared(app)
    return app


def register_extensions(app: Flask) -> None:
    from crm.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Stockholm")

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    import crm.models  # noqa: F401  (every mapper registered before first use)
    from crm.auth import sessions

    login_manager.user_loader(sessions.load_user)  # a live session row, within its idle time and lifetime
    sessions.connect_signals(app)

    from crm.database import configure_engine_events

    with app.app_context():
        configure_engine_events(db.engine)


def _select_locale() -> str:
    from flask import has_request_context, session
    from flask_login import current_user

    if not has_request_context():  # the scheduler, CLI commands: Swedish, the default
        return "sv"
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return session.get("locale", "sv")


def register_blueprints(app: Flask) -> None:
    from crm.auditlog import bp as audit_bp
    from crm.auth import bp as auth_bp
    from crm.companies import bp as companies_bp
    from crm.contacts import bp as contacts_bp
    from crm.events import bp as events_bp
    from crm.events import rsvp_bp
    from crm.followups import bp as followups_bp
    from crm.imports import bp as imports_bp
    from crm.mail import bp as outbox_bp
    from crm.main import bp as main_bp
    from crm.meetings import bp as meetings_bp
    from crm.plan import bp as plan_bp
    from crm.visits import bp as visits_bp

    for blueprint in (main_bp, auth_bp, audit_bp, companies_bp, contacts_bp, meetings_bp, imports_bp,
                      visits_bp, plan_bp, followups_bp, outbox_bp, events_bp):
        app.register_blueprint(blueprint)

    from crm.feeds import bp as feeds_bp

    app.register_blueprint(rsvp_bp)
    app.register_blueprint(feeds_bp)

    from crm.networks import bp as networks_bp

    app.register_blueprint(networks_bp)

    from crm.sso import bp as sso_bp

    app.register_blueprint(sso_bp)

    from crm.inbox import bp as inbox_bp

    app.register_blueprint(inbox_bp)

    from crm.privacy import bp as privacy_bp
    from crm.retention import bp as retention_bp

    app.register_blueprint(privacy_bp)
    app.register_blueprint(retention_bp)



def register_errorhandlers(app: Flask) -> None:
    from flask import render_template
    from flask_wtf.csrf import CSRFError

    from crm.extensions import db

    def render_error(status: int, template: str):
        return render_template(f"errors/{template}.html"), status

    app.register_error_handler(403, lambda e: render_error(403, "403"))
    app.register_error_handler(404, lambda e: render_error(404, "404"))
    app.register_error_handler(405, lambda e: render_error(405, "405"))
    app.register_error_handler(413, lambda e: render_error(413, "413"))
    app.register_error_handler(CSRFError, lambda e: render_error(400, "csrf"))

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_error(500, "500")

    from crm.errors import register_database_unavailable

    register_database_unavailable(app)  # 503 while the database cannot be reached


def register_request_hooks(app: Flask) -> None:
    from crm.security import TrustedProxies, apply_security_headers

    app.wsgi_app = TrustedProxies(app, app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(apply_security_headers)


def register_template_helpers(app: Flask) -> None:
    from crm import templating

    templating.init_app(app)


def register_commands(app: Flask) -> None:
    from crm.cli import register

    register(app)
