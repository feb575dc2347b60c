"""Mail bodies from templates: `mail/<name>.txt` and `mail/<name>.html`, rendered without a request.

The app's Jinja environment is used directly (its filters included, HTML autoescaped by extension),
so the scheduler renders the same mail as a web request would.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app


def render_mail(name: str, **context) -> tuple[str, str]:
    return mail_renderer(name)(**context)


def mail_renderer(name: str) -> Callable[..., tuple[str, str]]:
    """`render_mail` for many messages from one template: the templates are looked up once."""
    env = current_app.jinja_env
    organisation_name = current_app.config["ORGANISATION_NAME"]
    text_template = env.get_template(f"mail/{name}.txt")
    html_template = env.get_template(f"mail/{name}.html")

    def render(**context) -> tuple[str, str]:
        context.setdefault("organisation_name", organisation_name)
        return text_template.render(**context), html_template.render(**context)

    return render
