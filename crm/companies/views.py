"""The company register: list with search and filters, company page, create, edit, export, merge."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from crm.auth.access import roles_required
from crm.auth.models import Role, User
from crm.companies import bp, export, services
from crm.companies.forms import CompanyForm, MergeForm, bool_to_tristate
from crm.companies.models import SIZE_CLASSES, Company, CompanyContact, CompanyStatus, Tag
from crm.companies.search import SORTS, CompanyFilters, SearchPagination, company_query, district_names
from crm.companies.search_scope import SearchScope, sees_in_full
from crm.companies.similar import similar_companies
from crm.companies.timeline import TimelinePosition, timeline_page
from crm.dbtypes import swedish
from crm.extensions import db
from crm.panels import panels
from crm.timeutil import utcnow

READERS = (Role.STAFF, Role.ORGANIZER, Role.POLITICIAN)
WRITERS = (Role.STAFF,)

LIST_OPTIONS = (selectinload(Company.tags), selectinload(Company.owner))


def _filter_choices() -> dict:
    from crm.companies.sni import sections

    districts = district_names()
    tags = db.session.execute(select(Tag.name).order_by(swedish(Tag.name))).scalars().all()
    owners = db.session.execute(
        select(User.id, User.name).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(swedish(User.name))
    ).all()
    return {
        "sections": sections(),
        "size_classes": SIZE_CLASSES,
        "districts": districts,
        "tags": tags,
        "owners": owners,
        "statuses": [status.value for status in CompanyStatus],
        "sorts": SORTS,
    }


@bp.route("/")
@roles_required(*READERS)
def index():
    filters = CompanyFilters.from_args(request.args)
    scope = SearchScope.of(current_user)
    query = company_query(filters, scope).options(*LIST_OPTIONS)
    per_page = current_app.config["ITEMS_PER_PAGE"]
    if filters.q:
        page = SearchPagination(select=query, session=db.session(), per_page=per_page, max_per_page=None,
                                error_out=False)
    else:
        page = db.paginate(query, per_page=per_page, error_out=False)
    return render_template(
        "companies/index.html", page=page, filters=filters, choices=_filter_choices(),
        can_write=current_user.has_role(*WRITERS), search_scope=scope,
    )


@bp.route("/export.<any(csv, xlsx):fmt>")
@roles_required(Role.STAFF, Role.ORGANIZER)
def export_list(fmt: str):
    rows = export.company_rows(company_query(CompanyFilters.from_args(request.args), SearchScope.of(current_user)))
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        # `mimetype` gets Flask's charset added; `content_type` is sent as written, naming it once.
        response = Response(export.csv_chunks(rows), content_type="text/csv; charset=utf-8")
    else:
        response = Response(
            export.xlsx_bytes(rows),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="foretag-{stamp}.{fmt}"'
    return response


def _detail_options():
    return [
        selectinload(Company.sni_codes),
        selectinload(Company.tags),
        joinedload(Company.owner),
        selectinload(Company.contact_links).joinedload(CompanyContact.contact),
    ]


@bp.route("/<int:company_id>")
@roles_required(*READERS)
def detail(company_id: int):
    try:  # "Visa äldre" on the timeline: the position of the last item the page before showed
        before = TimelinePosition.from_param(request.args["fore"]) if "fore" in request.args else None
    except ValueError:
        abort(400)
    company = db.get_or_404(Company, company_id, options=_detail_options())
    show_contact_details = sees_in_full(current_user)
    return render_template(
        "companies/detail.html",
        company=company,
        show_contact_details=show_contact_details,
        can_write=current_user.has_role(*WRITERS),
        timeline=timeline_page(company.id, current_user, before),
        timeline_paged=before is not None,
        panels=panels("company", company, current_user),
    )


def _datalists() -> dict:
    return {
        "district_names": district_names(),
        "tag_names": db.session.execute(select(Tag.name).order_by(swedish(Tag.name))).scalars().all(),
    }


@bp.route("/nytt", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new():
    form = CompanyForm()
    similar = []
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
    if form.validate_on_submit():
        similar = [] if form.not_a_duplicate.data else similar_companies(form.name.data)
        if not similar:
            company = services.save_company(Company(), form.data)
            db.session.commit()
            flash(_("%(name)s är sparat.", name=company.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None, similar=similar, **_datalists())


@bp.route("/<int:company_id>/redigera", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit(company_id: int):
    company = db.get_or_404(Company, company_id, options=_detail_options())
    form = CompanyForm(obj=company, company_id=company.id)
    if request.method == "GET":
        form.sni_codes.data = ", ".join(sni.code for sni in company.sni_codes)
        form.sni_version.data = company.sni_codes[0].version.value if company.sni_codes else "SNI 2007"
        form.tags.data = ", ".join(tag.name for tag in company.tags)
        form.women_led.data = bool_to_tristate(company.women_led)
        form.women_owned.data = bool_to_tristate(company.women_owned)
        form.owner_id.data = str(company.owner_id or "")
        form.status.data = company.status.value
        form.legal_form.data = company.legal_form or ""
        form.size_class.data = company.size_class or ""
    if form.validate_on_submit():
        services.save_company(company, form.data)
        db.session.commit()
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company, **_datalists())


@bp.route("/dubbletter")
@roles_required(*WRITERS)
def duplicates():
    candidates = services.find_duplicates()
    ids = {c.first_id for c in candidates} | {c.second_id for c in candidates}
    companies = {
        company.id: company
        for company in db.session.execute(select(Company).where(Company.id.in_(ids))).scalars()
    } if ids else {}
    return render_template("companies/duplicates.html", candidates=candidates, companies=companies)


@bp.route("/<int:company_id>/sla-ihop/<int:other_id>", methods=["GET", "POST"])
@roles_required(*WRITERS)
def merge(company_id: int, other_id: int):
    if company_id == other_id:
        abort(404)
    first = db.get_or_404(Company, company_id, options=_detail_options())
    second = db.get_or_404(Company, other_id, options=_detail_options())
    form = MergeForm()
    form.keep.choices = [SelectChoice(str(first.id), first.name), SelectChoice(str(second.id), second.name)]
    if request.method == "GET":
        form.keep.data = str(first.id)
    if form.validate_on_submit():
        keep, remove = (first, second) if form.keep.data == str(first.id) else (second, first)
        removed_name = remove.name
        services.merge_companies(keep, remove)
        db.session.commit()
        flash(_("%(removed)s är sammanslaget med %(kept)s.", removed=removed_name, kept=keep.name), "success")
        return redirect(url_for("companies.detail", company_id=keep.id))
    return render_template("companies/merge.html", form=form, first=first, second=second)
