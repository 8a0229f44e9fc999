"""Import commitments or status history from a spreadsheet: upload, preview row by row, confirm."""

import csv
import hashlib
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import access, import_kinds, imports, recommendation_import
from ..files import CheckedFile, clean_filename
from ..forms import ImportConfirmForm, ImportForm
from ..models import Job, StagedUpload
from ..services import uploads
from ..services.jobs import job_request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_administrator(request):
    if not access.may_import(request.user):
        raise PermissionDenied(_("Only administrators import spreadsheets."))


@login_required
def import_upload(request):
    """Upload a file and see, row by row, what importing it would do. Nothing is saved here."""
    _require_administrator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": imports.IMPORT_MAX_BYTES // 2**20})
            status = 400
        else:
            data = upload.read()
            kind = form.cleaned_data["kind"]
            if _row_count(data) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
                # A long preview is made by a job; its page lists what the rows would do and offers the import.
                staged = _stage(request.user, data, upload.name)
                job = job_request(
                    user=request.user,
                    kind=Job.Kind.IMPORT,
                    parameters={"kind": kind, "token": str(staged.token), "preview": True},
                )
                return redirect(job)
            result = import_kinds.run(kind=kind, data=data, user=request.user, dry_run=True)
            context["result"] = result
            if result.is_valid:
                staged = _stage(request.user, data, upload.name)
                context["confirm"] = ImportConfirmForm(initial={"kind": kind, "token": staged.token})
            else:
                status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "commitments/import.html", context, status=status)


def _stage(user, data, name):
    checked = CheckedFile(
        file=ContentFile(data, name="import"),
        original_filename=clean_filename(name),
        content_type=XLSX if data[:4] == b"PK\x03\x04" else "text/csv",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return uploads.staged_upload_save(user=user, checked=checked)


@login_required
def import_confirm(request):
    """Import the previewed file: all rows, or (if anything changed since the preview) none."""
    _require_administrator(request)
    if request.method != "POST":
        return redirect("commitments:import")
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        raise Http404
    staged = StagedUpload.objects.filter(token=form.cleaned_data["token"], user=request.user).first()
    if staged is None:
        messages.error(request, _("The previewed file is no longer kept: upload it again."))
        return redirect("commitments:import")
    with staged.file.open("rb") as handle:
        data = handle.read()
    if _row_count(data) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
        # A long import is done by a job; its page shows progress and the outcome.
        job = job_request(
            user=request.user,
            kind=Job.Kind.IMPORT,
            parameters={"kind": form.cleaned_data["kind"], "token": str(staged.token)},
        )
        return redirect(job)
    result = import_kinds.run(kind=form.cleaned_data["kind"], data=data, user=request.user, dry_run=False)
    if not result.is_valid:
        return render(request, "commitments/import.html", {"form": ImportForm(), "result": result}, status=400)
    uploads.staged_upload_discard(staged=staged)
    messages.success(
        request,
        _("Imported: %(created)d created, %(updated)d changed, %(unchanged)d unchanged.")
        % {
            "created": result.count("create"),
            "updated": result.count("update"),
            "unchanged": result.count("unchanged"),
        },
    )
    return render(request, "commitments/import.html", {"form": ImportForm(), "result": result, "done": True})


def _row_count(data):
    try:
        return len(imports.read_table(data)) - 1
    except imports.ImportFileError:
        return 0


@login_required
def import_template(request, fmt):
    """An empty spreadsheet with the right columns, and a line explaining each."""
    _require_administrator(request)
    kind = request.GET.get("kind", imports.COMMITMENTS)
    if kind == recommendation_import.ILO:
        header, help_row = recommendation_import.ilo_template_rows()
    elif kind in imports.COLUMNS:
        header, help_row = imports.template_rows(kind)
    else:
        raise Http404
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filename = f"{kind}-import-template.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerow(header)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        import openpyxl  # heavy, and only for this download

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = kind
        sheet.append(header)
        notes = workbook.create_sheet(_("Instructions"))
        notes.append([_("Column"), _("What to write")])
        for column, text in zip(header, help_row):
            notes.append([column, text])
        notes.append([])
        notes.append([_("Only the first sheet is read. Row 1 holds the column names.")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
