"""A progress report (reports.py) written out: HTML that prints cleanly, PDF, Excel, CSV.

Every format is drawn from the same ProgressReport, so they hold the same numbers.
CSV and Excel are written row by row (constant memory); HTML and PDF hold the rows of
at most TRACKER_PDF_MAX_COMMITMENTS commitments, beyond which they are refused in favour
of the Excel workbook.
"""

import csv
import io

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..charts import Bar
from ..choices import Status
from ..exports import neutralise, reading_direction
from . import scorecard_output

FORMATS = ("html", "pdf", "xlsx", "csv", "docx")
# Word is the scorecard reply's format: the document officials revise and sign.
WORD_KINDS = ("gsp_scorecard",)
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _is_scorecard(report):
    return report.kind in WORD_KINDS


def check_format(report, format):
    """ValueError for a format this kind of report is not written in."""
    if format not in FORMATS:
        raise ValueError(_("Unknown format %s.") % format)
    if format == "docx" and not _is_scorecard(report):
        raise ValueError(_("A Word document is made for the GSP+ scorecard reply only."))


class TooLarge(Exception):
    """A paged report (HTML or PDF) of more commitments than TRACKER_PDF_MAX_COMMITMENTS."""

    def __init__(self, count):
        self.count = count
        self.limit = settings.TRACKER_PDF_MAX_COMMITMENTS
        super().__init__(
            _(
                "This report covers %(count)d commitments, more than the %(limit)d a PDF can hold. "
                "Download the Excel workbook instead, or narrow the scope."
            )
            % {"count": count, "limit": self.limit}
        )


def check_paged_size(report):
    if report.total > settings.TRACKER_PDF_MAX_COMMITMENTS:
        raise TooLarge(report.total)


def filename(report, format):
    scope = str(report.scope).replace(":", "-").replace(",", "_").replace("+", "plus")
    start = report.date_from.isoformat() if report.date_from else "last-review"
    return f"{report.kind.replace('_', '-')}-{scope}-{start}-{report.date_to.isoformat()}.{format}"


# ---------------------------------------------------------------------------------------
# HTML and PDF
# ---------------------------------------------------------------------------------------


def chart_bars(report):
    """The start and the end of the period as two status bars (charts.Bar, drawn like the dashboard's)."""
    return [
        Bar(_("Start of period"), None, {line.status: line.start for line in report.summary if line.start}),
        Bar(_("End of period"), None, {line.status: line.end for line in report.summary if line.end}),
    ]


REPORT_CSS = ("commitments/status.css", "commitments/report.css")
# The PDF has its own status colours, without custom properties (each var() costs WeasyPrint
# time on every element, and it draws no SVG fill from one), and fixed-layout tables.
PDF_CSS = ("commitments/report.css", "commitments/report-pdf.css")


def _report_css(names=REPORT_CSS):
    """The report's own styles and the shared status colours, inlined: the PDF fetches nothing."""
    parts = []
    for name in names:
        with open(finders.find(name), encoding="utf-8") as handle:
            parts.append(handle.read())
    return "\n".join(parts)


def report_context(report):
    """What the report templates need; reads all rows, so only for paged formats."""
    check_paged_size(report)
    if _is_scorecard(report):
        return scorecard_output.context(report)
    return {
        "report": report,
        "rows": list(report.rows()),
        "sources": report.sources(),
        "chart_bars": chart_bars(report),
    }


def render_html_document(report, *, for_pdf=False):
    """A whole, self-contained HTML document (the PDF's source, with for_pdf=True).

    For the PDF each change is one line rather than a row of six cells, and each source's view
    one sentence: the same facts in about a quarter of the boxes WeasyPrint lays out one by one.
    """
    css = _report_css(PDF_CSS if for_pdf else REPORT_CSS)
    if _is_scorecard(report):
        return scorecard_output.render_html_document(report, css)
    context = report_context(report)
    context["report_css"] = mark_safe(css)
    context["for_pdf"] = for_pdf
    return render_to_string("commitments/report_document.html", context)


def pdf_url_fetcher():
    """The PDF is made from our own self-contained HTML: it fetches nothing but inline data: URLs."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, timeout=1)


def write_pdf(report, output):
    from weasyprint import HTML

    html = render_html_document(report, for_pdf=True)
    HTML(string=html, url_fetcher=pdf_url_fetcher()).write_pdf(output)


# ---------------------------------------------------------------------------------------
# CSV and Excel: summary and detail, one row per change
# ---------------------------------------------------------------------------------------


def summary_records(report):
    """The header and summary as rows of cells (the Excel summary sheet)."""
    yield [report.title]
    yield [_("Scope"), report.scope_label]
    yield [_("Period"), report.period_label]
    yield [_("Audience"), str(report.audience_label)]
    yield [_("Entries left out for this audience"), report.left_out, report.left_out_text]
    yield [_("Grouped by"), str(report.group_by_label)]
    yield [_("Generated"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")]
    yield [_("Generated by"), report.generated_by]
    yield []
    yield [_("Status"), _("At start"), _("At end"), _("Change")]
    for line in report.summary:
        yield [line.label, line.start, line.end, line.change]
    yield [_("Total"), report.total, report.total, 0]
    yield []
    yield [_("Overdue at end"), report.overdue_end]
    yield [_("Moved forward"), report.moved_forward]
    yield [_("Slipped back"), report.slipped_back]
    yield [_("New"), report.new]
    if report.is_since_review:
        yield [_("Left out: no review to compare against"), report.without_review]


SUMMARY_TABLE_FIRST_ROW = 11  # 1-based row of the first status line above


def detail_header(report):
    header = [
        _("Group"),
        _("Instrument"),
        _("Reference"),
        _("Commitment"),
        _("Jurisdiction"),
        _("Due"),
        _("Compared from") if report.is_since_review else _("Status before"),
        _("Status at start"),
        _("Status at end"),
        _("Movement"),
        _("Overdue at end"),
        _("Pakistan's position"),
        _("Follow-up grade at end"),
        _("Each source at end (where they disagree)"),
        _("Change date"),
        _("Change status"),
        _("Who says so"),
    ]
    if not report.is_external:
        header.append(_("Recorded by"))
    header += [_("Recorded on"), _("Verified"), _("Note"), _("Evidence"), _("Sources")]
    return header


def _evidence_text(change):
    parts = []
    for item in change.evidence:
        where = ", ".join(p for p in (item.date, item.source) if p)
        text = f"{item.title} ({where})" if where else item.title
        if item.filename:
            text += " " + _("file: %s") % item.filename
        elif item.url:
            text += f" {item.url}"
        parts.append(text)
    return " | ".join(parts)


def detail_records(report, progress=None):
    """One row per change; a commitment with no change in the period gets one row without one."""
    yes, no = _("yes"), _("no")
    for row in report.rows(progress=progress):
        commitment_cells = [
            row.group,
            row.instrument,
            row.reference,
            row.title,
            row.jurisdiction,
            row.due_on.isoformat() if row.due_on else "",
            row.baseline.isoformat(),
            str(row.status_start_label),
            str(row.status_end_label),
            str(row.movement_label),
            yes if row.overdue_end else no,
            row.position,
            row.follow_up_grade,
            "; ".join(f"{v.assessor}: {v.status_label}" for v in row.source_views),
        ]
        sources = " | ".join(f"{s.title or s.url} {s.url}" if s.title else s.url for s in row.sources)
        for change in row.changes or [None]:
            if change is None:
                change_cells = ["", "", ""] + ([""] if not report.is_external else []) + ["", "", "", ""]
            else:
                change_cells = [change.effective_on.isoformat(), str(change.status_label), change.assessor]
                if not report.is_external:
                    change_cells.append(change.recorded_by)
                change_cells += [
                    change.recorded_on.isoformat(),
                    yes if change.verified else no,
                    change.note,
                    _evidence_text(change),
                ]
            yield [neutralise(cell) for cell in commitment_cells + change_cells + [sources]]


class _Echo:
    def write(self, value):
        return value


def csv_lines(report, progress=None):
    """The detail as CSV text, line by line (for a streaming response)."""
    if _is_scorecard(report):
        yield from scorecard_output.csv_lines(report)
        return
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    yield writer.writerow(detail_header(report))
    for record in detail_records(report, progress):
        yield writer.writerow(record)


def write_csv(report, output, progress=None):
    """Write the CSV to a binary file."""
    for line in csv_lines(report, progress):
        output.write(line.encode("utf-8"))


def write_xlsx(report, output, progress=None):
    """A workbook with a summary sheet (with a chart) and a detail sheet, in write-only mode."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Summary"))
    reading_direction(summary)
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 40
    for record in summary_records(report):
        summary.append([neutralise(cell) for cell in record])
    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Commitments by status")
    last_status_row = SUMMARY_TABLE_FIRST_ROW + len(Status.choices) - 1
    data = Reference(summary, min_col=2, max_col=3, min_row=SUMMARY_TABLE_FIRST_ROW - 1, max_row=last_status_row)
    labels = Reference(summary, min_col=1, min_row=SUMMARY_TABLE_FIRST_ROW, max_row=last_status_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    chart.width, chart.height = 18, 9
    summary.add_chart(chart, "F2")

    detail = book.create_sheet(_("Detail"))
    reading_direction(detail)
    detail.freeze_panes = "D2"
    detail.append(detail_header(report))
    for record in detail_records(report, progress):
        detail.append(record)
    book.save(output)


def write(report, format, output, progress=None):
    """Write `report` in `format` to a binary file object."""
    check_format(report, format)
    if _is_scorecard(report) and format == "xlsx":
        scorecard_output.write_xlsx(report, output)
    elif format == "docx":
        scorecard_output.write_docx(report, output)
    elif format == "pdf":
        write_pdf(report, output)
    elif format == "xlsx":
        write_xlsx(report, output, progress)
    elif format == "csv":
        write_csv(report, output, progress)
    elif format == "html":
        output.write(render_html_document(report).encode("utf-8"))
    else:
        raise ValueError(f"Unknown format {format!r}")


def render_bytes(report, format):
    buffer = io.BytesIO()
    write(report, format, buffer)
    return buffer.getvalue()
