"""A visit's calendar identity and its .ics download.

The UID is made once when the visit is created and never changes. SEQUENCE rises by one in the
same flush (so the same transaction) as any change of start, end, place, status or title (kind,
company), whichever code makes the change, and never falls.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import inspect

from crm.calendar.ical import CalendarItem, calendar_bytes
from crm.calendar.identity import keep_calendar_identity
from crm.visits.models import Visit, VisitStatus


def _company_replaced(visit: Visit) -> bool:
    history = inspect(visit).attrs["company"].history
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return bool(history.added) and old is not None and old is not new


keep_calendar_identity(Visit, also=_company_replaced)  # the columns marked SHOWN_IN_CALENDARS


def has_calendar_entry(visit: Visit) -> bool:
    """Booked, done and cancelled visits with their times can be downloaded: a cancelled one as a
    STATUS:CANCELLED item at a raised SEQUENCE, which takes it out of a calendar that imported it."""
    shown = (VisitStatus.BOOKED, VisitStatus.DONE, VisitStatus.CANCELLED)
    return visit.status in shown and bool(visit.starts_at and visit.ends_at)


def calendar_item(visit: Visit, url: str, *, in_full: bool = True) -> CalendarItem:
    """The VEVENT for a visit: its stored UID and SEQUENCE, UTC times, DTSTAMP its updated time.

    Without `in_full` (a reader who may see only a visit's basic facts) the purpose and place are left out.
    """
    assert visit.starts_at is not None and visit.ends_at is not None
    purpose = visit.purpose.strip() if in_full else ""
    description = "\n\n".join(part for part in (purpose, url) if part)
    return CalendarItem(
        uid=visit.uid,
        sequence=visit.sequence,
        start=visit.starts_at,
        end=visit.ends_at,
        summary=_("Företagsbesök: %(company)s", company=visit.company.name),
        updated=visit.updated_at,
        location=(visit.place or "") if in_full else "",
        description=description,
        url=url,
        cancelled=visit.status == VisitStatus.CANCELLED,
    )


def visit_ics(visit: Visit, url: str) -> bytes:
    """A download: no METHOD, no ATTENDEE, byte-identical while the visit is unchanged."""
    return calendar_bytes([calendar_item(visit, url)])
