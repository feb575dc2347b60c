"""Contact persons: list and search, page, create, edit, and their roles at companies."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.companies.search import FIND_LIMIT, contact_query, find_contacts
from crm.companies.search_scope import SearchScope, clean_search, search_refusal
from crm.contacts import bp, services
from crm.contacts.forms import CompanyLinkForm, ContactForm, NewContactForCompanyForm
from crm.extensions import db
from crm.panels import panels

READERS = (Role.STAFF, Role.ORGANIZER)
WRITERS = (Role.STAFF,)
CONTACT_ROLES = ["VD", "Ägare", "HR", "Inköp", "Platschef", "Ekonomichef", "Marknadschef", "Styrelseledamot"]


@bp.route("/kontaktpersoner/")
@roles_required(*READERS)
def index():
    q = clean_search(request.args.get("q"))
    page = db.paginate(contact_query(q, SearchScope.of(current_user)), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False)
    return render_template("contacts/index.html", page=page, q=q, refusal=search_refusal(q),
                           can_write=current_user.has_role(*WRITERS))


@bp.route("/kontaktpersoner/<int:contact_id>")
@roles_required(*READERS)
def detail(contact_id: int):
    contact = db.get_or_404(
        ContactPerson,
        contact_id,
        options=[selectinload(ContactPerson.company_links).selectinload(CompanyContact.company)],
    )
    return render_template(
        "contacts/detail.html", contact=contact, can_write=current_user.has_role(*WRITERS),
        panels=panels("contact", contact, current_user),
    )


@bp.route("/kontaktpersoner/<int:contact_id>/redigera", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(contact_id: int):
    contact = db.get_or_404(ContactPerson, contact_id)
    form = ContactForm(obj=contact, contact_id=contact.id)
    if form.validate_on_submit() and _saved(form, contact):
        db.session.commit()
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, contact=contact, company=None)


@bp.route("/foretag/<int:company_id>/kontaktpersoner/ny", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_contact(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = NewContactForCompanyForm()
    existing = None
    contact = ContactPerson()
    if form.validate_on_submit() and _saved(form, contact):
        services.link_contact(company, contact, form.role.data, form.start_date.data, form.end_date.data)
        db.session.commit()
        flash(_("%(name)s är tillagd hos %(company)s.", name=contact.name, company=company.name), "success")
        return redirect(url_for("companies.detail", company_id=company.id))
    if form.email.errors and form.email.data:
        existing = db.session.execute(
            select(ContactPerson).where(func.lower(ContactPerson.email) == form.email.data.strip().lower())
        ).scalar_one_or_none()
    return render_template(
        "contacts/form.html", form=form, contact=None, company=company, existing=existing, roles=CONTACT_ROLES
    )


def _saved(form: ContactForm, contact: ContactPerson) -> bool:
    """Save the person; a refused objection rule goes next to its field (the form checks the same first)."""
    try:
        services.save_contact(contact, form.data)
    except services.ObjectionRefused as refused:
        form[refused.field].errors.append(str(refused))
        return False
    return True


@bp.route("/foretag/<int:company_id>/kontaktpersoner/sok")
@roles_required(*WRITERS)
def find_contact(company_id: int):
    """Find an existing contact person to link to this company: a search and a "Koppla" button per match."""
    company = db.get_or_404(Company, company_id, options=[selectinload(Company.contact_links)])
    q = clean_search(request.args.get("q"))
    found = find_contacts(q, scope=SearchScope.of(current_user))
    return render_template(
        "contacts/find.html", company=company, q=q, refusal=search_refusal(q), found=found[:FIND_LIMIT],
        more=len(found) > FIND_LIMIT,
        linked={link.contact_id for link in company.contact_links}, roles=CONTACT_ROLES,
    )


@bp.route("/foretag/<int:company_id>/kontaktpersoner/<int:contact_id>/koppla", methods=["GET", "POST"])
@roles_required(*WRITERS)
def link_contact(company_id: int, contact_id: int):
    """Give an existing contact person a role at this company as well."""
    company = db.get_or_404(Company, company_id)
    contact = db.get_or_404(ContactPerson, contact_id)
    form = CompanyLinkForm()
    if form.validate_on_submit():
        services.link_contact(company, contact, form.role.data, form.start_date.data, form.end_date.data)
        db.session.commit()
        flash(_("%(name)s är kopplad till %(company)s.", name=contact.name, company=company.name), "success")
        return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("contacts/link.html", form=form, company=company, contact=contact, link=None,
                           roles=CONTACT_ROLES)


@bp.route("/kontaktpersoner/roll/<int:link_id>", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_link(link_id: int):
    link = db.get_or_404(CompanyContact, link_id)
    form = CompanyLinkForm(obj=link)
    if form.validate_on_submit():
        link.role = (form.role.data or "").strip() or None
        link.start_date, link.end_date = form.start_date.data, form.end_date.data
        db.session.commit()
        flash(_("Rollen är sparad."), "success")
        return redirect(url_for("companies.detail", company_id=link.company_id))
    return render_template("contacts/link.html", form=form, company=link.company, contact=link.contact, link=link,
                           roles=CONTACT_ROLES)
