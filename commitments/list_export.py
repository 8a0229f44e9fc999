"""Exports of a filtered commitment list (CSV, Excel, JSON), in constant memory.

The rows are the rows of the list on screen (same filters, same order). Everything a row
needs is a correlated subquery of one streaming row query (themes and source documents joined
into strings, the latest note and evidence count from visible_to(user)), so an export costs the
same few queries whatever the number of rows. An external audience sees only public updates
and evidence (in the status, the latest note and the counts).
"""

import csv
import json
import tempfile

from django.conf import settings
from django.db.models import Case, CharField, Exists, F, Func, IntegerField, OuterRef, Subquery, Value, When
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import partial_date_iso
from .exports import GroupConcat, export_log, neutralise
from .models import Commitment, Evidence, ExportLog, Sensitivity, Status, StatusUpdate

FORMATS = ("csv", "xlsx", "json")
CHUNK = 2000  # rows read from the database at a time
BATCH = 64 * 1024  # characters of CSV or JSON sent at a time
STATUS_LABELS = dict(Status.choices)

# (key, header): the key names a JSON field, the header a CSV/Excel column.
COLUMNS = (
    ("reference", "Reference"),
    ("instrument", "Instrument"),
    ("jurisdiction", "Jurisdiction"),
    ("responsible_body", "Responsible body"),
    ("themes", "Themes"),
    ("status", "Status"),
    ("status_date", "Status date"),
    ("due_date", "Due date"),
    ("overdue", "Overdue"),
    ("latest_note", "Latest note"),
    ("evidence_items", "Evidence items"),
    ("source", "Source (who says so)"),
    ("source_documents", "Source documents"),
)


def annotate_for_export(commitments, *, user, audience):
    """The commitments with all an export row shows, each part a correlated subquery of the row query.

    Themes and source documents come joined into one string each; the latest note, its source
    and the evidence count come from visible_to(user) (public only for an external audience).
    """
    external = audience == ExportLog.Audience.EXTERNAL
    updates = StatusUpdate.objects.visible_to(user)
    evidence = Evidence.objects.visible_to(user).filter(redacted_at__isnull=True)
    if external:
        updates, evidence = updates.public(), evidence.public()
    latest = updates.filter(commitment=OuterRef("pk")).order_by("-effective_on", "-recorded_at", "-id").annotate(
        shown_note=Case(When(redacted_at__isnull=False, then=Value("")), default=F("note"), output_field=CharField())
    )
    # COUNT without GROUP BY: one row, 0 when there is no evidence.
    counts = evidence.filter(commitment=OuterRef("pk")).order_by().annotate(
        n=Func(F("pk"), function="COUNT", output_field=IntegerField())
    ).values("n")
    queryset = commitments.prefetch_related(None).annotate(
        export_themes=GroupConcat(
            Commitment.themes.through.objects.filter(commitment=OuterRef("pk")), "theme__name", separator=", "
        ),
        export_sources=GroupConcat(
            Commitment.sources.through.objects.filter(commitment=OuterRef("pk")), "source__url", separator="; "
        ),
        export_note=Subquery(latest.values("shown_note")[:1]),
        export_source=Subquery(latest.values("assessor__name")[:1]),
        export_evidence=Subquery(counts, output_field=IntegerField()),
    )
    if external:
        # The headline as the public history alone tells it (the same rule as with_status_as_of).
        today = timezone.localdate()
        public = StatusUpdate.objects.public().filter(commitment=OuterRef("pk"), effective_on__lte=today).order_by(
            "-effective_on", "-recorded_at", "-id"
        )
        own = public.filter(assessor__slug=settings.TRACKER_ORGANISATION)
        queryset = queryset.with_status_as_of(today, sensitivities=(Sensitivity.PUBLIC,)).annotate(
            public_status_on=Case(
                When(Exists(own), then=Subquery(own.values("effective_on")[:1])),
                default=Subquery(public.values("effective_on")[:1]),
            ),
            public_status_precision=Case(
                When(Exists(own), then=Subquery(own.values("effective_precision")[:1])),
                default=Subquery(public.values("effective_precision")[:1]),
            ),
        )
    return queryset


FIELDS = (
    "reference", "instrument__code", "jurisdiction__name", "responsible_body__name", "export_themes", "status",
    "status_on", "status_precision", "due_on", "export_note", "export_evidence", "export_source", "export_sources",
)
EXTERNAL_FIELDS = ("status_as_of", "public_status_on", "public_status_precision")


def export_rows(queryset, *, audience, today=None):
    """Each commitment as a list of cells, text cells neutralised against formula injection.

    One streaming query of plain tuples, read CHUNK rows at a time: the query count and the
    memory stay the same whatever the number of rows.
    """
    today = today or timezone.localdate()
    external = audience == ExportLog.Audience.EXTERNAL
    fields = FIELDS + (EXTERNAL_FIELDS if external else ())
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    yes, no = neutralise(_("yes")), neutralise(_("no"))
    implemented = Status.IMPLEMENTED
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        (reference, instrument, jurisdiction, body, themes, status, status_on, precision, due_on, note, evidence,
         source, sources) = row[:13]
        if external:
            status, status_on, precision = row[13], row[14], row[15] or ""
        overdue = due_on is not None and due_on < today and status != implemented
        yield [
            neutralise(reference),
            neutralise(instrument),
            neutralise(jurisdiction),
            neutralise(body or ""),
            neutralise(themes or ""),
            neutralise(labels.get(status, status)),
            partial_date_iso(status_on, precision),
            due_on.isoformat() if due_on else "",
            yes if overdue else no,
            neutralise(note or ""),
            evidence,
            neutralise(source or ""),
            neutralise(sources or ""),
        ]


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


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    yield writer.writerow([header for _key, header in COLUMNS])
    for row in rows:
        yield writer.writerow(row)


def _csv_stream(rows):
    return _batched(_csv_lines(rows))


def _json_pieces(rows):
    keys = [key for key, _header in COLUMNS]
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(dict(zip(keys, row)), ensure_ascii=False)
        first = False
    yield "\n]\n"


def _json_stream(rows):
    return _batched(_json_pieces(rows))


def _xlsx_file(rows):
    from openpyxl import Workbook

    # write_only streams rows to a temporary file instead of holding the sheet in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Commitments"))
    sheet.append([header for _key, header in COLUMNS])
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_response(commitments, *, user, format, audience, scope, filename="commitments"):
    """Log the export, then stream it."""
    queryset = annotate_for_export(commitments, user=user, audience=audience)
    export_log(user=user, kind="commitment_list", format=format, scope=scope, audience=audience, rows=commitments.count())
    rows = export_rows(queryset, audience=audience)
    stamp = timezone.localdate().isoformat()
    name = f"{filename}-{stamp}.{format}"
    if format == "csv":
        response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
    elif format == "json":
        response = StreamingHttpResponse(_json_stream(rows), content_type="application/json")
    else:
        return FileResponse(
            _xlsx_file(rows),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
