"""Networks: the list, a network's page, creating and editing one, and its members one by one or from a company list.

Staff and organizers (and admins) read and write everything here; politicians have no access.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies.ad_block import ad_blocked_companies
from crm.companies.models import CompanyContact, ContactPerson
from crm.companies.search import CompanyFilters, contact_query
from crm.companies.views import _filter_choices as company_filter_choices
from crm.extensions import db
from crm.networks import bp, services
from crm.networks.forms import (
    BulkAddForm,
    ChangeRoleForm,
    EndMembershipForm,
    MemberForm,
    NetworkFilterForm,
    NetworkForm,
)
from crm.networks.models import Network, NetworkKind, NetworkMembership
from crm.panels import panels
from crm.timeutil import stockholm_today

USERS = (Role.STAFF, Role.ORGANIZER)
SEARCH_LIMIT = 20

bp.add_app_template_filter(lambda kind: NetworkKind(kind).label, "network_kind")
bp.add_app_template_filter(services.average_label, "attendance_average")


def _to_network(network_id: int):
    return redirect(url_for("networks.show", network_id=network_id))


def _membership_or_404(membership_id: int) -> NetworkMembership:
    return db.get_or_404(
        NetworkMembership, membership_id,
        options=[joinedload(NetworkMembership.network), joinedload(NetworkMembership.contact)],
    )


@bp.route("/")
@roles_required(*USERS)
def index():
    form = NetworkFilterForm(request.args)
    kind, active = form.to_filters() if form.validate() else (None, True)
    page = db.paginate(
        services.list_query(kind, active), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False
    )
    figures = services.figures([network.id for network in page.items], stockholm_today())
    return render_template("networks/index.html", page=page, form=form, figures=figures)


@bp.route("/nytt", methods=["GET", "POST"])
@roles_required(*USERS)
def new():
    me = current_user.id if current_user.role in USERS else None
    form = NetworkForm(owners=services.owner_candidates(), data={"owner_id": str(me or "")})
    if form.validate_on_submit():
        network = services.save_network(Network(), form.to_data())
        db.session.commit()
        flash(_("Nätverket %(name)s är sparat.", name=network.name), "success")
        return _to_network(network.id)
    return render_template("networks/form.html", form=form, network=None)


@bp.route("/<int:network_id>")
@roles_required(*USERS)
def show(network_id: int):
    network = db.get_or_404(Network, network_id, options=[joinedload(Network.owner)])
    today = stockholm_today()
    present, former = services.members_of(network, today)
    return render_template(
        "networks/show.html",
        network=network,
        present=present,
        former=former,
        today=today,
        figures=services.figures([network.id], today)[network.id],
        panels=panels("network", network, current_user),
    )


@bp.route("/<int:network_id>/redigera", methods=["GET", "POST"])
@roles_required(*USERS)
def edit(network_id: int):
    network = db.get_or_404(Network, network_id)
    form = NetworkForm(owners=services.owner_candidates(network.owner_id), data=NetworkForm.initial_data(network))
    if form.validate_on_submit():
        services.save_network(network, form.to_data())
        db.session.commit()
        flash(_("Ändringarna är sparade."), "success")
        return _to_network(network.id)
    return render_template("networks/form.html", form=form, network=network)


@bp.route("/<int:network_id>/medlemmar/ny", methods=["GET", "POST"])
@roles_required(*USERS)
def add_member(network_id: int):
    """Search a contact person by name or e-mail (a GET form), pick one, then give role, company and date."""
    network = db.get_or_404(Network, network_id)
    today = stockholm_today()
    contact = db.session.get(
        ContactPerson, request.args.get("contact_id", type=int) or 0,
        options=[selectinload(ContactPerson.company_links).selectinload(CompanyContact.company)],
    )
    if contact is None:
        q = (request.args.get("q") or "").strip()
        found = db.session.scalars(contact_query(q).limit(SEARCH_LIMIT)).all() if q else []
        members = services.member_ids(network, [person.id for person in found], today) if found else set()
        return render_template("networks/pick_contact.html", network=network, q=q, contacts=found, members=members,
                               limit=SEARCH_LIMIT)
    form = MemberForm(links=services.current_companies(contact, today))
    if form.validate_on_submit():
        added, _skipped = services.add_members(network, [contact], form.role.data, form.starts_on.data,
                                               company_id=form.company)
        if added:
            db.session.commit()
            flash(_("%(name)s är medlem i %(network)s.", name=contact.name, network=network.name), "success")
            return _to_network(network.id)
        form.starts_on.errors.append(_("%(name)s är redan medlem den dagen.", name=contact.name))
    return render_template("networks/member_form.html", form=form, network=network, contact=contact)


@bp.route("/<int:network_id>/medlemmar/urval", methods=["GET", "POST"])
@roles_required(*USERS)
def bulk_add(network_id: int):
    """Members from the company list: its filters pick companies, their contact persons are listed to tick."""
    network = db.get_or_404(Network, network_id)
    today = stockholm_today()
    filters = CompanyFilters.from_args(request.args)
    page_number = request.args.get("page", 1, type=int)
    form = BulkAddForm()
    if form.validate_on_submit():
        links = services.company_links(form.links.data)
        added, skipped = services.add_from_company_links(network, links, form.role.data, form.starts_on.data)
        db.session.commit()
        flash(_("Tillagda: %(added)d. Redan medlemmar: %(skipped)d.", added=len(added), skipped=len(skipped)),
              "success")
        keep = {"page": page_number} if page_number > 1 else {}
        return redirect(url_for("networks.bulk_add", network_id=network.id, **filters.as_args(), **keep))
    page = db.paginate(
        services.bulk_candidates(filters, today), page=page_number,
        per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False,
    )
    members = services.member_ids(network, [link.contact_id for link in page.items], today)
    if request.method == "POST":
        checked = set(form.links.data or [])
    elif request.args.get("markera") == "alla":
        checked = {link.id for link in page.items if link.contact_id not in members}
    else:
        checked = set()
    return render_template(
        "networks/bulk_add.html", network=network, form=form, filters=filters, choices=company_filter_choices(),
        page=page, members=members, checked=checked,
        ad_blocked=ad_blocked_companies(filters) if filters.active else None,
    )


@bp.route("/medlemskap/<int:membership_id>/avsluta", methods=["GET", "POST"])
@roles_required(*USERS)
def end_membership(membership_id: int):
    membership = _membership_or_404(membership_id)
    form = EndMembershipForm(data={"ends_on": membership.ends_on or stockholm_today()})
    if form.validate_on_submit():
        try:
            services.end_membership(membership, form.ends_on.data)
        except services.MembershipRefused as error:
            form.ends_on.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Medlemskapet för %(name)s är avslutat.", name=membership.contact.name), "success")
            return _to_network(membership.network_id)
    return render_template("networks/end_membership.html", form=form, membership=membership)


@bp.route("/medlemskap/<int:membership_id>/byt-roll", methods=["GET", "POST"])
@roles_required(*USERS)
def change_role(membership_id: int):
    """A new role from a day: the old membership ends the day before and stays in the history."""
    membership = _membership_or_404(membership_id)
    form = ChangeRoleForm(data={"role": membership.role})
    if form.validate_on_submit():
        try:
            services.change_role(membership, form.role.data, form.starts_on.data)
        except services.SameRole as error:
            form.role.errors.append(str(error))
        except services.MembershipRefused as error:
            form.starts_on.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s har nu rollen %(role)s.", name=membership.contact.name, role=form.role.data), "success")
            return _to_network(membership.network_id)
    return render_template("networks/change_role.html", form=form, membership=membership)
