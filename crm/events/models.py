"""Events (träffar), their series, invitations with RSVP and attendance, and dietary needs kept apart."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.mixins import Audited
from crm.calendar.identity import SHOWN_IN_CALENDARS, new_uid
from crm.dbtypes import Labelled, UTCDateTime, str_enum
from crm.extensions import db
from crm.timeutil import utcnow

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.companies.models import ContactPerson
    from crm.networks.models import Network


class EventKind(Labelled):
    BREAKFAST = "frukostmote"
    THEME = "temamote"
    NETWORK_MEETING = "natverkstraff"
    PROCUREMENT_INFO = "upphandlingsinfo"
    WORKSHOP = "workshop"


EventKind.set_labels({
    EventKind.BREAKFAST: _l("Frukostmöte"),
    EventKind.THEME: _l("Temamöte"),
    EventKind.NETWORK_MEETING: _l("Nätverksträff"),
    EventKind.PROCUREMENT_INFO: _l("Informationsmöte inför upphandling"),
    EventKind.WORKSHOP: _l("Workshop"),
})


class EventStatus(Labelled):
    PLANNED = "planerad"
    INVITED = "inbjudan_skickad"
    HELD = "genomford"
    CANCELLED = "installd"


EventStatus.set_labels({
    EventStatus.PLANNED: _l("planerad"),
    EventStatus.INVITED: _l("inbjudan skickad"),
    EventStatus.HELD: _l("genomförd"),
    EventStatus.CANCELLED: _l("inställd"),
})


class Answer(Labelled):
    YES = "ja"
    NO = "nej"
    MAYBE = "kanske"


Answer.set_labels({Answer.YES: _l("ja"), Answer.NO: _l("nej"), Answer.MAYBE: _l("kanske")})


class Attendance(Labelled):
    ATTENDED = "narvarade"
    NO_SHOW = "uteblev"


Attendance.set_labels({Attendance.ATTENDED: _l("närvarade"), Attendance.NO_SHOW: _l("uteblev")})


class EventSeries(db.Model):
    """Events made in one step from a rule; each event stays an event of its own with its own UID."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(300))  # the rule in words, as the organizer chose it
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.starts_at")


class Event(Audited, db.Model):
    __tablename__ = "events"
    __audit_exclude__ = frozenset({"updated_at", "places_taken"})
    __table_args__ = (Index("ix_events_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The columns marked SHOWN_IN_CALENDARS are what a calendar shows: a change to one raises the SEQUENCE
    # (so does cancelling or reinstating, crm/events/calendar.py).
    title: Mapped[str] = mapped_column(String(200), info=SHOWN_IN_CALENDARS)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus), default=EventStatus.PLANNED)
    network_id: Mapped[Optional[int]] = mapped_column(ForeignKey("networks.id", ondelete="SET NULL"), index=True)
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    organizer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), info=SHOWN_IN_CALENDARS)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), info=SHOWN_IN_CALENDARS)
    place: Mapped[str] = mapped_column(String(300), default="", info=SHOWN_IN_CALENDARS)
    link: Mapped[str] = mapped_column(String(500), default="", info=SHOWN_IN_CALENDARS)
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[Optional[int]]
    # Places given to "ja" answers; changed only by conditional UPDATEs so two answers can't both take the last.
    places_taken: Mapped[int] = mapped_column(Integer, default=0)
    registration_deadline: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    asks_dietary: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    network: Mapped[Optional[Network]] = relationship()
    series: Mapped[Optional[EventSeries]] = relationship(back_populates="events")
    organizer: Mapped[Optional[User]] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(back_populates="event", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title} {self.starts_at:%Y-%m-%d}>"


class Invitation(Audited, db.Model):
    """One invitee of one event: a contact person, or a guest who registered openly (walk-ins too).

    The RSVP link carries `rsvp_key` and an HMAC of it under the app's secret, so the key alone
    (from a copy of the database) does not make a working link.
    """

    __tablename__ = "invitations"
    __audit_exclude__ = frozenset({"rsvp_key"})
    __table_args__ = (
        UniqueConstraint("event_id", "contact_id", name="uq_invitations_event_id_contact_id"),
        Index("ix_invitations_contact_id", "contact_id"),
        Index("ix_invitations_event_answer", "event_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    contact_id: Mapped[Optional[int]] = mapped_column(ForeignKey("contact_persons.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    rsvp_key: Mapped[str] = mapped_column(String(40), unique=True)
    invited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # when the first REQUEST was queued
    sent_sequence: Mapped[Optional[int]]  # the event SEQUENCE of the last REQUEST queued to this person
    uninvited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    answer: Mapped[Optional[Answer]] = mapped_column(str_enum(Answer, 10))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    waitlisted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())  # "ja" beyond capacity: in line
    attendance: Mapped[Optional[Attendance]] = mapped_column(str_enum(Attendance, 10))
    walk_in: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship(back_populates="invitations")
    contact: Mapped[Optional[ContactPerson]] = relationship()
    dietary_need: Mapped[Optional[DietaryNeed]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan", uselist=False
    )

    @property
    def has_place(self) -> bool:
        return self.answer == Answer.YES and self.waitlisted_at is None


class DietaryNeed(db.Model):
    """Health data: kept apart from the invitation, shown only as counts, deleted after the event."""

    __tablename__ = "dietary_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    categories: Mapped[str] = mapped_column(String(200), default="")  # comma-separated choices
    other: Mapped[str] = mapped_column(Text, default="")

    invitation: Mapped[Invitation] = relationship(back_populates="dietary_need")
