"""Calendar subscriptions: the feed itself (public, by token) and the pages that make, rotate and revoke tokens.

The feed grants nothing but itself: it is read by token on every request and never logs anyone in.
A new token is shown once, in the answer to the POST that made it; only its hash is kept.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm import logredact
from crm.auth.access import acting_user, any_user, public, roles_required
from crm.extensions import db
from crm.feeds import bp, services
from crm.feeds.forms import FeedActionForm
from crm.feeds.models import FeedKind
from crm.networks.models import Network
from crm.timeutil import utcnow

bp.record_once(lambda state: logredact.install(state.app))

KIND_HINTS = {
    FeedKind.MINE: _l("Besök du deltar i och träffar du är ansvarig för."),
    FeedKind.TEAM: _l("Alla bokade och genomförda besök och alla träffar."),
    FeedKind.NETWORK: _l("Nätverkets träffar, även inställda (de visas som inställda i 30 dagar)."),
}


@bp.after_request
def _no_referrer(response: Response) -> Response:
    # The feed's URL is its key: never send it on as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- The feed ------------------------------------------------------------------------------------


@bp.route("/kalender/<token>.ics")
@public
def feed(token: str):
    access = services.resolve(token)
    if access is None:
        abort(404)
    now = utcnow()
    with force_locale("sv"):  # the same bytes whoever asks, in whatever language their session has
        body = services.feed_bytes(access, now)
    if services.touch(access.token, now):
        db.session.commit()
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.headers["Content-Disposition"] = 'inline; filename="kalender.ics"'
    response.set_etag(services.etag(body))
    return response.make_conditional(request)


# --- The user's own feeds ------------------------------------------------------------------------


def _user_kinds() -> list[FeedKind]:
    return [kind for kind in (FeedKind.MINE, FeedKind.TEAM) if services.may_have(current_user, kind)]


def _rows(kinds, owner: dict, new: dict[FeedKind, services.FeedLinks]):
    return [
        {
            "kind": kind,
            "label": kind.label,
            "hint": KIND_HINTS[kind],
            "active": services.active_token(kind, **owner),
            "new": new.get(kind),
        }
        for kind in kinds
    ]


def _apply(form: FeedActionForm, kinds, owner: dict) -> tuple[dict[FeedKind, services.FeedLinks], str | None]:
    """Carry out a valid form; returns the links of a new token (shown once) and a message."""
    try:
        kind = FeedKind(form.kind.data)
    except ValueError:
        abort(400)
    if kind not in kinds:
        abort(403)
    me = acting_user()
    if form.action.data == "skapa":
        token = services.issue(kind, created_by=me, **owner)
        db.session.commit()
        return {kind: services.links(token)}, None
    revoked = services.revoke(kind, **owner)
    db.session.commit()
    if revoked:
        return {}, _("Länken är återkallad och slutar fungera nu.")
    return {}, _("Det fanns ingen länk att återkalla.")


@bp.route("/konto/kalender", methods=["GET", "POST"])
@any_user
def settings():
    kinds = _user_kinds()
    owner = {"user": acting_user()}
    form = FeedActionForm()
    new: dict[FeedKind, services.FeedLinks] = {}
    if form.validate_on_submit():
        new, message = _apply(form, kinds, owner)
        if message:
            flash(message, "success")
            return redirect(url_for("feeds.settings"))
    elif request.method == "POST":
        flash(_("Det gick inte att genomföra. Försök igen."), "error")
        return redirect(url_for("feeds.settings"))
    return render_template("feeds/settings.html", rows=_rows(kinds, owner, new), form=form,
                           heading=_("Kalenderprenumeration"), network=None)


# --- A network's feed ----------------------------------------------------------------------------


@bp.route("/natverk/<int:network_id>/kalender", methods=["GET", "POST"])
@roles_required(*services.NETWORK_FEED_ROLES)
def network_settings(network_id: int):
    network = db.session.get(Network, network_id)
    if network is None:
        abort(404)
    kinds = [FeedKind.NETWORK]
    owner = {"network": network}
    form = FeedActionForm()
    new: dict[FeedKind, services.FeedLinks] = {}
    if form.validate_on_submit():
        new, message = _apply(form, kinds, owner)
        if message:
            flash(message, "success")
            return redirect(url_for("feeds.network_settings", network_id=network.id))
    elif request.method == "POST":
        flash(_("Det gick inte att genomföra. Försök igen."), "error")
        return redirect(url_for("feeds.network_settings", network_id=network.id))
    return render_template("feeds/settings.html", rows=_rows(kinds, owner, new), form=form,
                           heading=_("Kalender för %(network)s", network=network.name), network=network)
