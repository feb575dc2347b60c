"""The meeting log's items on the company page's timeline."""

from __future__ import annotations

from crm.companies.timeline import TimelineItem, TimelinePosition, timeline_provider
from crm.meetings import services

TEMPLATE = "meetings/_timeline_item.html"


@timeline_provider
def interactions_on_timeline(company_id: int, viewer, before: TimelinePosition | None,
                             limit: int) -> list[TimelineItem]:
    """The newest version the viewer may read of each of the company's interactions, newest first."""
    return [
        TimelineItem(when=interaction.occurred_on, kind=services.TIMELINE_KIND, template=TEMPLATE,
                     subject=interaction)
        for interaction in services.company_interactions(company_id, viewer, before, limit)
    ]
