"""What the outbox's gate (crm.mail.gate) must know from the register: the addresses of contact persons who
objected to mailings (GDPR art. 21; either scope stops every mailing) and the generic addresses of
companies with Reklamspärr. No "people" mail reaches them, whatever path queues it."""

from __future__ import annotations

from sqlalchemy import Select, select

from crm.companies.models import Company, ContactPerson
from crm.mail.outbox import blocked_source


@blocked_source
def objecting_contacts() -> Select:
    return select(ContactPerson.email.label("address")).where(
        ContactPerson.objection.is_(True), ContactPerson.email.is_not(None))


@blocked_source
def reklamsparr_companies() -> Select:
    return select(Company.email.label("address")).where(Company.ad_block.is_(True), Company.email.is_not(None))
