"""Exports of a filtered commitment list (CSV, Excel, JSON), in constant memory.

The rows are the rows of the list on screen (same filters, same order). Everything a row
needs is a correlated subquery of one streaming row query, so an export costs the same few
queries whatever the number of rows. An external audience sees only public updates and
evidence (in the status, its note and the counts).
"""

import csv
import dataclasses
import json
import tempfile

from django.db.models import BooleanField, ExpressionWrapper, F, Func, IntegerField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import Audience, Status
from ..dates import partial_date_iso
from ..models import Commitment, Evidence
from . import GroupConcat, export_log, neutralise, reading_direction

FORMATS = ("csv", "xlsx", "json")
CHUNK = 2000  # rows read from the database at a time
BATCH = 64 * 1024  # characters of CSV or JSON sent at a time
STATUS_LABELS = dict(Status.choices)

# (key, header): the key names a JSON field, the header a CSV/Excel column.
COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("instrument", gettext_lazy("Instrument")),
    ("jurisdiction", gettext_lazy("Jurisdiction")),
    ("responsible_body", gettext_lazy("Responsible body")),
    ("themes", gettext_lazy("Themes")),
    ("status", gettext_lazy("Status")),
    ("status_date", gettext_lazy("Status date")),
    ("due_date", gettext_lazy("Due date")),
    ("overdue", gettext_lazy("Overdue")),
    ("latest_note", gettext_lazy("Latest note")),
    ("evidence_items", gettext_lazy("Evidence items")),
    ("source", gettext_lazy("Source (who says so)")),
    ("source_documents", gettext_lazy("Source documents")),
)


def annotate_for_export(commitments, *, user, audience, today=None):
    """The commitments with all an export row shows, each part a correlated subquery of the row query.

    Status, its date, who says so and the note all come from the one update that decides the
    headline (StatusUpdateQuerySet.headline_candidates), so a row never pairs one source's
    status with another's words. An external audience's headline is what the public history
    alone says. Themes and source documents come joined into one string each; the evidence
    count comes from visible_to(user) (public only for an external audience).
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
        export_evidence=Subquery(counts, output_field=IntegerField()),
        export_overdue=ExpressionWrapper(
            Commitment.objects.overdue_q(today, status_field="export_status"), output_field=BooleanField()
        ),
    )


FIELDS = (
    "reference",
    "instrument__code",
    "jurisdiction__name",
    "responsible_body__name",
    "export_themes",
    "export_status",
    "export_status_on",
    "export_status_precision",
    "due_on",
    "export_overdue",
    "export_note",
    "export_evidence",
    "export_source",
    "export_sources",
)


def export_rows(queryset):
    """Each commitment as a list of cells, text cells neutralised against formula injection.

    One streaming query of plain tuples, read CHUNK rows at a time: the query count and the
    memory stay the same whatever the number of rows.
    """
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    yes, no = neutralise(_("yes")), neutralise(_("no"))
    for row in queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        (
            reference,
            instrument,
            jurisdiction,
            body,
            themes,
            status,
            status_on,
            precision,
            due_on,
            overdue,
            note,
            evidence,
            source,
            sources,
        ) = row
        yield [
            neutralise(reference),
            neutralise(instrument),
            neutralise(jurisdiction),
            neutralise(body or ""),
            neutralise(themes or ""),
            neutralise(labels.get(status, status)),
            partial_date_iso(status_on, precision or ""),
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
    yield writer.writerow([str(header) for _key, header in COLUMNS])
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
    reading_direction(sheet)
    sheet.append([str(header) for _key, header in COLUMNS])
    for row in rows:
        sheet.append(row)
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


def commitment_list_export(commitments, *, user, format, audience, scope, filename="commitments", rows=None):
    """Log the export, then produce it (CSV and JSON stream; Excel is written to a temporary file).

    `rows`: the number of commitments, when the caller has counted them already.
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
    rows = export_rows(queryset)
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
    rows = export_rows(annotate_for_export(commitments, user=user, audience=audience))
    if progress is not None:
        rows = _counted(rows, progress, total)
    if format == "xlsx":
        with _xlsx_file(rows) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                output.write(block)
    else:
        for block in _csv_stream(rows) if format == "csv" else _json_stream(rows):
            output.write(block.encode("utf-8"))
