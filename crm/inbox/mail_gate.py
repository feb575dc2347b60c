"""What the outbox's gate (crm.mail.gate) must know from the inbox: the other addresses a contact person who
objected to mailings answers from (a forwarding mailbox, an alias) get no "people" mail either."""

from __future__ import annotations

from sqlalchemy import Select, select

from crm.companies.models import ContactPerson
from crm.inbox.models import KnownAddress
from crm.mail.outbox import blocked_source


@blocked_source
def known_addresses_of_objecting_contacts() -> Select:
    return (select(KnownAddress.email.label("address"))
            .join(ContactPerson, ContactPerson.id == KnownAddress.contact_id)
            .where(ContactPerson.objection.is_(True)))
