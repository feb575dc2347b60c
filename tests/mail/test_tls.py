"""STARTTLS and implicit TLS against a real server with a certificate from a throwaway CA."""

from __future__ import annotations

import ssl

import pytest
import trustme

from crm.extensions import db
from crm.mail.delivery import deliver_due
from crm.mail.models import OutboxStatus
from tests.mail.helpers import NOW, by_key, queue_message, use_server
from tests.support.smtpserver import SmtpServer


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path) -> str:
    path = tmp_path / "intern-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request, ca):
    """A server that takes mail only over TLS: STARTTLS required before MAIL, or TLS from the first byte."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if request.param == "starttls":
        server = SmtpServer(tls_context=context, require_starttls=True)
    else:
        server = SmtpServer(ssl_context=context)
    with server:
        yield request.param, server


def test_the_message_arrives_over_tls(app, tls_server, ca_file):
    security, server = tls_server
    use_server(app, server.port, security=security, ca_file=ca_file)
    queue_message("tls:1")
    db.session.commit()

    assert deliver_due(NOW).sent == 1

    assert by_key("tls:1").status == OutboxStatus.SENT
    [received] = server.messages
    assert received.message["Message-ID"] == by_key("tls:1").message_id


def test_an_untrusted_certificate_stops_the_handshake_and_the_message_waits(app, tls_server, ca_file):
    security, server = tls_server
    use_server(app, server.port, security=security, ca_file=None)
    queue_message("tls:untrusted")
    db.session.commit()

    deliver_due(NOW)

    message = by_key("tls:untrusted")
    assert message.status == OutboxStatus.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
    assert server.messages == []

    use_server(app, server.port, security=security, ca_file=ca_file)
    deliver_due(message.next_attempt_at)

    assert by_key("tls:untrusted").status == OutboxStatus.SENT
    assert len(server.messages) == 1
