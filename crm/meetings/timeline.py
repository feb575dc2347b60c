"""The meeting log's items on the company page's timeline."""

from __future__ import annotations

from crm.companies.timeline import TimelineItem, timeline_provider
from crm.meetings import services

TEMPLATE = "meetings/_timeline_item.html"


@timeline_provider
def interactions_on_timeline(company_id: int, viewer) -> list[TimelineItem]:
    """The newest version the viewer may read of each of the company's interactions, newest first."""
    return [
        TimelineItem(when=interaction.occurred_on, kind="interaction", template=TEMPLATE, subject=interaction)
        for interaction in services.company_interactions(company_id, viewer)
    ]
