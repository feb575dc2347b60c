"""The base of every domain rule that refuses an operation with a message for the user."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class RuleRefused(Exception):
    """A rule refused the operation; `str(error)` is the (translated) message for the user."""

    message = _l("Det gick inte att genomföra.")

    def __str__(self) -> str:
        return str(self.message)
