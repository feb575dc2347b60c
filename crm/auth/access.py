"""Every view declares who may use it: `@roles_required(...)`, `@login_required_any` or `@public`.

The factory refuses to start if a view declares nothing, so no route is open by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user

from crm.auth.models import Role, User

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
ANY_USER = "any"


def acting_user() -> User:
    """The signed-in user itself, not the request-bound proxy: what a view hands a service to store or check."""
    return current_user._get_current_object()


def _declare(view: Callable, access) -> None:
    view.access = access  # type: ignore[attr-defined]


def public(view: F) -> F:
    """Anyone, logged in or not."""
    _declare(view, PUBLIC)
    return view


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Logged-in users with one of these roles (admins always)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from crm.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapped, frozenset(roles) | {Role.ADMIN})
        return wrapped  # type: ignore[return-value]

    return decorator


def any_user(view: F) -> F:
    """Any logged-in user, whatever the role."""
    wrapped = roles_required(*Role)(view)
    _declare(wrapped, ANY_USER)
    return wrapped


def access_of(view: Callable):
    return getattr(view, "access", None)


def check_all_views_declared(app) -> None:
    """Raise if any endpoint lacks an access declaration."""
    missing = [
        endpoint for endpoint, view in app.view_functions.items() if endpoint != "static" and access_of(view) is None
    ]
    if missing:
        raise RuntimeError(f"Views without an access declaration: {', '.join(sorted(missing))}")
