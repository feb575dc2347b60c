"""Jinja filters and the values every page needs (navigation, language form)."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth.models import Role
from crm.timeutil import format_date, format_datetime, week

# (endpoint, label, roles that see it; admin sees everything)
NAVIGATION = [
    ("main.index", _l("Start"), tuple(Role)),
    ("companies.index", _l("Företag"), (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)),
    ("contacts.index", _l("Kontaktpersoner"), (Role.STAFF, Role.ORGANIZER)),
    ("meetings.index", _l("Möteslogg"), (Role.STAFF,)),
    ("visits.index", _l("Besök"), (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)),
    ("followups.mine", _l("Uppföljningar"), (Role.STAFF,)),
    ("followups.politician", _l("Uppföljningar av besök"), (Role.POLITICIAN,)),
    ("plan.index", _l("Besöksplan"), (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)),
    ("networks.index", _l("Nätverk"), (Role.STAFF, Role.ORGANIZER)),
    ("events.index", _l("Evenemang"), (Role.STAFF, Role.ORGANIZER)),
    ("auth.users", _l("Användare"), (Role.ADMIN,)),
    ("audit.index", _l("Logg"), (Role.ADMIN,)),
    ("outbox.index", _l("Utkorg"), (Role.ADMIN,)),
    ("privacy.requests", _l("Registerutdrag"), (Role.STAFF,)),
    ("retention.index", _l("Gallring"), (Role.ADMIN,)),
    ("privacy.processing_record_page", _l("Behandlingar"), (Role.ADMIN,)),
]


def current_item(endpoints: list[str], endpoint: str | None) -> str | None:
    """The menu item of the page: its own endpoint, else the first item of its feature (Start only for itself),
    so a feature with two items (Registerutdrag, Behandlingar) marks one of them, not both."""
    if not endpoint or endpoint in endpoints:
        return endpoint
    feature = endpoint.split(".")[0]
    return next((item for item in endpoints if item != "main.index" and item.split(".")[0] == feature), None)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(week, "week")

    from crm.companies.models import SIZE_CLASSES
    from crm.companies.sni import describe, is_valid

    app.add_template_filter(describe, "sni_describe")
    app.add_template_global(is_valid, "sni_is_valid")
    app.add_template_global(SIZE_CLASSES, "size_classes")

    from crm.scheduler.health import scheduler_warning

    app.add_template_global(scheduler_warning, "scheduler_warning")  # admins' banner; see crm.scheduler.health

    @app.context_processor
    def page_context():
        from crm.auth.forms import LanguageForm

        items = []
        if current_user.is_authenticated:
            items = [(endpoint, label) for endpoint, label, roles in NAVIGATION if current_user.has_role(*roles)]
        locale = str(get_locale() or "sv")
        language_form = LanguageForm(formdata=None, locale="en" if locale == "sv" else "sv")
        return {
            "navigation": items,
            "current_navigation": current_item([endpoint for endpoint, _label in items], request.endpoint),
            "current_endpoint": request.endpoint,
            "current_locale": locale,
            "language_form": language_form,
            "organisation_name": app.config["ORGANISATION_NAME"],
            "Role": Role,
        }
