"""Upload a file, map its columns, preview, start the import and follow it on a status page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.auth.access import roles_required
from crm.auth.models import Role
from crm.companies.columns import COLUMNS_BY_KEY
from crm.companies.models import SniVersion
from crm.extensions import db
from crm.imports import bp, files, jobs, planning, services
from crm.imports.forms import ConfirmForm, RetryForm, UploadForm, mapping_form
from crm.imports.models import ImportJob, ImportStatus

IMPORTERS = (Role.STAFF,)  # and admins, who may do everything
PREVIEW_LIMIT = 500  # rows of errors and of matches listed on the preview page
DELIMITER_LABELS = {";": _l("semikolon"), ",": _l("komma"), "\t": _l("tabb")}


def _editable_job_or_redirect(import_job_id: int) -> tuple[ImportJob, Response | None]:
    """The job if it can still be mapped and previewed, else a redirect to where it can be followed.
    A failed job is its starter's (and admins') to change and start again."""
    job = db.get_or_404(ImportJob, import_job_id)
    if not services.is_editable(job) or (job.status == ImportStatus.FAILED and not jobs.may_restart(job, current_user)):
        return job, redirect(url_for("imports.status", import_job_id=job.id))
    if not files.has_file(job):
        flash(_("Filen finns inte längre. Ladda upp den igen."), "error")
        return job, redirect(url_for("imports.upload"))
    return job, None


@bp.route("/", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        job = services.create_job(
            form.file.data.filename or "", form.content, form.kind, form.table, created_by_id=current_user.id
        )
        db.session.commit()
        return redirect(url_for("imports.mapping", import_job_id=job.id))
    jobs = db.session.execute(services.recent_jobs()).scalars().all()
    return render_template("imports/upload.html", form=form, jobs=jobs)


@bp.route("/<int:import_job_id>/kolumner", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def mapping(import_job_id: int):
    job, elsewhere = _editable_job_or_redirect(import_job_id)
    if elsewhere:
        return elsewhere
    columns, sni_version = services.job_mapping(job)
    form = mapping_form(files.load_table(job), columns, sni_version)
    if form.validate_on_submit():
        services.set_mapping(job, form.mapping(), SniVersion(form.sni_version.data))
        db.session.commit()
        return redirect(url_for("imports.preview", import_job_id=job.id))
    return render_template("imports/mapping.html", job=job, form=form)


@bp.route("/<int:import_job_id>/forhandsgranskning", methods=["GET", "POST"])
@roles_required(*IMPORTERS)
def preview(import_job_id: int):
    job, elsewhere = _editable_job_or_redirect(import_job_id)
    if elsewhere:
        return elsewhere
    plan = planning.plan_job(job)
    form = ConfirmForm(plan=plan)
    if form.validate_on_submit():
        _queue(job, bool(form.skip_errors.data))
        return redirect(url_for("imports.status", import_job_id=job.id))
    form.valid_rows.data = str(plan.valid_count)
    return render_template(
        "imports/preview.html",
        job=job,
        plan=plan,
        form=form,
        columns=COLUMNS_BY_KEY,
        delimiter_labels=DELIMITER_LABELS,
        limit=PREVIEW_LIMIT,
    )


@bp.route("/<int:import_job_id>")
@roles_required(*IMPORTERS)
def status(import_job_id: int):
    job = db.get_or_404(ImportJob, import_job_id)
    waiting = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    progress = files.read_progress(job) if job.status == ImportStatus.RUNNING else None
    restartable = job.status == ImportStatus.FAILED and jobs.may_restart(job, current_user)
    return render_template(
        "imports/status.html",
        job=job,
        progress=progress,
        ImportStatus=ImportStatus,
        refresh=waiting and request.args.get("uppdatera") != "nej",
        waiting=waiting,
        retry_form=RetryForm() if restartable else None,
        has_file=restartable and files.has_file(job),
    )


@bp.route("/<int:import_job_id>/forsok-igen", methods=["POST"])
@roles_required(*IMPORTERS)
def retry(import_job_id: int):
    """Queue a failed import again, with the choices it was started with."""
    job = db.get_or_404(ImportJob, import_job_id)
    if job.status != ImportStatus.FAILED:  # queued, running or done meanwhile: the status page says which
        return redirect(url_for("imports.status", import_job_id=job.id))
    if not jobs.may_restart(job, current_user):
        abort(403)
    if RetryForm().validate_on_submit():
        if not files.has_file(job):
            flash(_("Filen finns inte längre. Ladda upp den igen."), "error")
            return redirect(url_for("imports.upload"))
        _queue(job, job.skip_errors)
    return redirect(url_for("imports.status", import_job_id=job.id))


def _queue(job: ImportJob, skip_errors: bool) -> None:
    if jobs.queue(job.id, skip_errors, current_user.id):
        db.session.commit()
        flash(_("Importen står i kö och startar inom kort."), "success")
    else:
        db.session.rollback()
        flash(_("Importen har redan startats."), "info")
