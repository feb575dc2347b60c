"""The company page's timeline: every feature contributes its items, newest first.

A feature registers a provider with `@timeline_provider`; a provider gets the company id and
the viewing user and returns `TimelineItem`s using a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crm.timeutil import STOCKHOLM, as_utc


@dataclass(frozen=True)
class TimelineItem:
    when: date | datetime
    kind: str  # e.g. "interaction", "visit", "followup", "event"
    template: str  # the partial that renders `item.subject`
    subject: Any
    extra: dict = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple:
        if isinstance(self.when, datetime):
            moment = as_utc(self.when).astimezone(STOCKHOLM)
            return (moment.date(), moment.time())
        return (self.when, datetime.max.time())


Provider = Callable[[int, Any], list[TimelineItem]]
_providers: list[Provider] = []


def timeline_provider(provider: Provider) -> Provider:
    _providers.append(provider)
    return provider


def timeline_for(company_id: int, viewer) -> list[TimelineItem]:
    items = [item for provider in _providers for item in provider(company_id, viewer)]
    return sorted(items, key=lambda item: item.sort_key, reverse=True)
