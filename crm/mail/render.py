"""Mail bodies from templates: `mail/<name>.txt` and `mail/<name>.html`, rendered without a request.

The app's Jinja environment is used directly (its filters included, HTML autoescaped by extension),
so the scheduler renders the same mail as a web request would.
"""

from __future__ import annotations

from flask import current_app


def render_mail(name: str, **context) -> tuple[str, str]:
    env = current_app.jinja_env
    context.setdefault("organisation_name", current_app.config["ORGANISATION_NAME"])
    text = env.get_template(f"mail/{name}.txt").render(**context)
    html = env.get_template(f"mail/{name}.html").render(**context)
    return text, html
