"""Follow-ups on the company page's timeline."""

from __future__ import annotations

from crm.companies.timeline import TimelineItem, TimelinePosition, timeline_provider
from crm.followups import access
from crm.followups import services as followups

TEMPLATE = "followups/_timeline_item.html"


@timeline_provider
def follow_ups_on_timeline(company_id: int, viewer, before: TimelinePosition | None,
                           limit: int) -> list[TimelineItem]:
    """The company's follow-ups the viewer may see (politicians: visible ones of their visits), one query."""
    return [
        TimelineItem(when=follow_up.created_at, kind=followups.TIMELINE_KIND, template=TEMPLATE, subject=follow_up)
        for follow_up in access.company_follow_ups(company_id, viewer, before, limit)
    ]
