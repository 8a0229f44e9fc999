"""Progress reports, "since the last review" and "since a kept report", in four formats."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..forms import ReportForm
from ..models import Job
from ..reports import build_report, output
from ..reports.runs import report_log, report_run_keep, report_runs_visible_to, write_to_tempfile
from ..services.jobs import job_request


@login_required
def reports(request):
    """Pick a scope, a period, an audience and a format; see the report or download it.

    The form is sent by GET, so a report on screen is a page with its own address (bookmark it, share it);
    keeping a report writes a record, so "Make and keep it" sends the same form by POST.
    """
    user = request.user
    if request.method == "POST":
        return _make(request, ReportForm(request.POST, user=user), request.POST)
    if "csrfmiddlewaretoken" in request.GET:
        # The form carries the token for its POST button; a bookmarked address does not need it.
        params = request.GET.copy()
        params.pop("csrfmiddlewaretoken")
        return redirect(f"{request.path}?{params.urlencode()}")
    if "format" not in request.GET:
        # No report asked for yet: the form, filled in from the address (e.g. "what changed since" a kept one).
        today = timezone.localdate()
        initial = {"date_from": datetime.date(today.year, 1, 1), "date_to": today, **request.GET.dict()}
        form = ReportForm(initial=initial, user=user)
        return render(request, "commitments/reports.html", {"form": form})
    data = request.GET.copy()
    data.pop("keep", None)  # reading a page keeps nothing
    return _make(request, ReportForm(data, user=user), data)


def _make(request, form, data):
    """The report the bound form asks for: a page, a download, or a job for a large file."""
    user = request.user
    context = {"form": form}
    if not form.is_valid():
        return render(request, "commitments/reports.html", context, status=400)
    try:
        report = build_report(user=user, **form.report_arguments())
    except output.TooLarge as error:
        context.update(too_large=error, xlsx_data={**data.dict(), "format": "xlsx"})
        return render(request, "commitments/reports.html", context, status=413)
    except ValueError as error:
        form.add_error(None, str(error))
        return render(request, "commitments/reports.html", context, status=400)

    format = form.cleaned_data["format"]
    if format != "html" and (form.cleaned_data["background"] or _too_big_to_wait(report, format)):
        job = job_request(user=user, kind=Job.Kind.REPORT, parameters=data.dict())
        messages.info(
            request, _("The report is being prepared: this page shows its progress, and an email will follow.")
        )
        return redirect(job)
    report_log(user=user, report=report, format=format)
    if form.cleaned_data["keep"]:
        written, sha256 = write_to_tempfile(report, format)
        run = report_run_keep(user=user, report=report, format=format, output=written, sha256=sha256)
        if format != "html":
            return _download(report, format, written)
        context["kept"] = run
    if format == "html":
        context.update(output.report_context(report))
        return render(request, "commitments/reports.html", context)
    if format == "csv":
        response = StreamingHttpResponse(output.csv_lines(report), content_type=output.CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{output.filename(report, "csv")}"'
        return response
    if format == "pdf":
        response = HttpResponse(output.render_bytes(report, "pdf"), content_type=output.CONTENT_TYPES["pdf"])
        response["Content-Disposition"] = f'attachment; filename="{output.filename(report, "pdf")}"'
        return response
    written, _sha256 = write_to_tempfile(report, format)
    return _download(report, format, written)


def _too_big_to_wait(report, format):
    """A file that takes too long to make while the browser waits is made by a job instead."""
    if format == "pdf":
        return report.total > settings.TRACKER_PDF_BACKGROUND_COMMITMENTS
    return report.total > settings.TRACKER_REPORT_BACKGROUND_COMMITMENTS


def _download(report, format, written):
    return FileResponse(
        written,
        as_attachment=True,
        filename=output.filename(report, format),
        content_type=output.CONTENT_TYPES[format],
    )


@login_required
def report_runs(request):
    """Kept reports, each with a link to what changed since."""
    runs = report_runs_visible_to(request.user)[:200]
    return render(request, "commitments/report_runs.html", {"runs": runs})
