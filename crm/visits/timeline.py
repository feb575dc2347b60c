"""Company visits on the company page's timeline."""

from __future__ import annotations

from crm.companies.timeline import TimelineItem, TimelinePosition, timeline_provider
from crm.visits import access, queries

TEMPLATE = "visits/_timeline_item.html"


@timeline_provider
def visits_on_timeline(company_id: int, viewer, before: TimelinePosition | None, limit: int) -> list[TimelineItem]:
    """The company's visits the viewer may see on the timeline, each at its start (or when it was proposed)."""
    extra = {"in_full": access.reads_all(viewer)}
    return [
        TimelineItem(
            when=visit.starts_at or visit.created_at,
            kind=queries.TIMELINE_KIND,
            template=TEMPLATE,
            subject=visit,
            extra=extra,
        )
        for visit in queries.company_visits(company_id, viewer, before, limit)
    ]
