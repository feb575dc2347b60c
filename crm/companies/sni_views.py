"""The SNI code search: a page that finds detailed codes by code or title, working without JavaScript."""

from __future__ import annotations

from flask import render_template, request

from crm.auth.access import roles_required
from crm.companies import bp, sni
from crm.companies.models import SniVersion
from crm.companies.views import READERS

SHOWN = 100


@bp.route("/sni")
@roles_required(*READERS)
def sni_picker():
    query = request.args.get("q", "").strip()[:100]
    version = request.args.get("version", "")
    version = SniVersion(version) if version in {v.value for v in SniVersion} else SniVersion.SNI2007
    found, total = sni.search(query, version, limit=SHOWN)
    return render_template(
        "companies/sni_picker.html", query=query, version=version, versions=list(SniVersion),
        found=found, total=total, shown=SHOWN,
    )
