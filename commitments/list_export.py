"""Exports of a filtered commitment list (CSV, Excel, JSON), in constant memory.

The rows are the rows of the list on screen (same filters, same order). Everything a row
needs is annotated in the database from visible_to(user) subqueries, so an export costs a
fixed number of queries per chunk of rows, never one per row. An external audience sees only
public updates and evidence (in the status, the latest note and the counts).
"""

import csv
import json
import tempfile

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import partial_date_iso
from .exports import export_log, neutralise
from .models import Evidence, ExportLog, Sensitivity, Status, StatusUpdate

FORMATS = ("csv", "xlsx", "json")
CHUNK = 2000
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
    """The commitments with the latest visible note, its source, the evidence count (and public status)."""
    external = audience == ExportLog.Audience.EXTERNAL
    updates = StatusUpdate.objects.visible_to(user)
    evidence = Evidence.objects.visible_to(user).filter(redacted_at__isnull=True)
    if external:
        updates, evidence = updates.public(), evidence.public()
    latest = updates.filter(commitment=OuterRef("pk")).order_by("-effective_on", "-recorded_at", "-id").annotate(
        shown_note=Case(When(redacted_at__isnull=False, then=Value("")), default=F("note"), output_field=CharField())
    )
    counts = (
        evidence.filter(commitment=OuterRef("pk")).order_by().values("commitment").annotate(n=Count("pk")).values("n")
    )
    queryset = commitments.annotate(
        export_note=Subquery(latest.values("shown_note")[:1]),
        export_source=Subquery(latest.values("assessor__name")[:1]),
        export_evidence=Coalesce(Subquery(counts, output_field=IntegerField()), 0),
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
    "pk", "reference", "instrument__code", "jurisdiction__name", "responsible_body__name", "status", "status_on",
    "status_precision", "due_on", "export_note", "export_evidence", "export_source",
)
EXTERNAL_FIELDS = ("status_as_of", "public_status_on", "public_status_precision")


def _names_by_commitment(through, ids, field):
    """{commitment id: [names]} for one chunk, in one query (themes, sources)."""
    names = {}
    for commitment_id, name in (
        through.objects.filter(commitment_id__in=ids).order_by(field).values_list("commitment_id", field)
    ):
        names.setdefault(commitment_id, []).append(name)
    return names


def _chunks(rows, size):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_rows(queryset, *, audience, today=None):
    """Each commitment as a list of cells, text cells neutralised against formula injection.

    Plain values, not model instances, and the many-to-many names fetched once per chunk:
    a large export costs a few queries per 2,000 rows and little memory.
    """
    from .models import Commitment

    today = today or timezone.localdate()
    external = audience == ExportLog.Audience.EXTERNAL
    fields = FIELDS + (EXTERNAL_FIELDS if external else ())
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    yes, no = _("yes"), _("no")
    values = queryset.values(*fields).iterator(chunk_size=CHUNK)
    for chunk in _chunks(values, CHUNK):
        ids = [row["pk"] for row in chunk]
        themes = _names_by_commitment(Commitment.themes.through, ids, "theme__name")
        sources = _names_by_commitment(Commitment.sources.through, ids, "source__url")
        for c in chunk:
            if external:
                status, status_on, precision = c["status_as_of"], c["public_status_on"], c["public_status_precision"] or ""
            else:
                status, status_on, precision = c["status"], c["status_on"], c["status_precision"]
            due_on = c["due_on"]
            overdue = due_on is not None and due_on < today and status != Status.IMPLEMENTED
            cells = [
                c["reference"],
                c["instrument__code"],
                c["jurisdiction__name"],
                c["responsible_body__name"] or "",
                ", ".join(themes.get(c["pk"], ())),
                labels.get(status, status),
                partial_date_iso(status_on, precision),
                due_on.isoformat() if due_on else "",
                yes if overdue else no,
                c["export_note"] or "",
                c["export_evidence"],
                c["export_source"] or "",
                "; ".join(sources.get(c["pk"], ())),
            ]
            yield [neutralise(cell) for cell in cells]


class _Echo:
    def write(self, value):
        return value


def _csv_stream(rows):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads the file as UTF-8
    yield writer.writerow([header for _key, header in COLUMNS])
    for row in rows:
        yield writer.writerow(row)


def _json_stream(rows):
    keys = [key for key, _header in COLUMNS]
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(dict(zip(keys, row)), ensure_ascii=False)
        first = False
    yield "\n]\n"


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
