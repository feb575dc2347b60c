"""What the inbox shows on the event page (crm.panels slot "event"): the times invitees proposed (COUNTER),
and how many replies guessed to be for this event wait in the queue."""

from __future__ import annotations

from crm.inbox.services import proposals, waiting_for
from crm.panels import Panel, panel_provider


@panel_provider("event", order=30)
def counter_proposals_panel(event, viewer) -> Panel | None:
    found, waiting = proposals(event.id), waiting_for(event.id)
    if not found and not waiting:
        return None
    return Panel("inbox/_proposals.html", {"proposals": found, "waiting": waiting})
