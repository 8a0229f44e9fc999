"""Import recommendations: the Universal Human Rights Index's "Export to Excel" workbook, the UPR
thematic list of recommendations (the matrix, as CSV), and ILO supervisory comments (CSV).

The file is read by imports.read_table (CSV or XLSX, size, zip-bomb and macro checks) and
run like every import: one transaction, rolled back when previewing or when any row has an
error, so an import saves exactly what its preview showed, or nothing.

Each row is matched by its stable key: the OHCHR annotation id (UHRI), the NORMLEX
reference (ILO), or the document symbol and paragraph (the matrix, and UHRI rows recorded
before they had an id). Importing the same file again changes nothing; a later export of
the same search updates the rows that changed and adds the new ones. Mechanisms, themes,
SDG targets, groups of persons, instruments and reviews the file names and the tracker does
not know are created, and listed in the preview.

New recommendations are written in bulk (a 10,000-row file in one pass): the commitments with
their history rows, then their recommendation data, themes and links, then the maintained
counts, added once from what was inserted (derived.contributions()).
"""

import dataclasses
import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history

from . import derived, overlaps
from .choices import Precision
from .imports import ImportFileError, ImportResult, RowResult, read_table
from .models import (
    Commitment,
    Instrument,
    Jurisdiction,
    Mechanism,
    Organisation,
    Recommendation,
    Review,
)
from .services.commitments import commitment_save, commitment_themes_set
from .services.recommendations import ReferenceData, short_title

RECOMMENDATIONS = "recommendations"

UHRI = "uhri"
UPR_MATRIX = "upr_matrix"
ILO = "ilo"
LAYOUTS = {
    UHRI: gettext_lazy("Universal Human Rights Index export"),
    UPR_MATRIX: gettext_lazy("UPR thematic list of recommendations"),
    ILO: gettext_lazy("ILO supervisory comments"),
}

# The columns of UHRI's "Export to Excel", spelled as UHRI spells them.
UHRI_COLUMNS = (
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
)
UHRI_REQUIRED = ("Text", "Reccomending Body", "Document Symbol", "OHCHR Annotation Id")
# Names the same columns might carry if the spelling is ever corrected.
UHRI_ALIASES = {"recommending body": "reccomending body", "upr recommending states": "upr reccomending states"}

ILO_COLUMNS = {
    "convention": ("convention", "instrument"),
    "kind": ("kind", "type", "comment type"),
    "year": ("year", "adopted"),
    "session": ("session", "ilc session"),
    "normlex_ref": ("normlex", "normlex reference", "normlex ref", "normlex id", "comment id"),
    "text": ("text", "comment", "comment text"),
    "title": ("title",),
    "body": ("body", "supervisory body"),
    "themes": ("themes", "theme"),
    "sdgs": ("sdgs", "sdg", "sdg targets"),
}
ILO_REQUIRED = ("convention", "kind", "year", "normlex_ref")

EXCEL_EPOCH = datetime.date(1899, 12, 30)

# How many new rows the preview looks for overlaps for (the others: on each recommendation's page).
OVERLAP_PREVIEW_ROWS = 300


@dataclasses.dataclass
class Parsed:
    """One row of any layout, read into the recommendation's terms."""

    row: RowResult
    mechanism_name: str = ""
    instrument_code: str = ""  # ILO: the convention; otherwise the mechanism's instrument
    text: str = ""
    title: str = ""
    kind: str = Recommendation.Kind.RECOMMENDATION
    document_symbol: str = ""
    paragraph: str = ""
    published_on: datetime.date | None = None
    published_precision: str = Precision.DAY
    upr_session: int | None = None
    states: list = dataclasses.field(default_factory=list)
    position: str = ""
    position_source: str = ""
    themes: list = dataclasses.field(default_factory=list)
    groups: list = dataclasses.field(default_factory=list)
    sdgs: list = dataclasses.field(default_factory=list)
    annotation_id: str = ""
    normlex_ref: str = ""
    ilo_year: int | None = None
    ilo_session: str = ""
    # Which fields of this layout the file gives (a matrix row does not clear what UHRI gave).
    gives: frozenset = frozenset()


@dataclasses.dataclass
class RecommendationImportResult(ImportResult):
    layout: str = ""
    created_reference: list = dataclasses.field(default_factory=list)  # (kind, name)
    ignored_columns: list = dataclasses.field(default_factory=list)
    overlaps: list = dataclasses.field(default_factory=list)  # (label, [(reference, score, url)])
    overlaps_partial: bool = False

    @property
    def layout_label(self):
        return LAYOUTS.get(self.layout, "")


# ---------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------


def _text(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).strip()


def single(value):
    """A one-valued UHRI cell: "- CCPR" → "CCPR"."""
    text = _text(value)
    return text[1:].strip() if text.startswith("-") else text


def multi(value):
    """A many-valued UHRI cell: one value a line, each prefixed "- "."""
    items = []
    for line in re.split(r"[\r\n]+", _text(value)):
        line = line.strip()
        if line.startswith("-"):
            line = line[1:].strip()
        if line:
            items.append(line)
    return items


def excel_date(value):
    """A date from a date cell, an Excel serial number (days since 1899-12-30) or ISO text; None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = single(value)
    if not text:
        return None
    try:
        serial = float(text)
    except ValueError:
        serial = None
    if serial is not None:
        if not 1 <= serial < 2958466:  # up to 9999-12-31
            raise ValueError(_("“%(value)s” is not an Excel date.") % {"value": text})
        return EXCEL_EPOCH + datetime.timedelta(days=int(serial))
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date: UHRI writes dates as Excel serial numbers, or write 2024-11-07.")
            % {"value": text}
        )


_LEADING_NUMBER = re.compile(r"^\s*(?P<para>\d{1,4}(?:\.\d{1,4})*)\.?(?=\s|[A-Z(])\s*")
_HEADED_NUMBER = re.compile(r"^(?P<heading>[^\d\n]{1,150}?)\s*(?P<para>\d{1,4}(?:\.\d{1,4})*)\.\s*(?=\S)")


def paragraph_of(text):
    """(paragraph, text): the paragraph number leading the text ("147.12 Ratify…"), or after a heading."""
    match = _LEADING_NUMBER.match(text)
    if match:
        return match["para"], text[match.end() :].strip()
    match = _HEADED_NUMBER.match(text)
    if match:
        return match["para"], text
    return "", text


def _first_number(value):
    match = re.search(r"\d+", _text(value))
    return int(match[0]) if match else None


POSITIONS = {"supported": Commitment.RecommendationResponse.SUPPORTED, "noted": Commitment.RecommendationResponse.NOTED}


def position_of(value, row, column):
    text = single(value).strip().rstrip(".").lower()
    if not text:
        return ""
    if text in POSITIONS:
        return POSITIONS[text]
    row.error(column, _("Unknown position “%(value)s”: Supported or Noted.") % {"value": single(value)})
    return ""


def type_of(value, row, column):
    text = single(value).lower()
    if not text or text.startswith("recommendation"):
        return Recommendation.Kind.RECOMMENDATION
    if text.startswith(("concern", "observation")):
        return Recommendation.Kind.CONCERN
    row.error(column, _("Unknown type “%(value)s”: Recommendations or Concerns/Observations.") % {"value": text})
    return Recommendation.Kind.RECOMMENDATION


def _norm_header(header):
    return " ".join(str(header or "").replace("\ufeff", "").split()).lower()


# ---------------------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------------------


def detect_layout(table):
    """(layout, header row index) from the first rows' headers."""
    for index, row in enumerate(table[:10]):
        headers = {_norm_header(h) for h in row}
        if headers & {"ohchr annotation id", "reccomending body", "recommending body"}:
            return UHRI, index
        if any("normlex" in h for h in headers):
            return ILO, index
        if any("recommendation" in h for h in headers) and any("position" in h for h in headers):
            return UPR_MATRIX, index
    return None, 0


def _records(table, header_index):
    header = [_norm_header(h) for h in table[header_index]]
    for number, row in enumerate(table[header_index + 1 :], start=header_index + 2):
        yield number, {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}


def parse_uhri(result, table, header_index):
    header = [UHRI_ALIASES.get(_norm_header(h), _norm_header(h)) for h in table[header_index]]
    known = {c.lower() for c in UHRI_COLUMNS}
    result.ignored_columns = [h for h in header if h and h not in known]
    missing = [c for c in UHRI_REQUIRED if c.lower() not in header]
    if missing:
        result.file_errors.append(
            ngettext(
                "Missing UHRI column: %(columns)s. Export again with “Export to Excel”.",
                "Missing UHRI columns: %(columns)s. Export again with “Export to Excel”.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
        return []
    table = [header, *table[header_index + 1 :]]
    parsed = []
    for number, record in _records(table, 0):
        row = RowResult(number=number)
        item = Parsed(row=row, gives=frozenset({"uhri"}))
        text = _text(record.get("text"))
        item.paragraph, item.text = paragraph_of(text)
        item.text = text  # the full text, as UHRI gives it
        item.mechanism_name = next(
            (b for b in multi(record.get("reccomending body")) if b.lower() != "special procedures"),
            single(record.get("reccomending body")),
        )
        item.document_symbol = single(record.get("document symbol"))
        item.annotation_id = single(record.get("ohchr annotation id"))
        item.kind = type_of(record.get("type"), row, "Type")
        item.position = position_of(record.get("upr position"), row, "UPR Position")
        if item.position:
            item.position_source = _("Universal Human Rights Index (OHCHR annotation %(id)s)") % {
                "id": item.annotation_id
            }
        item.states = multi(record.get("upr reccomending states"))
        item.upr_session = _first_number(record.get("upr session"))
        item.themes = multi(record.get("themes"))
        item.groups = multi(record.get("affected persons"))
        item.sdgs = multi(record.get("sdgs"))
        try:
            item.published_on = excel_date(record.get("document publication date"))
        except ValueError as exc:
            row.error("Document Publication Date", exc)
        for column in ("date of publication on uhri",):
            try:
                excel_date(record.get(column))
            except ValueError as exc:
                row.error("Date of publication on UHRI", exc)
        if not text:
            row.error("Text", _("The text is empty."))
        if not item.mechanism_name:
            row.error("Reccomending Body", _("No recommending body."))
        if not item.document_symbol:
            row.error("Document Symbol", _("No document symbol."))
        if not item.annotation_id:
            row.error("OHCHR Annotation Id", _("No annotation id: it is what keeps a re-import from duplicating."))
        elif len(item.annotation_id) > 64:
            row.error("OHCHR Annotation Id", _("At most 64 characters."))
        parsed.append(item)
    return parsed


_STATES = re.compile(r"\((?P<states>[^()]{2,300})\)\s*[;.]?\s*$")
_SOURCE_OF_POSITION = re.compile(r"source of position\s*:?\s*(?P<source>.+)", re.I)
_THEME_CODE = re.compile(r"^[A-Z]\d{1,2}\s+")


def _matrix_column(headers, *words, exclude=()):
    for header in headers:
        if all(w in header for w in words) and not any(x in header for x in exclude):
            return header
    return None


def parse_matrix(result, table, header_index):
    headers = [_norm_header(h) for h in table[header_index]]
    columns = {
        "recommendation": _matrix_column(headers, "recommendation"),
        "position": _matrix_column(headers, "position", exclude=("source",)),
        "source": _matrix_column(headers, "source", "position"),
        "themes": _matrix_column(headers, "theme"),
        "groups": _matrix_column(headers, "persons", exclude=("theme",)),
        "sdgs": _matrix_column(headers, "sdg"),
        "symbol": _matrix_column(headers, "symbol"),
        "date": _matrix_column(headers, "date"),
        "session": _matrix_column(headers, "session"),
    }
    used = {c for c in columns.values() if c}
    result.ignored_columns = [h for h in headers if h and h not in used]
    parsed = []
    for number, record in _records(table, header_index):
        row = RowResult(number=number)
        item = Parsed(row=row, mechanism_name="UPR", gives=frozenset({"position", "themes"}))
        cell = _text(record.get(columns["recommendation"]))
        item.paragraph, text = paragraph_of(cell)
        match = _STATES.search(text)
        if match:
            item.states = [s.strip() for s in re.split(r"[,;]|\band\b", match["states"]) if s.strip()]
        item.text = cell
        item.position, source = "", ""
        for line in re.split(r"[\r\n]+", _text(record.get(columns["position"]))):
            found = _SOURCE_OF_POSITION.search(line)
            if found:
                source = found["source"].strip()
            elif line.strip() and not item.position:
                item.position = position_of(line, row, columns["position"])
        if columns["source"]:
            source = _SOURCE_OF_POSITION.sub(r"\g<source>", _text(record.get(columns["source"]))).strip() or source
        item.position_source = source[:300]
        section = "themes"
        for line in re.split(r"[\r\n]+", _text(record.get(columns["themes"]))):
            line = line.strip()
            lowered = line.lower()
            if re.match(r"^(affected persons|groups of persons|persons affected)\b", lowered):
                section, line = "groups", line.split(":", 1)[1] if ":" in line else ""
            elif re.match(r"^sdgs?\b", lowered):
                section, line = "sdgs", line.split(":", 1)[1] if ":" in line else ""
            elif re.match(r"^themes?\s*:", lowered):
                section, line = "themes", line.split(":", 1)[1]
            line = line.strip().lstrip("-").strip()
            if not line:
                continue
            if section == "themes":
                item.themes.append(_THEME_CODE.sub("", line))
            elif section == "groups":
                item.groups.append(line)
            else:
                item.sdgs.append(line)
        if columns["groups"]:
            item.groups += multi(record.get(columns["groups"]))
        if columns["sdgs"]:
            item.sdgs += [s for s in re.split(r"[\r\n;,]+", _text(record.get(columns["sdgs"]))) if s.strip().strip("-")]
            item.sdgs = [s.strip().lstrip("-").strip() for s in item.sdgs]
        symbol = single(record.get(columns["symbol"])) if columns["symbol"] else ""
        if not symbol and source:
            # The source of a position is the report's addendum: the report is its symbol without "/Add.n".
            found = re.match(r"(?P<symbol>[A-Z][A-Z0-9./]*?)(?:/Add\.\d+)", source)
            symbol = found["symbol"] if found else ""
        item.document_symbol = symbol
        if columns["date"]:
            try:
                item.published_on = excel_date(record.get(columns["date"]))
            except ValueError as exc:
                row.error(columns["date"], exc)
        if columns["session"]:
            item.upr_session = _first_number(record.get(columns["session"]))
        if not cell:
            row.error(columns["recommendation"], _("The recommendation is empty."))
        elif not item.paragraph:
            row.error(columns["recommendation"], _("The recommendation does not start with its number (e.g. 147.12)."))
        if not item.document_symbol:
            row.error(
                columns["position"] or "",
                _(
                    "No document symbol: give the source of the position (the report's addendum) or a Document Symbol column."
                ),
            )
        parsed.append(item)
    return parsed


ILO_KINDS = {
    "observation": Recommendation.Kind.ILO_OBSERVATION,
    "obs": Recommendation.Kind.ILO_OBSERVATION,
    "direct request": Recommendation.Kind.ILO_DIRECT_REQUEST,
    "dr": Recommendation.Kind.ILO_DIRECT_REQUEST,
    "request": Recommendation.Kind.ILO_DIRECT_REQUEST,
}


def parse_ilo(result, table, header_index):
    headers = [_norm_header(h) for h in table[header_index]]
    columns = {}
    for name, names in ILO_COLUMNS.items():
        columns[name] = next((h for h in headers if h in names), None)
    if columns["normlex_ref"] is None:
        columns["normlex_ref"] = next((h for h in headers if "normlex" in h), None)
    used = {c for c in columns.values() if c}
    result.ignored_columns = [h for h in headers if h and h not in used]
    missing = [name for name in ILO_REQUIRED if columns[name] is None]
    if missing:
        result.file_errors.append(
            ngettext(
                "Missing column: %(columns)s. The columns are: convention, kind, year, session, normlex, text.",
                "Missing columns: %(columns)s. The columns are: convention, kind, year, session, normlex, text.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
        return []
    parsed = []
    for number, record in _records(table, header_index):
        row = RowResult(number=number)
        item = Parsed(row=row, gives=frozenset({"ilo", "themes"}))

        def get(name, record=record):
            return _text(record.get(columns[name])) if columns[name] else ""

        item.mechanism_name = get("body") or "ILO CEACR"
        code = get("convention").upper().replace(" ", "")
        if re.fullmatch(r"C?\d{1,3}", code):
            code = f"C{int(code.lstrip('C')):03d}"
        item.instrument_code = code
        kind = get("kind").lower().strip(". ")
        item.kind = ILO_KINDS.get(kind, "")
        if not item.kind:
            row.error(columns["kind"], _("Unknown kind “%(value)s”: observation or direct request.") % {"value": kind})
        item.ilo_year = _first_number(get("year"))
        if item.ilo_year is None or not 1919 <= item.ilo_year <= 2100:
            row.error(columns["year"], _("“%(value)s” is not a year.") % {"value": get("year")})
            item.ilo_year = None
        item.ilo_session = get("session")[:60]
        item.normlex_ref = get("normlex_ref")
        item.text = get("text")
        item.title = get("title")
        item.themes = [t.strip() for t in re.split(r"[;\r\n]+", get("themes")) if t.strip().strip("-")]
        item.sdgs = [t.strip().lstrip("-").strip() for t in re.split(r"[;,\r\n]+", get("sdgs")) if t.strip().strip("-")]
        if item.ilo_year:
            item.document_symbol = f"CEACR {item.ilo_year}"
            item.published_on, item.published_precision = datetime.date(item.ilo_year, 1, 1), Precision.YEAR
        if not code:
            row.error(columns["convention"], _("No convention."))
        if not item.normlex_ref:
            row.error(columns["normlex_ref"], _("No NORMLEX reference: it is what keeps a re-import from duplicating."))
        elif len(item.normlex_ref) > 100:
            row.error(columns["normlex_ref"], _("At most 100 characters."))
        parsed.append(item)
    return parsed


PARSERS = {UHRI: parse_uhri, UPR_MATRIX: parse_matrix, ILO: parse_ilo}


# ---------------------------------------------------------------------------------------
# What the rows name: mechanisms, instruments, reviews
# ---------------------------------------------------------------------------------------


def _compact(text):
    return re.sub(r"[^A-Z0-9]", "", text.upper())


class _World:
    """The reference data an import reads and may add to, read once."""

    def __init__(self, result):
        self.result = result
        self.data = ReferenceData()
        self.mechanisms = {}
        for mechanism in Mechanism.objects.select_related("organisation", "instrument"):
            for name in mechanism.names():
                self.mechanisms.setdefault(name, mechanism)
        self.instruments = {i.code.upper(): i for i in Instrument.objects.all()}
        self.instruments_compact = {_compact(code): i for code, i in self.instruments.items()}
        self.organisations = {}
        for org in Organisation.objects.all():
            for key in (org.slug, org.name, org.short_name):
                if key:
                    self.organisations.setdefault(key.lower(), org)
        self.reviews = {
            (review.instrument_id, review.document_symbol): review
            for review in Review.objects.exclude(document_symbol="")
        }
        self.federal = Jurisdiction.objects.filter(kind=Jurisdiction.Kind.FEDERAL).order_by("pk").first()

    def created(self, kind, name):
        self.result.created_reference.append((kind, name))

    def mechanism(self, name):
        key = name.strip().lower()
        if key in self.mechanisms:
            return self.mechanisms[key]
        kind = _mechanism_kind(name)
        if kind == Mechanism.Kind.UPR:
            name = str(_("Universal Periodic Review"))
        organisation = self.organisations.get(key) or self.organisations.get(name.lower())
        if organisation is None:
            organisation = Organisation(
                slug=_unused_slug(Organisation, name, 60),
                name=name[:200],
                short_name=name[:60] if len(name) <= 60 else "",
                kind=Organisation.Kind.TREATY_BODY
                if kind == Mechanism.Kind.TREATY_BODY
                else Organisation.Kind.INTERNATIONAL,
            )
            organisation.full_clean()
            organisation.save()
            self.organisations[key] = organisation
            self.created(_("organisation"), organisation.name)
        mechanism = Mechanism(
            slug=_unused_slug(Mechanism, name, 60),
            name=name[:200],
            kind=kind,
            organisation=organisation,
            instrument=self._instrument_for(name, kind),
            uhri_names=key,
        )
        mechanism.full_clean()
        mechanism.save()
        self.mechanisms[key] = mechanism
        kind_label = str(mechanism.get_kind_display())
        shown = mechanism.name if kind_label == mechanism.name else f"{mechanism.name} ({kind_label})"
        self.created(_("monitoring mechanism"), shown)
        return mechanism

    def _instrument_for(self, name, kind):
        if kind == Mechanism.Kind.ILO_SUPERVISORY:
            return None
        if kind == Mechanism.Kind.TREATY_BODY:
            found = self.instruments_compact.get(_compact(name))
            if found is not None:
                return found
            code, title = name.upper()[:40], name
        elif kind == Mechanism.Kind.UPR:
            code, title = "UPR", _("Universal Periodic Review")
        else:
            code, title = "UN-SPECIAL-PROCEDURES", _("UN special procedures")
        if code.upper() in self.instruments:
            return self.instruments[code.upper()]
        instrument = Instrument(
            code=code,
            title=title,
            kind=Instrument.Kind.UN_MECHANISM if kind != Mechanism.Kind.TREATY_BODY else Instrument.Kind.UN_CORE,
            jurisdiction=self.federal,
        )
        instrument.full_clean(exclude=["sources"])
        instrument.save()
        self.instruments[code.upper()] = instrument
        self.instruments_compact[_compact(code)] = instrument
        self.created(_("instrument"), f"{instrument.code}: {instrument.title}")
        return instrument

    def review(self, instrument, mechanism, item):
        key = (instrument.pk, item.document_symbol)
        if key in self.reviews:
            return self.reviews[key]
        if item.published_on is None:
            raise ValueError(
                _("No review %(symbol)s is recorded and the row gives no publication date to record it with.")
                % {"symbol": item.document_symbol}
            )
        kind = {
            Mechanism.Kind.UPR: Review.Kind.UPR,
            Mechanism.Kind.TREATY_BODY: Review.Kind.TREATY_BODY,
            Mechanism.Kind.SPECIAL_PROCEDURE: Review.Kind.SPECIAL_PROCEDURE,
            Mechanism.Kind.ILO_SUPERVISORY: Review.Kind.ILO_COMMENTS,
        }[mechanism.kind]
        if mechanism.kind == Mechanism.Kind.UPR and item.upr_session:
            title = _("UPR session %(session)d: %(symbol)s") % {
                "session": item.upr_session,
                "symbol": item.document_symbol,
            }
        elif mechanism.kind == Mechanism.Kind.ILO_SUPERVISORY:
            title = _("%(body)s comments adopted in %(year)d") % {"body": mechanism.name, "year": item.ilo_year}
        else:
            title = item.document_symbol
        review = Review.objects.filter(instrument=instrument, reviewed_on=item.published_on, title=title[:300]).first()
        if review is None:
            review = Review(
                instrument=instrument,
                kind=kind,
                title=title[:300],
                reviewed_on=item.published_on,
                reviewed_precision=item.published_precision,
                document_symbol=item.document_symbol[:100],
            )
            review.full_clean(exclude=["sources"], validate_constraints=False)
            review.save()
            self.created(_("review"), str(review))
        self.reviews[key] = review
        return review


def _mechanism_kind(name):
    lowered = name.lower()
    if lowered in ("upr", "universal periodic review") or lowered.startswith("upr"):
        return Mechanism.Kind.UPR
    if lowered.startswith(("sr ", "ie ", "wg ", "special rapporteur", "independent expert", "working group")) or (
        "special procedure" in lowered
    ):
        return Mechanism.Kind.SPECIAL_PROCEDURE
    if lowered.startswith(("ilo", "ceacr", "cas ")) or "committee of experts" in lowered:
        return Mechanism.Kind.ILO_SUPERVISORY
    return Mechanism.Kind.TREATY_BODY


def _unused_slug(model, name, max_length):
    base = slugify(name)[:max_length].strip("-") or "body"
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    return slug


# ---------------------------------------------------------------------------------------
# Running an import
# ---------------------------------------------------------------------------------------


def run_recommendation_import(*, data, user, dry_run=True, progress=None, layout=None):
    """Preview (dry_run) or import a file of recommendations; returns a RecommendationImportResult."""
    result = RecommendationImportResult(kind=RECOMMENDATIONS)
    try:
        table = read_table(data)
    except ImportFileError as exc:
        result.file_errors.append(str(exc))
        return result
    detected, header_index = detect_layout(table)
    result.layout = layout or detected or ""
    if result.layout not in PARSERS:
        result.file_errors.append(
            _(
                "The file is not one this import reads: a UHRI “Export to Excel” workbook (with the column "
                "OHCHR Annotation Id), a UPR thematic list of recommendations (Recommendation and Position "
                "columns), or ILO comments (with a NORMLEX column)."
            )
        )
        return result
    parsed = PARSERS[result.layout](result, table, header_index)
    if result.file_errors:
        return result
    with transaction.atomic():
        world = _World(result)
        if world.federal is None:
            result.file_errors.append(_("The tracker has no federal jurisdiction to file recommendations under."))
            return result
        created = _apply(result, parsed, world, progress)
        result.created_reference += world.data.created
        if result.is_valid and created:
            _find_overlaps(result, created, user)
        if dry_run or not result.is_valid:
            transaction.set_rollback(True)
        else:
            result.saved = True
    return result


def _existing(parsed):
    """The recorded recommendations the rows may stand for, by each stable key."""
    ids = [p.annotation_id for p in parsed if p.annotation_id]
    refs = [p.normlex_ref for p in parsed if p.normlex_ref]
    symbols = {p.document_symbol for p in parsed if p.document_symbol}
    queryset = Recommendation.objects.select_related("commitment", "mechanism").prefetch_related(
        "commitment__themes", "sdg_targets", "affected_groups"
    )
    by_annotation, by_normlex, by_paragraph = {}, {}, {}
    for start in range(0, len(ids), 500):
        for rec in queryset.filter(annotation_id__in=ids[start : start + 500]):
            by_annotation[rec.annotation_id] = rec
    for start in range(0, len(refs), 500):
        for rec in queryset.filter(normlex_ref__in=refs[start : start + 500]):
            by_normlex[rec.normlex_ref] = rec
    symbols = sorted(symbols)
    for start in range(0, len(symbols), 200):
        for rec in queryset.filter(document_symbol__in=symbols[start : start + 200]).exclude(paragraph=""):
            by_paragraph.setdefault((rec.document_symbol, rec.paragraph), []).append(rec)
    return by_annotation, by_normlex, by_paragraph


def _find(item, by_annotation, by_normlex, by_paragraph):
    if item.annotation_id and item.annotation_id in by_annotation:
        return by_annotation[item.annotation_id]
    if item.normlex_ref and item.normlex_ref in by_normlex:
        return by_normlex[item.normlex_ref]
    if item.paragraph:
        candidates = [
            rec
            for rec in by_paragraph.get((item.document_symbol, item.paragraph), [])
            # A row with an annotation id adopts only a recommendation that has none yet.
            if not item.annotation_id or not rec.annotation_id
        ]
        if len(candidates) == 1:
            return candidates[0]
    return None


def _reference(item):
    if item.kind in (Recommendation.Kind.ILO_OBSERVATION, Recommendation.Kind.ILO_DIRECT_REQUEST):
        word = "observation" if item.kind == Recommendation.Kind.ILO_OBSERVATION else "direct request"
        return f"CEACR {item.ilo_year or ''} {word}".replace("  ", " ")
    tail = f" para. {item.paragraph}" if item.paragraph else f" {item.annotation_id[:8]}"
    return (item.document_symbol[: 60 - len(tail)] + tail).strip()


def _free_reference(base, taken):
    reference, n = base[:60], 2
    while reference.lower() in taken:
        suffix = f" ({n})"
        reference = base[: 60 - len(suffix)] + suffix
        n += 1
    taken.add(reference.lower())
    return reference


def _apply(result, parsed, world, progress):
    """Validate every row and write what it asks; returns the recommendations created (for overlaps)."""
    by_annotation, by_normlex, by_paragraph = _existing(parsed)
    taken = {}
    seen_keys = {}
    new = []  # (item, commitment, recommendation, themes, sdgs, groups)
    total = len(parsed)
    for done, item in enumerate(parsed, start=1):
        row = item.row
        result.rows.append(row)
        if progress and done % 500 == 0:
            progress(done, total, _("rows read"))
        row.label = item.document_symbol + (f" para. {item.paragraph}" if item.paragraph else "")
        if item.normlex_ref:
            row.label = f"{item.instrument_code} {item.normlex_ref}"
        key = item.annotation_id or item.normlex_ref or (item.document_symbol, item.paragraph)
        if key in seen_keys:
            row.error("", _("The same recommendation is also on row %(row)d.") % {"row": seen_keys[key]})
        seen_keys[key] = row.number
        if row.errors:
            continue
        try:
            mechanism = world.mechanism(item.mechanism_name)
            instrument = mechanism.instrument
            if item.instrument_code:
                instrument = world.instruments.get(item.instrument_code.upper())
                if instrument is None:
                    row.error("convention", _("No instrument with code “%(code)s”.") % {"code": item.instrument_code})
                    continue
            if instrument is None:
                row.error(
                    "", _("%(mechanism)s files its recommendations under no instrument.") % {"mechanism": mechanism}
                )
                continue
            review = world.review(instrument, mechanism, item)
            themes = [world.data.theme(name) for name in item.themes]
            groups = [world.data.group(name) for name in item.groups]
            sdgs = [world.data.sdg(code) for code in item.sdgs]
        except ValueError as exc:
            row.error("", exc)
            continue
        except ValidationError as exc:
            row.error("", " ".join(exc.messages))
            continue
        existing = _find(item, by_annotation, by_normlex, by_paragraph)
        if existing is None and result.layout == UPR_MATRIX:
            row.error(
                "",
                _("No recorded recommendation %(label)s: import the UHRI export of the review first.")
                % {"label": row.label},
            )
            continue
        if existing is None:
            if instrument.pk not in taken:
                taken[instrument.pk] = {
                    r.lower()
                    for r in Commitment.objects.filter(instrument=instrument).values_list("reference", flat=True)
                }
            commitment = Commitment(
                instrument=instrument,
                reference=_free_reference(_reference(item), taken[instrument.pk]),
                title=(item.title or short_title(paragraph_of(item.text)[1] or item.text or row.label))[:300],
                description=item.text,
                jurisdiction=world.federal,
                review=review,
                recommendation_ref=row.label[:200],
                recommendation_response=item.position,
            )
            recommendation = _recommendation_fields(Recommendation(mechanism=mechanism), item, review)
            try:
                commitment.full_clean(
                    exclude=["instrument", "jurisdiction", "responsible_body", "review", "sources", "themes"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                recommendation.full_clean(
                    exclude=["commitment", "mechanism", "cluster"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        row.error(field, message)
                continue
            row.action = "create"
            row.changes.append(
                _("%(kind)s of %(mechanism)s, under %(instrument)s as %(reference)s")
                % {
                    "kind": recommendation.get_kind_display(),
                    "mechanism": mechanism,
                    "instrument": instrument.code,
                    "reference": commitment.reference,
                }
            )
            new.append((item, commitment, recommendation, themes, sdgs, groups))
        else:
            try:
                _update(row, item, existing, mechanism, review, themes, sdgs, groups)
            except ValidationError as exc:
                for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
                    for message in messages:
                        row.error(field, message)
    if not result.is_valid or not new:
        return []
    return _create(new, progress)


def _recommendation_fields(recommendation, item, review):
    """Copy the row's recommendation data onto `recommendation` (what this layout gives only)."""
    if "uhri" in item.gives or "ilo" in item.gives:
        recommendation.kind = item.kind
        recommendation.document_symbol = item.document_symbol[:100]
        recommendation.paragraph = item.paragraph[:30]
        recommendation.published_on = item.published_on
    if "uhri" in item.gives:
        recommendation.annotation_id = item.annotation_id
        recommendation.upr_session = item.upr_session
        recommendation.recommending_states = "\n".join(item.states)
    if "ilo" in item.gives:
        recommendation.normlex_ref = item.normlex_ref
        recommendation.ilo_year = item.ilo_year
        recommendation.ilo_session = item.ilo_session
    if "position" in item.gives or item.position:
        recommendation.position_source = item.position_source[:300]
    if "position" in item.gives and item.states and not recommendation.recommending_states:
        recommendation.recommending_states = "\n".join(item.states)
    if "position" in item.gives and item.upr_session and not recommendation.upr_session:
        recommendation.upr_session = item.upr_session
    return recommendation


_COMPARED = (
    "kind",
    "document_symbol",
    "paragraph",
    "published_on",
    "upr_session",
    "recommending_states",
    "position_source",
    "annotation_id",
    "normlex_ref",
    "ilo_year",
    "ilo_session",
)


def _update(row, item, recommendation, mechanism, review, themes, sdgs, groups):
    commitment = recommendation.commitment
    changes = []
    before = {field: getattr(recommendation, field) for field in _COMPARED}
    _recommendation_fields(recommendation, item, review)
    for field in _COMPARED:
        if getattr(recommendation, field) != before[field]:
            changes.append(
                f"{Recommendation._meta.get_field(field).verbose_name}: {before[field] or '—'} → {getattr(recommendation, field) or '—'}"
            )
    if recommendation.mechanism_id != mechanism.pk and "uhri" in item.gives:
        changes.append(f"{_('mechanism')}: {recommendation.mechanism} → {mechanism}")
        recommendation.mechanism = mechanism
    commitment_changed = False
    if item.text and ("uhri" in item.gives or "ilo" in item.gives) and commitment.description != item.text:
        commitment.description = item.text
        commitment.title = (item.title or short_title(paragraph_of(item.text)[1] or item.text))[:300]
        changes.append(_("text changed"))
        commitment_changed = True
    if item.position and commitment.recommendation_response != item.position:
        changes.append(
            f"{_('position')}: {commitment.get_recommendation_response_display() or '—'} → {Commitment.RecommendationResponse(item.position).label}"
        )
        commitment.recommendation_response = item.position
        commitment_changed = True
    if commitment.review_id is None:
        commitment.review = review
        commitment_changed = True
    if commitment_changed:
        commitment_save(commitment=commitment)
    if changes:
        recommendation.full_clean(exclude=["commitment", "mechanism", "cluster"], validate_unique=False)
        recommendation.save()
    if "themes" in item.gives or item.themes:
        current = {t.pk for t in commitment.themes.all()}
        wanted = current | {t.pk for t in themes} if "uhri" not in item.gives else {t.pk for t in themes}
        if wanted != current:
            commitment_themes_set(commitment=commitment, themes=wanted)
            changes.append(_("themes: %(names)s") % {"names": "; ".join(t.name for t in themes) or "—"})
    for name, manager, wanted in (
        (_("SDG targets"), recommendation.sdg_targets, {s.pk for s in sdgs}),
        (_("groups of persons"), recommendation.affected_groups, {g.pk for g in groups}),
    ):
        current = {o.pk for o in manager.all()}
        if "uhri" not in item.gives:
            wanted = current | wanted
        if wanted != current:
            manager.set(wanted)
            changes.append(f"{name}: {len(wanted)}")
    row.action = "update" if changes else "unchanged"
    row.changes = changes


def _create(new, progress):
    """Insert the new recommendations in bulk, with their history rows and links; the counts follow once."""
    commitments = [commitment for _item, commitment, *_rest in new]
    total = len(commitments)
    created = []
    for start in range(0, total, 500):
        batch = commitments[start : start + 500]
        bulk_create_with_history(batch, Commitment, batch_size=500, default_date=timezone.now())
        created.extend(batch)
        if progress:
            progress(min(start + 500, total), total, _("recommendations written"))
    if any(c.pk is None for c in created):
        # A database that cannot return ids from a bulk insert: read them back by the unique key.
        ids = {
            (instrument_id, reference): pk
            for pk, instrument_id, reference in Commitment.objects.filter(
                instrument_id__in={c.instrument_id for c in created}
            ).values_list("pk", "instrument_id", "reference")
        }
        for commitment in created:
            commitment.pk = commitment.id = ids[(commitment.instrument_id, commitment.reference)]
    recommendations, theme_links, sdg_links, group_links = [], [], [], []
    for _item, commitment, recommendation, themes, sdgs, groups in new:
        recommendation.commitment = commitment
        recommendations.append(recommendation)
        theme_links += [Commitment.themes.through(commitment_id=commitment.pk, theme_id=t.pk) for t in set(themes)]
        sdg_links += [
            Recommendation.sdg_targets.through(recommendation_id=commitment.pk, sdgtarget_id=s.pk) for s in set(sdgs)
        ]
        group_links += [
            Recommendation.affected_groups.through(recommendation_id=commitment.pk, affectedgroup_id=g.pk)
            for g in set(groups)
        ]
    Recommendation.objects.bulk_create(recommendations, batch_size=500)
    Commitment.themes.through.objects.bulk_create(theme_links, batch_size=1000)
    Recommendation.sdg_targets.through.objects.bulk_create(sdg_links, batch_size=1000)
    Recommendation.affected_groups.through.objects.bulk_create(group_links, batch_size=1000)
    # The maintained counts: what was inserted, added once (it has no history, so no trend moves).
    ids = [c.pk for c in created]
    for start in range(0, len(ids), 1000):
        derived.apply_counts(*derived.contributions(Commitment.objects.filter(pk__in=ids[start : start + 1000])))
    return created


def _find_overlaps(result, created, user):
    """For the first new recommendations, the recorded ones (any mechanism or cycle) with similar text."""
    shown = created[:OVERLAP_PREVIEW_ROWS]
    result.overlaps_partial = len(created) > len(shown)
    found = overlaps.similar_to_many(user=user, commitments=shown)
    new_pks = {c.pk for c in created}
    for commitment in shown:
        matches = found.get(commitment.pk)
        if matches:
            result.overlaps.append(
                (f"{commitment.instrument.code} {commitment.reference}", [(m, m.pk in new_pks) for m in matches])
            )


ILO_TEMPLATE = {
    "convention": gettext_lazy("The convention's code, e.g. C087 (required)."),
    "kind": gettext_lazy("observation or direct request (required)."),
    "year": gettext_lazy("The year the Committee of Experts adopted the comment (required)."),
    "session": gettext_lazy("The session it was published for, e.g. 112th ILC session (2024)."),
    "normlex": gettext_lazy("The comment's NORMLEX reference (required): it keeps a re-import from duplicating."),
    "text": gettext_lazy("The comment's text."),
    "themes": gettext_lazy("Themes, separated by semicolons."),
    "sdgs": gettext_lazy("SDG targets, e.g. 8.7; 8.8."),
}


def ilo_template_rows():
    """The header row and one row describing each column of the ILO comments file."""
    return list(ILO_TEMPLATE), [str(text) for text in ILO_TEMPLATE.values()]
