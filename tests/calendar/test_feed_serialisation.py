"""Feed output framed from per-event bytes is exactly what icalendar writes for the whole calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from crm.calendar import ical
from crm.calendar.ical import CalendarItem, calendar_bytes


def _items(count: int, summary: str = "Frukostmöte") -> list[CalendarItem]:
    start = datetime(2026, 3, 28, 6, 30, tzinfo=UTC)
    return [
        CalendarItem(uid=f"{n}@crm.test", sequence=n % 3, start=start + timedelta(days=n),
                     end=start + timedelta(days=n, hours=1), summary=f"{summary} {n}",
                     updated=start - timedelta(days=1), location="Stadshuset\r\nSal 2\x07",
                     description="Rad ett\nRad två", url=f"https://crm.test/evenemang/{n}")
        for n in range(count)
    ]


def _whole(items: list[CalendarItem], name: str, refresh: bool = True) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    if refresh:
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", ical.vText("PT1H"))
    for item in items:
        calendar.add_component(ical._event(item, item.updated))
    return calendar.to_ical()


def test_framed_feed_is_byte_identical_to_one_serialisation():
    items = _items(5)
    framed = calendar_bytes(items, name="Näringslivsenheten", refresh_hours=1)
    assert framed == _whole(items, "Näringslivsenheten")
    assert framed.count(b"BEGIN:VEVENT") == 5
    assert b"\x07" not in framed and b"Stadshuset\\nSal 2" in framed


def test_a_changed_item_is_serialised_again():
    before = calendar_bytes(_items(2), name="Kalender")
    after = calendar_bytes(_items(2, summary="Lunchmöte"), name="Kalender")
    assert b"Lunchm" in after and b"Lunchm" not in before
    assert after == _whole(_items(2, summary="Lunchmöte"), "Kalender", refresh=False)


def test_an_empty_feed_is_a_valid_calendar():
    data = calendar_bytes([], name="Tom")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert Calendar.from_ical(data).walk("VEVENT") == []
