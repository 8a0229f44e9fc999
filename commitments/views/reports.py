"""Progress reports, "since the last review" and "since a kept report", in four formats."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import report_output
from ..report_runs import report_log, report_run_keep, report_runs_visible_to, write_to_tempfile
from ..reports import (
    GROUP_BY,
    Audience,
    Scope,
    build_progress_report,
    build_since_review_report,
    build_since_run_report,
    scope_choices,
)


class ReportForm(forms.Form):
    KINDS = [
        ("progress", _("Progress over a period")),
        ("since_review", _("Change since the last review")),
        ("since_run", _("Change since a kept report")),
    ]
    FORMAT_CHOICES = [
        ("html", _("Web page (prints cleanly)")),
        ("pdf", _("PDF")),
        ("xlsx", _("Excel workbook")),
        ("csv", _("CSV")),
    ]

    kind = forms.ChoiceField(label=_("Report"), choices=KINDS, initial="progress")
    scope = forms.ChoiceField(label=_("Scope"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    run = forms.ModelChoiceField(label=_("Kept report"), queryset=None, required=False)
    group_by = forms.ChoiceField(label=_("Group by"), choices=list(GROUP_BY.items()), initial="instrument")
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="html")
    audience = forms.ChoiceField(
        label=_("Audience"),
        required=False,
        choices=[("", _("Default: external for a PDF, internal otherwise"))] + list(Audience.choices),
        help_text=_("An external report holds public items only, without staff names or internal notes."),
    )
    keep = forms.BooleanField(
        label=_("Keep this report"), required=False,
        help_text=_("Keep the file so that a later report can show what changed since."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices()
        self.fields["run"].queryset = report_runs_visible_to(user)
        self.fields["run"].label_from_instance = lambda run: (
            f"{run.created_at:%Y-%m-%d} · {run.scope.get('kind', 'all')}"
            f"{':' + run.scope['value'] if run.scope.get('value') else ''} · {run.period_from} – {run.period_to}"
        )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "progress":
            if not data.get("date_from"):
                self.add_error("date_from", _("Give the first day of the period."))
            if not data.get("date_to"):
                self.add_error("date_to", _("Give the last day of the period."))
            if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
                self.add_error("date_to", _("The period ends before it starts."))
        if kind == "since_run" and not data.get("run"):
            self.add_error("run", _("Choose the kept report to compare against."))
        if not data.get("audience") and data.get("format"):
            data["audience"] = Audience.EXTERNAL if data["format"] == "pdf" else Audience.INTERNAL
        return data

    def build(self, user):
        data = self.cleaned_data
        common = {"user": user, "audience": data["audience"], "group_by": data["group_by"]}
        if data["kind"] == "since_review":
            return build_since_review_report(scope=Scope.parse(data["scope"]), **common)
        if data["kind"] == "since_run":
            return build_since_run_report(run=data["run"], **common)
        return build_progress_report(
            scope=Scope.parse(data["scope"]), date_from=data["date_from"], date_to=data["date_to"], **common
        )


@login_required
def reports(request):
    """Pick a scope, a period, an audience and a format; see the report or download it."""
    user = request.user
    if request.method != "POST":
        today = timezone.localdate()
        initial = {"date_from": datetime.date(today.year, 1, 1), "date_to": today, **request.GET.dict()}
        form = ReportForm(initial=initial, user=user)
        return render(request, "commitments/reports.html", {"form": form})

    form = ReportForm(request.POST, user=user)
    context = {"form": form}
    if not form.is_valid():
        return render(request, "commitments/reports.html", context, status=400)
    try:
        report = form.build(user)
    except ValueError as error:
        form.add_error(None, str(error))
        return render(request, "commitments/reports.html", context, status=400)

    format = form.cleaned_data["format"]
    try:
        if format in ("html", "pdf"):
            report_output.check_paged_size(report)
    except report_output.TooLarge as error:
        context.update(too_large=error, xlsx_data={**request.POST.dict(), "format": "xlsx"})
        return render(request, "commitments/reports.html", context, status=413)

    report_log(user=user, report=report, format=format)
    if form.cleaned_data["keep"]:
        output, sha256 = write_to_tempfile(report, format)
        run = report_run_keep(user=user, report=report, format=format, output=output, sha256=sha256)
        if format != "html":
            return _download(report, format, output)
        context["kept"] = run
    if format == "html":
        context.update(report_output.report_context(report))
        return render(request, "commitments/reports.html", context)
    if format == "csv":
        response = StreamingHttpResponse(report_output.csv_lines(report), content_type=report_output.CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{report_output.filename(report, "csv")}"'
        return response
    if format == "pdf":
        response = HttpResponse(report_output.render_bytes(report, "pdf"), content_type=report_output.CONTENT_TYPES["pdf"])
        response["Content-Disposition"] = f'attachment; filename="{report_output.filename(report, "pdf")}"'
        return response
    output, _sha256 = write_to_tempfile(report, format)
    return _download(report, format, output)


def _download(report, format, output):
    return FileResponse(
        output,
        as_attachment=True,
        filename=report_output.filename(report, format),
        content_type=report_output.CONTENT_TYPES[format],
    )


@login_required
def report_runs(request):
    """Kept reports, each with a link to what changed since."""
    runs = report_runs_visible_to(request.user)[:200]
    return render(request, "commitments/report_runs.html", {"runs": runs})
