"""A token in a URL never reaches a log: the request log of a real server shows the path masked."""

from __future__ import annotations

import logging
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from crm.events.tokens import token_for
from crm.extensions import db
from crm.feeds.models import FeedKind
from crm.feeds.services import issue
from crm.logredact import redact
from tests.feeds.helpers import local_days_from_now
from tests.support.pgserver import free_port


@pytest.fixture(autouse=True)
def loggers_enabled(app):
    """The migrations' logging.config.fileConfig disabled every logger that existed in this process; undo it."""
    loggers = [logging.getLogger("werkzeug"), app.logger]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = False
    yield
    for logger, disabled in zip(loggers, before, strict=True):
        logger.disabled = disabled


@pytest.fixture
def server(app):
    """The app on a real local HTTP server; requests are logged by werkzeug as in development."""
    httpd = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def tokens(factories, users):
    invitation = factories.invitation(factories.event(start=local_days_from_now(10)))
    feed = issue(FeedKind.MINE, user=users["staff"], created_by=users["staff"])
    db.session.commit()
    return token_for(invitation), feed


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local test server)
        return response.status


def test_the_request_log_masks_rsvp_and_feed_tokens(server, tokens, caplog):
    rsvp, feed = tokens
    caplog.set_level(logging.INFO, logger="werkzeug")

    assert get(f"{server}/svar/{rsvp}?svar=ja") == 200
    assert get(f"{server}/svar/{rsvp}/avregistrera") == 200
    assert get(f"{server}/kalender/{feed}.ics") == 200

    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "werkzeug")
    assert "/svar/[dolt]?svar=ja" in logged and "/svar/[dolt]/avregistrera" in logged
    assert "/kalender/[dolt].ics" in logged
    for token in (rsvp, feed, rsvp.split(".")[0], rsvp.split(".")[1]):
        assert token not in logged
        assert token not in caplog.text


def test_the_apps_own_log_masks_them_too(app, tokens, caplog):
    rsvp, feed = tokens
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        app.logger.error("Exception on /svar/%s [POST]", rsvp)
        app.logger.error(f"Exception on /kalender/{feed}.ics [GET]")
    assert rsvp not in caplog.text and feed not in caplog.text
    assert "Exception on /svar/[dolt] [POST]" in caplog.text


def test_control_an_unfiltered_logger_would_show_the_token(tokens, caplog):
    rsvp, _ = tokens
    with caplog.at_level(logging.INFO, logger="tests.unfiltered"):
        logging.getLogger("tests.unfiltered").info('"GET /svar/%s HTTP/1.1" 200 -', rsvp)
    assert rsvp in caplog.text


@pytest.mark.parametrize(("line", "masked"), [
    ('"GET /svar/abc.DEF-_1 HTTP/1.1" 200 -', '"GET /svar/[dolt] HTTP/1.1" 200 -'),
    ('"POST /svar/abc.def/avregistrera HTTP/1.1"', '"POST /svar/[dolt]/avregistrera HTTP/1.1"'),
    ("GET /kalender/Zm9v_-bar.ics?x=1", "GET /kalender/[dolt].ics?x=1"),
    ("GET /besok/12/besok.ics", "GET /besok/12/besok.ics"),
])
def test_redact(line, masked):
    assert redact(line) == masked
