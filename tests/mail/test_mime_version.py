"""Every queued message has one top-level `MIME-Version: 1.0` header (spam filters penalise its absence)."""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.mail.compose import CalendarPart
from crm.mail.outbox import Outgoing, queue_many
from tests.mail.helpers import HTML, NOW, SUBJECT, TEXT, by_key, queue_message
from tests.mail.test_messages import ICS, header_block


def _mime_versions(raw: bytes) -> list[bytes]:
    return [line for line in header_block(raw).split(b"\r\n") if line.lower().startswith(b"mime-version:")]


@pytest.mark.parametrize("method", [None, "REQUEST", "CANCEL"])
def test_a_queued_message_has_one_top_level_mime_version(app, method):
    calendar = CalendarPart(ICS.format(method=method).encode("utf-8"), method) if method else None
    queue_message("mime:1", calendar=calendar)
    db.session.commit()
    assert _mime_versions(by_key("mime:1").raw) == [b"MIME-Version: 1.0"]


@pytest.mark.parametrize("method", [None, "REQUEST"])
def test_messages_built_in_a_batch_have_it_too(app, method):
    ics = ICS.format(method=method).encode("utf-8") if method else None
    messages = [
        Outgoing(f"mime-batch:{n}", kind="visit-reminder", to=f"person{n}@example.se", subject=SUBJECT, text=TEXT,
                 html=HTML, calendar=CalendarPart(ics, method) if method else None)
        for n in range(3)
    ]
    assert len(queue_many(messages, NOW)) == 3
    db.session.commit()
    for n in range(3):
        assert _mime_versions(by_key(f"mime-batch:{n}").raw) == [b"MIME-Version: 1.0"]
