"""The pace arithmetic on ordinary days, the first and last days of a year, and leap years."""

from __future__ import annotations

from datetime import date

import pytest

from crm.plan.pace import days_in_year, expected_by, pace


@pytest.mark.parametrize(
    "year, today, expected",
    [
        (2026, date(2026, 1, 1), 0),  # 50 * 1/365 = 0.14
        (2026, date(2026, 1, 8), 1),  # 50 * 8/365 = 1.10
        (2026, date(2026, 7, 2), 25),  # day 183: 25.07
        (2026, date(2026, 12, 30), 49),  # day 364: 49.86
        (2026, date(2026, 12, 31), 50),  # the last day: the whole target
        (2026, date(2025, 12, 31), 0),  # before the year
        (2026, date(2027, 1, 1), 50),  # after the year
        (2028, date(2028, 2, 29), 8),  # leap day, day 60 of 366: 8.19
        (2028, date(2028, 12, 30), 49),  # day 365 of 366: 49.86
        (2028, date(2028, 12, 31), 50),  # day 366 of 366
        (2028, date(2028, 7, 1), 25),  # day 183 of 366: exactly 25
    ],
)
def test_expected_by(year, today, expected):
    assert expected_by(50, year, today) == expected


def test_days_in_year():
    assert [days_in_year(y) for y in (2026, 2028, 2100, 2000)] == [365, 366, 365, 366]


def test_behind_and_ahead():
    standing = pace(target=50, year=2026, today=date(2026, 7, 2), done=21, booked=6, proposed=4)
    assert standing.expected == 25 and standing.behind == 4 and standing.ahead == 0
    assert standing.remaining == 29 and standing.unplanned == 23
    assert standing.percent(standing.done) == 42
    ahead = pace(target=50, year=2026, today=date(2026, 1, 1), done=2, booked=0, proposed=0)
    assert ahead.behind == 0 and ahead.ahead == 2


def test_zero_target():
    standing = pace(target=0, year=2026, today=date(2026, 6, 1), done=3, booked=0, proposed=0)
    assert standing.expected == 0 and standing.behind == 0 and standing.percent(3) == 0
