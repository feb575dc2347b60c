"""The visit plan's arithmetic: where the year stands against its target and its pace."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def expected_by(target: int, year: int, today: date) -> int:
    """Visits the target implies by the end of `today`, spread evenly over the year (rounded down)."""
    if today.year < year:
        return 0
    if today.year > year:
        return target
    elapsed = today.timetuple().tm_yday
    return math.floor(target * elapsed / days_in_year(year))


@dataclass(frozen=True)
class Pace:
    target: int
    done: int
    booked: int
    proposed: int
    expected: int

    @property
    def behind(self) -> int:
        """How many done visits short of the pace (0 when on or ahead of it)."""
        return max(0, self.expected - self.done)

    @property
    def ahead(self) -> int:
        return max(0, self.done - self.expected)

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)

    @property
    def unplanned(self) -> int:
        """Visits still neither done nor booked to reach the target."""
        return max(0, self.target - self.done - self.booked)

    def percent(self, value: int) -> int:
        return 0 if self.target <= 0 else min(100, round(100 * value / self.target))


def pace(target: int, year: int, today: date, done: int, booked: int, proposed: int) -> Pace:
    return Pace(target=target, done=done, booked=booked, proposed=proposed, expected=expected_by(target, year, today))
