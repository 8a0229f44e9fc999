"""Exports of a filtered commitment list (CSV, Excel, JSON), in constant memory.

The rows are the rows of the list on screen (same filters, same order). Everything a row
needs is a correlated subquery of one streaming row query, so an export costs the same few
queries whatever the number of rows. An external audience sees only public updates and
evidence (in the status, its note and the counts).
"""

import csv
import dataclasses
import datetime
import json
import tempfile

from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import Audience, Precision, Status
from ..dates import partial_date_iso
from ..derived import is_contested
from ..models import Commitment, Evidence, StatusUpdate
from ..selectors.deadlines import absolute_url
from . import GroupConcat, export_log, neutralise, reading_direction

FORMATS = ("csv", "xlsx", "json")
CHUNK = 2000  # rows read from the database at a time
BATCH = 64 * 1024  # characters of CSV or JSON sent at a time
STATUS_LABELS = dict(Status.choices)

# (key, header, Excel column width): the key names a JSON field, the header a CSV/Excel column.
COLUMNS = (
    ("reference", gettext_lazy("Reference"), 18),
    ("title", gettext_lazy("Title"), 48),
    ("link", gettext_lazy("Link"), 40),
    ("instrument", gettext_lazy("Instrument"), 14),
    ("jurisdiction", gettext_lazy("Jurisdiction"), 16),
    ("responsible_body", gettext_lazy("Responsible body"), 28),
    ("themes", gettext_lazy("Themes"), 28),
    ("status", gettext_lazy("Status"), 20),
    ("status_date", gettext_lazy("Status date"), 12),
    ("source", gettext_lazy("Source (who says so)"), 28),
    ("latest_note", gettext_lazy("Latest note"), 60),
    ("contested", gettext_lazy("Contested"), 11),
    ("views", gettext_lazy("Each source's view"), 48),
    ("due_date", gettext_lazy("Due date"), 12),
    ("overdue", gettext_lazy("Overdue"), 10),
    ("evidence_items", gettext_lazy("Evidence items"), 10),
    ("source_documents", gettext_lazy("Source documents"), 40),
)

# Each source's view travels in one text cell of the row query: the fields of a view are
# joined by UNIT, the views by RECORD (control characters no name or status holds).
UNIT, RECORD = "\x1f", "\x1e"


def annotate_for_export(commitments, *, user, audience, today=None):
    """The commitments with all an export row shows, each part a correlated subquery of the row query.

    Status, its date, who says so and the note all come from the one update that decides the
    headline (StatusUpdateQuerySet.headline_candidates), so a row never pairs one source's
    status with another's words. Each source's view is its latest update for the audience
    (StatusUpdateQuerySet.latest_per_source_as_of), joined into one string. An external
    audience's headline and views are what the public history alone says. Themes and source
    documents come joined into one string each; the evidence count comes from
    visible_to(user) (public only for an external audience).
    """
    today = today or timezone.localdate()
    sensitivities = Audience(audience).sensitivities
    evidence = Evidence.objects.visible_to(user).filter(redacted_at__isnull=True)
    if audience == Audience.EXTERNAL:
        evidence = evidence.public()
    # COUNT without GROUP BY: one row, 0 when there is no evidence.
    counts = (
        evidence.filter(commitment=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    views = StatusUpdate.objects.latest_per_source_as_of(today, sensitivities=sensitivities).filter(
        commitment=OuterRef("pk")
    )
    view_text = Concat(
        Cast("assessor__short_name", CharField()),
        Value(UNIT),
        Cast("assessor__name", CharField()),
        Value(UNIT),
        Cast("status", CharField()),
        Value(UNIT),
        Cast("effective_on", CharField()),
        Value(UNIT),
        Cast("effective_precision", CharField()),
        output_field=CharField(),
    )
    queryset = commitments.prefetch_related(None).with_headline_as_of(
        today,
        sensitivities=sensitivities,
        fields={
            "export_status": "status",
            "export_status_on": "effective_on",
            "export_status_precision": "effective_precision",
            "export_note": "note",
            "export_source": "assessor__name",
        },
    )
    return queryset.annotate(
        export_themes=GroupConcat(
            Commitment.themes.through.objects.filter(commitment=OuterRef("pk")), "theme__name", separator=", "
        ),
        export_sources=GroupConcat(
            Commitment.sources.through.objects.filter(commitment=OuterRef("pk")), "source__url", separator="; "
        ),
        export_views=GroupConcat(views, view_text, separator=RECORD),
        export_evidence=Subquery(counts, output_field=IntegerField()),
        export_overdue=ExpressionWrapper(
            Commitment.objects.overdue_q(today, status_field="export_status"), output_field=BooleanField()
        ),
    )


FIELDS = (
    "pk",
    "reference",
    "title",
    "instrument__code",
    "jurisdiction__name",
    "responsible_body__name",
    "export_themes",
    "export_status",
    "export_status_on",
    "export_status_precision",
    "export_source",
    "export_note",
    "export_views",
    "due_on",
    "export_overdue",
    "export_evidence",
    "export_sources",
)


@dataclasses.dataclass
class SourceView:
    """One source's current view of a commitment, as an export shows it."""

    source: str
    status: str
    date: datetime.date | None
    precision: str

    @property
    def status_label(self):
        return str(STATUS_LABELS.get(self.status, self.status))

    def as_text(self):
        return f"{self.source}: {self.status_label} ({partial_date_iso(self.date, self.precision)})"

    def as_json(self):
        return {"source": self.source, "status": self.status_label, "date": partial_date_iso(self.date, self.precision)}


def parse_views(text):
    """The views joined by annotate_for_export(), in order of source; a malformed part is left out."""
    views = []
    for part in (text or "").split(RECORD):
        fields = part.split(UNIT)
        if len(fields) != 5:
            continue
        short_name, name, status, day, precision = fields
        try:
            date = datetime.date.fromisoformat(day[:10])
        except ValueError:
            date = None
        views.append(SourceView(short_name or name, status, date, precision))
    return sorted(views, key=lambda view: view.source.casefold())


@dataclasses.dataclass
class ExportRow:
    """One commitment as an export shows it, before it is written as CSV, JSON or Excel cells."""

    reference: str
    title: str
    link: str
    instrument: str
    jurisdiction: str
    responsible_body: str
    themes: str
    status: str
    status_on: datetime.date | None
    status_precision: str
    source: str
    note: str
    contested: bool
    views: list
    due_on: datetime.date | None
    overdue: bool
    evidence: int
    source_documents: str


def export_records(queryset, *, request=None):
    """Each commitment as an ExportRow.

    One streaming query of plain tuples, read CHUNK rows at a time: the query count and the
    memory stay the same whatever the number of rows. Contested is asked of the views the
    row shows (derived.is_contested), so an external row is contested only where its public
    views disagree.
    """
    # A commitment's page is at the same path but for its id: resolve it once, not per row.
    marker = 2147483647
    link = absolute_url(reverse("commitments:detail", args=[marker]), request)
    before, after = link.split(str(marker), 1)
    for row in queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        (
            pk,
            reference,
            title,
            instrument,
            jurisdiction,
            body,
            themes,
            status,
            status_on,
            precision,
            source,
            note,
            views,
            due_on,
            overdue,
            evidence,
            sources,
        ) = row
        views = parse_views(views)
        yield ExportRow(
            reference=reference,
            title=title,
            link=f"{before}{pk}{after}",
            instrument=instrument,
            jurisdiction=jurisdiction,
            responsible_body=body or "",
            themes=themes or "",
            status=status,
            status_on=status_on,
            status_precision=precision or "",
            source=source or "",
            note=note or "",
            contested=is_contested(view.status for view in views),
            views=views,
            due_on=due_on,
            overdue=bool(overdue),
            evidence=evidence,
            source_documents=sources or "",
        )


def _text_cells(record, yes, no):
    """The row's cells as text, text cells neutralised against formula injection (CSV)."""
    return [
        neutralise(record.reference),
        neutralise(record.title),
        record.link,
        neutralise(record.instrument),
        neutralise(record.jurisdiction),
        neutralise(record.responsible_body),
        neutralise(record.themes),
        neutralise(str(STATUS_LABELS.get(record.status, record.status))),
        partial_date_iso(record.status_on, record.status_precision),
        neutralise(record.source),
        neutralise(record.note),
        yes if record.contested else no,
        neutralise("; ".join(view.as_text() for view in record.views)),
        record.due_on.isoformat() if record.due_on else "",
        yes if record.overdue else no,
        record.evidence,
        neutralise(record.source_documents),
    ]


def _json_object(record, yes, no):
    cells = _text_cells(record, yes, no)
    keys = [key for key, _header, _width in COLUMNS]
    obj = dict(zip(keys, cells))
    obj["contested"] = record.contested
    obj["views"] = [view.as_json() for view in record.views]
    return obj


# How Excel shows a date known to the year, the month or the day.
EXCEL_DATE_FORMATS = {Precision.YEAR: "yyyy", Precision.MONTH: "mmm yyyy", Precision.DAY: "yyyy-mm-dd"}


class _Echo:
    def write(self, value):
        return value


def _batched(pieces, size=BATCH):
    """Join small pieces of text into blocks of about `size` characters: a streamed response pays per block."""
    block, length = [], 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


def _csv_lines(records):
    writer = csv.writer(_Echo())
    yes, no = neutralise(_("yes")), neutralise(_("no"))
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    yield writer.writerow([str(header) for _key, header, _width in COLUMNS])
    for record in records:
        yield writer.writerow(_text_cells(record, yes, no))


def _csv_stream(records):
    return _batched(_csv_lines(records))


def _json_pieces(records):
    yes, no = neutralise(_("yes")), neutralise(_("no"))
    yield "["
    first = True
    for record in records:
        yield ("\n" if first else ",\n") + json.dumps(_json_object(record, yes, no), ensure_ascii=False)
        first = False
    yield "\n]\n"


def _json_stream(records):
    return _batched(_json_pieces(records))


def _xlsx_file(records):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # write_only streams rows to a temporary file instead of holding the sheet in memory.
    # Widths and the frozen header are written before the first row, the autofilter after the last.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Commitments"))
    reading_direction(sheet)
    for index, (_key, _header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for _key, title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    yes, no = neutralise(_("yes")), neutralise(_("no"))
    status_date = [key for key, _header, _width in COLUMNS].index("status_date")
    due_date = [key for key, _header, _width in COLUMNS].index("due_date")
    count = 0
    for record in records:
        cells = _text_cells(record, yes, no)
        if record.status_on is not None:
            cell = WriteOnlyCell(sheet, value=record.status_on)
            cell.number_format = EXCEL_DATE_FORMATS.get(record.status_precision, EXCEL_DATE_FORMATS[Precision.DAY])
            cells[status_date] = cell
        else:
            cells[status_date] = None
        if record.due_on is not None:
            cell = WriteOnlyCell(sheet, value=record.due_on)
            cell.number_format = EXCEL_DATE_FORMATS[Precision.DAY]
            cells[due_date] = cell
        else:
            cells[due_date] = None
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


@dataclasses.dataclass
class ListExport:
    """An export ready to send: its content (text blocks, or a file for Excel) and how to name it."""

    content: object
    content_type: str
    filename: str
    streaming: bool


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def commitment_list_filename(format, filename="commitments"):
    return f"{filename}-{timezone.localdate().isoformat()}.{format}"


def commitment_list_export(
    commitments, *, user, format, audience, scope, filename="commitments", rows=None, request=None
):
    """Log the export, then produce it (CSV and JSON stream; Excel is written to a temporary file).

    `rows`: the number of commitments, when the caller has counted them already. `request`:
    the page's request, whose address the links use when TRACKER_BASE_URL is unset.
    """
    queryset = annotate_for_export(commitments, user=user, audience=audience)
    export_log(
        user=user,
        kind="commitment_list",
        format=format,
        scope=scope,
        audience=audience,
        rows=commitments.count() if rows is None else rows,
    )
    rows = export_records(queryset, request=request)
    name = commitment_list_filename(format, filename)
    if format == "csv":
        return ListExport(_csv_stream(rows), CONTENT_TYPES[format], name, streaming=True)
    if format == "json":
        return ListExport(_json_stream(rows), CONTENT_TYPES[format], name, streaming=True)
    return ListExport(_xlsx_file(rows), CONTENT_TYPES[format], name, streaming=False)


def _counted(rows, progress, total, every=CHUNK):
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % every == 0:
            progress(done, total)
    progress(done, total)


def commitment_list_write(commitments, *, user, format, audience, output, progress=None, total=None):
    """Write the export to the binary file `output` (for a background job, which logs it when done).

    `progress(done, total)` is called every CHUNK rows.
    """
    rows = export_records(annotate_for_export(commitments, user=user, audience=audience))
    if progress is not None:
        rows = _counted(rows, progress, total)
    if format == "xlsx":
        with _xlsx_file(rows) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                output.write(block)
    else:
        for block in _csv_stream(rows) if format == "csv" else _json_stream(rows):
            output.write(block.encode("utf-8"))
