"""Import commitments (and their links) or status history from a CSV or XLSX spreadsheet.

One code path for preview and import: run_import() does the whole import inside a
transaction and rolls it back when previewing or when any row has an error, so an import
creates exactly what its preview promised, and nothing unless the whole file is valid.
Importing the same file again changes nothing: rows are matched by instrument and
reference, and a status row already recorded is skipped.
"""

import csv
import dataclasses
import datetime
import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .choices import Precision
from .dates import partial_date_iso, validate_sane_date
from .files import ZipTooLarge, check_zip_limits
from .models import (
    Commitment,
    CommitmentLink,
    Instrument,
    Jurisdiction,
    Organisation,
    Source,
    Status,
    StatusUpdate,
    Theme,
)
from .services.commitments import commitment_link_add, commitment_save, commitment_themes_set
from .services.history import EvidenceItem, status_update_record

IMPORT_MAX_BYTES = 10 * 1024 * 1024
# The longest note, on the form and in the import alike.
NOTE_MAX_CHARS = 10_000
IMPORT_MAX_ROWS = 10_000
XLSX_MAX_UNCOMPRESSED = 100 * 1024 * 1024

COMMITMENTS = "commitments"
STATUS = "status"

COLUMNS = {
    COMMITMENTS: {
        "instrument": gettext_lazy("Instrument code, e.g. as on the instrument's page (required)."),
        "reference": gettext_lazy("The commitment's reference within the instrument (required)."),
        "title": gettext_lazy("Short title (required)."),
        "description": gettext_lazy("Longer description."),
        "jurisdiction": gettext_lazy(
            "Jurisdiction code: federal, kp, punjab, sindh, balochistan, ict, gb, ajk (required)."
        ),
        "responsible_body": gettext_lazy("Responsible organisation: its key or its full name."),
        "themes": gettext_lazy("Themes: keys or names, separated by semicolons."),
        "due_on": gettext_lazy("Due date, day first (31/12/2025) or 2025-12-31. Dates that read two ways are refused."),
        "contributes_to": gettext_lazy(
            "Commitments this one contributes to: INSTRUMENT:REFERENCE, separated by semicolons."
        ),
        "title_ur": gettext_lazy("Short title in Urdu, shown on Urdu pages (the English one where empty)."),
        "description_ur": gettext_lazy("Longer description in Urdu."),
    },
    STATUS: {
        "instrument": gettext_lazy("Instrument code (required)."),
        "reference": gettext_lazy("The commitment's reference (required)."),
        "status": gettext_lazy("Status, e.g. In progress or in_progress (required)."),
        "effective_on": gettext_lazy(
            "Date the status took effect, day first or ISO; or only a year (2019) or a month (2019-06) (required)."
        ),
        "assessor": gettext_lazy("Who says so: the organisation's key or full name (required)."),
        "note": gettext_lazy("Note."),
        "document": gettext_lazy(
            "The document that carries the claim: a source's address, or a link (attached as evidence). Required "
            "when who says so is neither your organisation nor one you may record for directly."
        ),
    },
}
REQUIRED = {
    COMMITMENTS: {"instrument", "reference", "title", "jurisdiction"},
    STATUS: {"instrument", "reference", "status", "effective_on", "assessor"},
}


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclasses.dataclass
class RowResult:
    number: int
    label: str = ""
    action: str = ""  # create, update, unchanged
    changes: list = dataclasses.field(default_factory=list)
    errors: list = dataclasses.field(default_factory=list)  # (column, message)

    def error(self, column, message):
        self.errors.append((column, str(message)))


@dataclasses.dataclass
class ImportResult:
    kind: str
    rows: list = dataclasses.field(default_factory=list)
    file_errors: list = dataclasses.field(default_factory=list)
    saved: bool = False

    @property
    def is_valid(self):
        return not self.file_errors and not any(row.errors for row in self.rows)

    @property
    def errors(self):
        return [(row.number, column, message) for row in self.rows for column, message in row.errors]

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action and not row.errors)


# ---------------------------------------------------------------------------------------
# Reading spreadsheets
# ---------------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    return str(value).strip()


def _decode_csv(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 or UTF-16 text. In Excel, use “Save as” and choose “CSV UTF-8”.")
        )


def _read_csv(data):
    try:
        text = _decode_csv(data)
    except UnicodeDecodeError:
        raise ImportFileError(_("The file's text could not be decoded (damaged UTF-16?)."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [[_cell(value) for value in row] for row in reader]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file could not be read: %(error)s") % {"error": exc})


def _read_xlsx(data):
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip_limits(zf, max_uncompressed=XLSX_MAX_UNCOMPRESSED)
            if not any(name.startswith("xl/") for name in zf.namelist()):
                raise ImportFileError(_("The file is an archive but not an Excel workbook."))
            if any("vbaproject.bin" in name.lower() for name in zf.namelist()):
                raise ImportFileError(_("The workbook contains macros. Save it as a plain .xlsx file and try again."))
    except zipfile.BadZipFile:
        raise ImportFileError(_("The Excel file is damaged or unreadable."))
    except ZipTooLarge as exc:
        raise ImportFileError(_("The Excel file is refused: %(reason)s") % {"reason": exc})
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(_("The Excel file is damaged or unreadable."))
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in row])
            if len(rows) > IMPORT_MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_table(data):
    """[header, row, ...] from CSV or XLSX bytes (decided by content)."""
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)})
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    rows = _read_xlsx(data) if data[:4] == b"PK\x03\x04" else _read_csv(data)
    rows = [row for row in rows if any(value not in ("", None) for value in row)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    if len(rows) > IMPORT_MAX_ROWS + 1:
        raise ImportFileError(_("The file has more than %(max)d rows: split it.") % {"max": IMPORT_MAX_ROWS})
    for number, row in enumerate(rows, start=1):
        if any(isinstance(value, str) and "\x00" in value for value in row):
            raise ImportFileError(
                _("Row %(row)d holds a null character, which cannot be stored. Remove it and try again.")
                % {"row": number}
            )
    return rows


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")


def parse_day_first(value):
    """A date from an Excel date cell, ISO text, or day-first text; a date that reads two ways, or one
    outside the dates the tracker accepts (dates.validate_sane_date), is refused."""
    day = _parse_day_first(value)
    try:
        validate_sane_date(day)
    except ValidationError as exc:
        raise ValueError(exc.messages[0])
    return day


_YEAR_ONLY = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_partial_day_first(value):
    """(date, precision) from a year ("2019"), a year and month ("2019-06") or a day (parse_day_first).

    A year or a month is stored as its first day with its precision (dates.py), and takes
    effect at the end of that period.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, (str, int)) else None
    if text is not None:
        day, precision = None, None
        if match := _YEAR_ONLY.match(text):
            day, precision = datetime.date(int(match[1]), 1, 1), Precision.YEAR
        elif match := _YEAR_MONTH.match(text):
            if not 1 <= int(match[2]) <= 12:
                raise ValueError(_("“%(value)s” is not a month: write YYYY-MM.") % {"value": text})
            day, precision = datetime.date(int(match[1]), int(match[2]), 1), Precision.MONTH
        if day is not None:
            try:
                validate_sane_date(day)
            except ValidationError as exc:
                raise ValueError(exc.messages[0])
            return day, precision
    return parse_day_first(value), Precision.DAY


def _parse_day_first(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    try:
        if match := _ISO.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_FIRST.match(text):
            day, month, year = int(match[1]), int(match[2]), match[3]
            if len(year) != 4:
                raise ValueError(_("“%(value)s”: write the year in full (four digits).") % {"value": text})
            if day <= 12 and month <= 12 and day != month:
                raise ValueError(
                    _("“%(value)s” could be %(one)s or %(other)s: write it as YYYY-MM-DD.")
                    % {
                        "value": text,
                        "one": datetime.date(int(year), month, day).strftime("%d %b %Y"),
                        "other": datetime.date(int(year), day, month).strftime("%d %b %Y"),
                    }
                )
            return datetime.date(int(year), month, day)
        for fmt in ("%d %B %Y", "%d %b %Y"):
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    except ValueError as exc:
        if exc.args and isinstance(exc.args[0], str) and exc.args[0].startswith("“"):
            raise
        raise ValueError(_("“%(value)s” is not a real date.") % {"value": text})
    raise ValueError(
        _("“%(value)s” is not a date: write it day first (31/12/2025) or as 2025-12-31.") % {"value": text}
    )


def _split(value):
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


class _Lookups:
    """Reference data by key or name, read once per import."""

    def __init__(self):
        self.instruments = {i.code.lower(): i for i in Instrument.objects.all()}
        self.jurisdictions = {j.code.lower(): j for j in Jurisdiction.objects.all()}
        self.organisations = {}
        for org in Organisation.objects.all():
            for key in (org.slug, org.name, org.short_name):
                if key:
                    self.organisations.setdefault(key.lower(), org)
        self.themes = {}
        for theme in Theme.objects.all():
            self.themes.setdefault(theme.slug.lower(), theme)
            self.themes.setdefault(theme.name.lower(), theme)
        self.statuses = {}
        for value, label in Status.choices:
            self.statuses[value] = value
            self.statuses[str(label).lower()] = value


# ---------------------------------------------------------------------------------------
# Running an import
# ---------------------------------------------------------------------------------------


def _headers(result, header_row):
    headers = [str(h or "").strip().lower().replace(" ", "_").lstrip("\ufeff") for h in header_row]
    known = COLUMNS[result.kind]
    for header in headers:
        if header and header not in known:
            result.file_errors.append(
                _("Unknown column “%(column)s”. The columns are: %(columns)s.")
                % {"column": header, "columns": ", ".join(known)}
            )
    missing = REQUIRED[result.kind] - set(headers)
    if missing:
        result.file_errors.append(
            ngettext("Missing column: %(columns)s.", "Missing columns: %(columns)s.", len(missing))
            % {"columns": ", ".join(sorted(missing))}
        )
    return headers


def run_import(*, kind, data, user, dry_run=True, today=None):
    """Preview (dry_run) or import a spreadsheet; returns an ImportResult. Saves only a fully valid file."""
    result = ImportResult(kind=kind)
    if kind not in COLUMNS:
        result.file_errors.append(_("Unknown kind of import."))
        return result
    try:
        table = read_table(data)
    except ImportFileError as exc:
        result.file_errors.append(str(exc))
        return result
    headers = _headers(result, table[0])
    if result.file_errors:
        return result
    records = [
        (number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(headers) if h})
        for number, row in enumerate(table[1:], start=2)
    ]
    with transaction.atomic():
        lookups = _Lookups()
        if kind == COMMITMENTS:
            _import_commitments(result, records, lookups, user)
        else:
            _import_status(result, records, lookups, user, today or timezone.localdate())
        if dry_run or not result.is_valid:
            transaction.set_rollback(True)
        else:
            result.saved = True
    return result


def _text(record, column):
    value = record.get(column, "")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value or "").strip()


def _import_commitments(result, records, lookups, user):
    seen = {}
    pending_links = []
    by_key = {}
    for number, record in records:
        row = RowResult(number=number)
        result.rows.append(row)
        instrument = lookups.instruments.get(_text(record, "instrument").lower())
        reference = _text(record, "reference")
        row.label = f"{_text(record, 'instrument')}:{reference}"
        if instrument is None:
            row.error("instrument", _("No instrument with code “%(code)s”.") % {"code": _text(record, "instrument")})
        if not reference:
            row.error("reference", _("A reference is required."))
        elif len(reference) > 60:
            row.error("reference", _("At most 60 characters."))
        title = _text(record, "title")
        if not title:
            row.error("title", _("A title is required."))
        elif len(title) > 300:
            row.error("title", _("At most 300 characters."))
        if len(_text(record, "title_ur")) > 300:
            row.error("title_ur", _("At most 300 characters."))
        jurisdiction = lookups.jurisdictions.get(_text(record, "jurisdiction").lower())
        if jurisdiction is None:
            row.error(
                "jurisdiction", _("No jurisdiction with code “%(code)s”.") % {"code": _text(record, "jurisdiction")}
            )
        body = None
        if _text(record, "responsible_body"):
            body = lookups.organisations.get(_text(record, "responsible_body").lower())
            if body is None:
                row.error(
                    "responsible_body", _("No organisation “%(name)s”.") % {"name": _text(record, "responsible_body")}
                )
        themes = []
        for name in _split(record.get("themes")):
            theme = lookups.themes.get(name.lower())
            if theme is None:
                row.error("themes", _("No theme “%(name)s”.") % {"name": name})
            else:
                themes.append(theme)
        due_on = None
        if record.get("due_on") not in ("", None):
            try:
                due_on = parse_day_first(record["due_on"])
            except ValueError as exc:
                row.error("due_on", exc)
        if instrument is not None and reference:
            key = (instrument.pk, reference.lower())
            if key in seen:
                row.error("reference", _("The same commitment is also on row %(row)d.") % {"row": seen[key]})
            seen[key] = number
        if row.errors:
            continue
        values = {"title": title, "jurisdiction": jurisdiction}
        for field in ("description", "title_ur", "description_ur"):
            if field in record:
                values[field] = _text(record, field)
        if "responsible_body" in record:
            values["responsible_body"] = body
        if "due_on" in record:
            values["due_on"] = due_on
        commitment = Commitment.objects.filter(instrument=instrument, reference=reference).first()
        if commitment is None:
            commitment = Commitment(instrument=instrument, reference=reference)
            row.action = "create"
        for field, value in values.items():
            if commitment.pk:
                current = _current(commitment, field)
                if current != value:
                    row.changes.append(
                        _("%(field)s: “%(old)s” → “%(new)s”")
                        % {"field": _field_name(field), "old": _shown(current), "new": _shown(value)}
                    )
            setattr(commitment, field, value)
        if commitment.pk and row.changes:
            row.action = "update"
        try:
            with transaction.atomic():
                if row.action in ("create", "update"):
                    commitment_save(commitment=commitment)
                if "themes" in record:
                    current_themes = (
                        set(commitment.themes.values_list("pk", flat=True)) if row.action != "create" else set()
                    )
                    wanted = {t.pk for t in themes}
                    if current_themes != wanted:
                        commitment_themes_set(commitment=commitment, themes=themes, actor=user)
                        if row.action != "create":
                            row.changes.append(
                                _("themes: %(names)s") % {"names": "; ".join(t.name for t in themes) or "—"}
                            )
                            row.action = "update"
        except ValidationError as exc:
            for field, messages in getattr(exc, "message_dict", {None: exc.messages}).items():
                for message in messages:
                    row.error(field or "", message)
            continue
        row.action = row.action or "unchanged"
        by_key[(instrument.code.lower(), reference.lower())] = commitment
        pending_links.append((row, commitment, _split(record.get("contributes_to"))))

    # Links last: a row may point at a commitment created further down the file.
    for row, commitment, targets in pending_links:
        for target_key in targets:
            code, _sep, reference = target_key.partition(":")
            target = by_key.get((code.strip().lower(), reference.strip().lower()))
            if target is None:
                target = Commitment.objects.filter(
                    instrument__code__iexact=code.strip(), reference__iexact=reference.strip()
                ).first()
            if target is None or not reference:
                row.error(
                    "contributes_to", _("No commitment “%(key)s” (write INSTRUMENT:REFERENCE).") % {"key": target_key}
                )
                continue
            if CommitmentLink.objects.filter(source=commitment, target=target).exists():
                continue
            try:
                commitment_link_add(source=commitment, target=target, actor=user)
            except ValidationError as exc:
                row.error("contributes_to", " ".join(exc.messages))
                continue
            row.changes.append(_("contributes to %(key)s") % {"key": f"{target.instrument.code}:{target.reference}"})
            if row.action == "unchanged":
                row.action = "update"


def _current(commitment, field):
    if field in ("jurisdiction", "responsible_body"):
        pk = getattr(commitment, f"{field}_id")
        return getattr(commitment, field) if pk else None
    return getattr(commitment, field)


def _shown(value):
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _field_name(field):
    return str(Commitment._meta.get_field(field).verbose_name)


def _import_status(result, records, lookups, user, today):
    seen = {}
    for number, record in records:
        row = RowResult(number=number)
        result.rows.append(row)
        instrument = lookups.instruments.get(_text(record, "instrument").lower())
        reference = _text(record, "reference")
        row.label = f"{_text(record, 'instrument')}:{reference}"
        commitment = None
        if instrument is None:
            row.error("instrument", _("No instrument with code “%(code)s”.") % {"code": _text(record, "instrument")})
        else:
            commitment = (
                Commitment.objects.select_related("instrument")
                .filter(instrument=instrument, reference=reference)
                .first()
            )
            if commitment is None:
                row.error(
                    "reference",
                    _("No commitment “%(reference)s” under %(instrument)s.")
                    % {"reference": reference, "instrument": instrument.code},
                )
        status = lookups.statuses.get(_text(record, "status").lower()) or lookups.statuses.get(
            _text(record, "status").lower().replace(" ", "_")
        )
        if status is None:
            row.error(
                "status",
                _("Unknown status “%(value)s”. Use one of: %(choices)s.")
                % {"value": _text(record, "status"), "choices": ", ".join(str(label) for _v, label in Status.choices)},
            )
        effective_on, precision = None, Precision.DAY
        try:
            effective_on, precision = parse_partial_day_first(record.get("effective_on", ""))
        except ValueError as exc:
            row.error("effective_on", exc)
        assessor = lookups.organisations.get(_text(record, "assessor").lower())
        if assessor is None:
            row.error("assessor", _("No organisation “%(name)s”.") % {"name": _text(record, "assessor")})
        note = _text(record, "note")
        document = _text(record, "document")
        according_to, evidence = None, ()
        if document:
            according_to = Source.objects.filter(url=document).first()
            if according_to is None:
                if not re.match(r"^https?://\S+$", document) or len(document) > 1000:
                    row.error("document", _("Give the document's address (https://…)."))
                else:
                    evidence = (EvidenceItem(title=document, url=document),)
        if len(note) > NOTE_MAX_CHARS:
            row.error(
                "note",
                _("The note has %(count)d characters; at most %(max)d are accepted, as on the form.")
                % {"count": len(note), "max": NOTE_MAX_CHARS},
            )
        if row.errors:
            continue
        key = (commitment.pk, status, effective_on, precision, assessor.pk, note)
        if key in seen:
            row.error("", _("The same status entry is also on row %(row)d.") % {"row": seen[key]})
            continue
        seen[key] = number
        # Matched only among updates the importing person may read: "unchanged" must not confirm
        # that a restricted update they are not named on says the same.
        exists = (
            StatusUpdate.objects.visible_to(user)
            .filter(
                commitment=commitment,
                status=status,
                effective_on=effective_on,
                effective_precision=precision,
                assessor=assessor,
                note=note,
            )
            .exists()
        )
        if exists:
            row.action = "unchanged"
            continue
        try:
            with transaction.atomic():
                status_update_record(
                    commitment=commitment,
                    status=status,
                    effective_on=effective_on,
                    effective_precision=precision,
                    assessor=assessor,
                    according_to=according_to,
                    evidence=evidence,
                    note=note,
                    recorded_by=user,
                    claim_document_check=True,
                    today=today,
                )
        except ValidationError as exc:
            for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
                for message in messages:
                    row.error(
                        {"according_to": "document"}.get(field, field)
                        if field in (*COLUMNS[STATUS], "according_to")
                        else "",
                        message,
                    )
            continue
        row.action = "create"
        row.changes.append(
            _("%(status)s from %(date)s, says %(who)s")
            % {"status": Status(status).label, "date": partial_date_iso(effective_on, precision), "who": assessor}
        )


def template_rows(kind):
    """The header row and one row describing each column (for the downloadable template)."""
    return list(COLUMNS[kind].keys()), [str(text) for text in COLUMNS[kind].values()]
