"""Secret links (RSVP answers, calendar feeds, open registration's confirmation links) are masked in log lines.

Their tokens travel in the path, so a request log (the development server's, gunicorn's access log,
Flask's "Exception on /svar/... [GET]") would otherwise keep a working link in clear text.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

MASK = "[dolt]"
SECRET_PATHS = re.compile(r"(/svar/|/kalender/|/anmalan/bekrafta/)[^/?#\s\"']+?(\.ics)?(?=[/?#\s\"']|$)")
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2) or ''}", text)


class SecretPathFilter(logging.Filter):
    """Rewrites a record's message with every secret path segment masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report as usual
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_FILTER = SecretPathFilter()


def install(app: Flask) -> None:
    """Attach the filter to the request loggers and the app's own (idempotent)."""
    for logger in (*(logging.getLogger(name) for name in LOGGERS), app.logger):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
