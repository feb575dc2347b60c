"""The company page's timeline: every feature contributes its items, newest first, a page at a time.

A feature registers a provider with `@timeline_provider`; a provider gets the company id, the
viewing user, the position to start after (None for the newest) and how many items to return at
most, and returns that many `TimelineItem`s, newest first, using a constant number of queries.
Each provider limits its own query, so a page costs the same however long the timeline is.

Items are ordered by (moment, kind, id), all descending. A datetime's moment is itself; a date's
is the last instant of that day in Stockholm, so a day's dated items come above its timed ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, or_, true

from crm.timeutil import STOCKHOLM, as_utc

PAGE_SIZE = 25


def moment_of(when: date | datetime) -> datetime:
    """Where a datetime or a date sits on the timeline, as an aware UTC datetime."""
    if isinstance(when, datetime):
        return as_utc(when)
    return datetime.combine(when, time.max, tzinfo=STOCKHOLM).astimezone(UTC)


_PARAM = re.compile(r"(\d{8}T\d{6}\.\d{6})Z~([a-z]+)~(\d{1,18})")


@dataclass(frozen=True, order=True)
class TimelinePosition:
    """An item's place on the timeline; a page starts after the last item of the one before."""

    moment: datetime  # aware UTC
    kind: str
    id: int

    def to_param(self) -> str:
        """The position for a query string, e.g. '20260301T225959.999999Z~interaction~12'."""
        return f"{self.moment.astimezone(UTC):%Y%m%dT%H%M%S.%f}Z~{self.kind}~{self.id}"

    @classmethod
    def from_param(cls, text: str) -> TimelinePosition:
        """The position `to_param` wrote; ValueError for anything else."""
        match = _PARAM.fullmatch(text)
        if match is None:
            raise ValueError(f"not a timeline position: {text!r}")
        moment = datetime.strptime(match[1], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        return cls(moment, match[2], int(match[3]))


@dataclass(frozen=True)
class TimelineItem:
    when: date | datetime
    kind: str  # e.g. "interaction", "visit", "followup"
    template: str  # the partial that renders `item.subject`
    subject: Any  # has an `id`
    extra: dict = field(default_factory=dict)

    @property
    def position(self) -> TimelinePosition:
        return TimelinePosition(moment_of(self.when), self.kind, self.subject.id)


@dataclass(frozen=True)
class TimelinePage:
    """One page of the timeline, newest first; `older` is where the next page starts, if there is one."""

    items: list[TimelineItem]
    older: TimelinePosition | None


Provider = Callable[[int, Any, "TimelinePosition | None", int], list[TimelineItem]]
_providers: list[Provider] = []


def timeline_provider(provider: Provider) -> Provider:
    _providers.append(provider)
    return provider


def older_than(before: TimelinePosition | None, kind: str, moment, id_column):
    """SQL condition: the rows of `kind` that come after `before` on the timeline (every row if None).

    `moment` is the column (or expression) holding the rows' aware UTC datetimes.
    """
    if before is None:
        return true()
    return _after(before, kind, moment, before.moment, id_column)


def older_than_day(before: TimelinePosition | None, kind: str, day, id_column):
    """`older_than` for rows placed by a date column: their moment is the end of that Stockholm day."""
    if before is None:
        return true()
    local_day = before.moment.astimezone(STOCKHOLM).date()
    if moment_of(local_day) != before.moment:
        return day < local_day  # `before` lies inside that day, before the moment its dated items have
    return _after(before, kind, day, local_day, id_column)


def _after(before: TimelinePosition, kind: str, column, value, id_column):
    if kind < before.kind:
        return column <= value
    if kind > before.kind:
        return column < value
    return or_(column < value, and_(column == value, id_column < before.id))


def timeline_page(company_id: int, viewer, before: TimelinePosition | None = None,
                  size: int | None = None) -> TimelinePage:
    """The `size` (PAGE_SIZE) items after `before` (the newest if None): each provider gives at most size + 1."""
    size = PAGE_SIZE if size is None else size
    items = [item for provider in _providers for item in provider(company_id, viewer, before, size + 1)]
    items.sort(key=lambda item: item.position, reverse=True)
    if len(items) > size:
        return TimelinePage(items[:size], items[size - 1].position)
    return TimelinePage(items, None)
