"""Checks of the warning a note field gives before saving a personnummer or health data (crm.formfields.NoteArea)."""

from __future__ import annotations

import html as markup
import re

from sqlalchemy import select

from crm.extensions import db
from tests.support.forms import error_next_to

# Luhn-valid numbers of real dates, and the text of a note that holds one.
PERSONNUMMER = "19850101-1236"
WITH_PERSONNUMMER = f"Anna Svensson ({PERSONNUMMER}) tar över efter VD."
WITH_HEALTH = "VD är sjukskriven till mars, Anna tar över."
CLEAN = "Anna Svensson tar över efter VD i mars."
CONFIRM = "Jag har kontrollerat texten och vill spara den ändå"


def confirmed(name: str) -> dict:
    """The ticked checkbox as a browser posts it, for the field `name`."""
    return {f"{name}-kontrollerad": "ja"}


def confirm_box(page: str, field_id: str) -> str:
    """The checkbox "Jag har kontrollerat texten" of a field (its <input> tag), or "" if the page has none."""
    found = re.search(rf'<input[^>]*\bid="{field_id}-kontrollerad"[^>]*>', page)
    return found.group(0) if found else ""


def assert_warned(response, field_id: str, found: str, text: str) -> None:
    """The form came back with the warning next to the field naming `found`, the checkbox under it, the text kept."""
    assert response.status_code == 200, response.headers.get("Location")
    page = response.get_data(as_text=True)
    message = error_next_to(page, field_id)
    assert found in message and ("behövs sällan" in message or "känsliga personuppgifter" in message), message
    box = re.search(rf'<textarea[^>]*\bid="{field_id}"[^>]*>', page).group(0)
    assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', box).group(1).split()
    checkbox = confirm_box(page, field_id)
    assert 'type="checkbox"' in checkbox and " checked" not in checkbox and CONFIRM in page
    assert page.index(f'id="{field_id}-error"') < page.index(checkbox)  # under the warning
    assert markup.escape(text) in page  # the text stays in the box


def assert_not_warned(response) -> None:
    """Saved: a redirect, no checkbox."""
    assert response.status_code == 302, response.get_data(as_text=True)


def stored(column) -> list:
    """The column's values in the database now, in id order (a request used a session of its own)."""
    db.session.expire_all()
    return list(db.session.execute(select(column).order_by(column.class_.id)).scalars())


def company(factories):
    """The company the notes are about (its name found by the quick log's search), committed."""
    created = factories.company(name="Åbyvik Mekaniska AB")
    db.session.commit()
    return created
