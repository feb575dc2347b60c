"""What the inbox shows on the event page (crm.panels slot "event"): the times invitees proposed (COUNTER)."""

from __future__ import annotations

from crm.inbox.services import proposals
from crm.panels import Panel, panel_provider


@panel_provider("event", order=30)
def counter_proposals_panel(event, viewer) -> Panel | None:
    found = proposals(event.id)
    if not found:
        return None
    return Panel("inbox/_proposals.html", {"proposals": found})
