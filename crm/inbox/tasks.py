"""The inbox's scheduled work (run by crm.scheduler): read the organizer mailbox and apply calendar replies.

Each message is committed before it is marked in the mailbox; if the marking fails, the next run reads it
again and its Message-ID makes that a no-op, so nothing is applied twice and nothing is lost.
"""

from __future__ import annotations

import logging

from flask import current_app

from crm import worker as workers
from crm.audit.mixins import system_actor
from crm.extensions import db
from crm.inbox import mailbox as imap
from crm.inbox.services import VIA, receive

log = logging.getLogger(__name__)


def poll_organizer_mailbox() -> int:
    """Process every unhandled message in the organizer mailbox; the number of messages handled."""
    settings = imap.Settings.from_config(current_app.config)
    if settings is None:
        return 0
    count = 0
    token = system_actor.set((None, VIA))
    try:
        with imap.connect(settings) as mailbox:
            for uid, raw in list(imap.unhandled(mailbox)):
                if not workers.current().may_act():  # the scheduler lost its lock or is stopping: leave the rest
                    break
                outcome = receive(raw)
                db.session.commit()
                if outcome.message is None:
                    imap.mark_skipped(mailbox, uid)
                    continue
                imap.mark_handled(mailbox, settings, uid)
                log.info("inbox: %s", outcome.describe())
                count += 1
    finally:
        system_actor.reset(token)
    return count
