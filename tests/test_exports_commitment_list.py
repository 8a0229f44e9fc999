import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commitments import models
from commitments.exports import commitment_list as list_export
from commitments.services.history import status_update_record
from tests import rich_data
from tests.factories import EvidenceFactory, SourceFactory, ThemeFactory, UserFactory

LIST = reverse("commitments:list")
HEADER = [
    "Reference",
    "Title",
    "Link",
    "Instrument",
    "Jurisdiction",
    "Responsible body",
    "Themes",
    "Status",
    "Status date",
    "Source (who says so)",
    "Latest note",
    "Contested",
    "Each source's view",
    "Due date",
    "Overdue",
    "Evidence items",
    "Source documents",
]
JURISDICTION = HEADER.index("Jurisdiction")


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def export_csv(client, query):
    response = client.get(f"{LIST}?{query}&export=csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


@pytest.fixture
def data(db):
    return rich_data.build()


def test_the_csv_export_has_exactly_the_rows_on_screen_in_the_same_order(client, data):
    client.force_login(data.admin)
    query = "jurisdiction=federal&sort=-due_on"
    rows = export_csv(client, query)
    assert rows[0] == HEADER
    on_screen = client.get(f"{LIST}?{query}").context["table"]
    assert [r[0] for r in rows[1:]] == [row.record.reference for row in on_screen.paginated_rows]
    assert all(r[JURISDICTION] == "Federal" for r in rows[1:])


def test_every_format_exports_every_page_of_the_filtered_list(client, data):
    rich_data.add(data, scale=3, start=500)
    client.force_login(data.admin)
    expected = list(
        models.Commitment.objects.exclude(status="implemented")
        .order_by("instrument__code", "reference")
        .values_list("reference", flat=True)
    )
    query = "&".join(f"status={s}" for s in ["in_progress"])
    in_progress = list(
        models.Commitment.objects.filter(status="in_progress")
        .order_by("instrument__code", "reference")
        .values_list("reference", flat=True)
    )
    assert len(expected) > 50
    assert [r[0] for r in export_csv(client, query)[1:]] == in_progress
    response = client.get(f"{LIST}?{query}&export=json")
    assert [row["reference"] for row in json.loads(body(response))] == in_progress
    response = client.get(f"{LIST}?{query}&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    assert [row[0] for row in values[1:]] == in_progress
    all_rows = export_csv(client, "overdue=")
    assert len(all_rows) - 1 == models.Commitment.objects.count() > 50


def test_text_cells_cannot_become_spreadsheet_formulas(client, data):
    client.force_login(data.admin)
    rows = export_csv(client, "q=R0")
    note = rows[1][HEADER.index("Latest note")]
    assert note.startswith("'=HYPERLINK")
    response = client.get(f"{LIST}?q=R0&export=xlsx")
    sheet = load_workbook(io.BytesIO(body(response))).active
    cell = sheet.cell(row=2, column=HEADER.index("Latest note") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_the_status_note_and_evidence_count_respect_what_the_reader_may_see(client, data):
    commitment = models.StatusUpdate.objects.filter(sensitivity="restricted").first().commitment
    public_update = rich_data.record(
        data,
        commitment,
        "in_progress",
        datetime.date(2024, 12, 1),
        note="Public note",
        sensitivity=models.Sensitivity.PUBLIC,
    )
    EvidenceFactory(commitment=commitment, status_update=public_update, sensitivity="public")
    EvidenceFactory(commitment=commitment, sensitivity="internal")
    hidden = EvidenceFactory(commitment=commitment, sensitivity="restricted")
    hidden.restricted_to.set([data.admin])
    ref = f"q={commitment.reference}&instrument={commitment.instrument.code}"

    def row(user, audience="internal"):
        client.force_login(user)
        rows = export_csv(client, f"{ref}&audience={audience}")
        assert len(rows) == 2
        return dict(zip(HEADER, rows[1]))

    # The note is the one of the update behind the headline, which a restricted update never is,
    # so even the administrator named on the restricted update exports the public note.
    assert row(data.admin)["Latest note"] == "Public note"
    # The administrator is named on the restricted evidence: it counts for them only.
    assert row(data.admin)["Evidence items"] == "3"
    assert row(data.editor)["Latest note"] == "Public note"
    assert row(data.editor)["Evidence items"] == "2"
    # For an outside audience only public updates and evidence count, and the status is the public one.
    external = row(data.admin, "external")
    assert external["Latest note"] == "Public note"
    assert external["Evidence items"] == "1"
    assert external["Status"] == "In progress" and external["Status date"] == "2024-12-01"


def test_an_external_export_holds_no_internal_note(client, data):
    client.force_login(data.admin)
    rows = export_csv(client, "audience=external")
    notes = {r[HEADER.index("Latest note")] for r in rows[1:]}
    assert notes == {""}
    assert {r[HEADER.index("Status")] for r in rows[1:]} == {"No information"}


def test_a_viewer_exports_only_their_jurisdictions(client, data):
    client.force_login(data.punjab_viewer)
    rows = export_csv(client, "")
    assert {r[JURISDICTION] for r in rows[1:]} == {"Punjab"}
    assert len(rows) - 1 == models.Commitment.objects.filter(jurisdiction=data.punjab).count()


def test_every_export_is_logged_with_its_filters_format_and_audience(client, data):
    client.force_login(data.editor)
    body(client.get(f"{LIST}?group=labour&export=json&audience=external"))
    log = models.ExportLog.objects.get()
    assert (log.user, log.kind, log.format, log.audience) == (data.editor, "commitment_list", "json", "external")
    assert log.scope == {"group": "labour", "audience": "external"}
    assert log.rows == models.Commitment.objects.filter(instrument__code="C087").count()


def test_an_unknown_format_is_not_found(client, data):
    client.force_login(data.admin)
    assert client.get(f"{LIST}?export=exe").status_code == 404
    assert not models.ExportLog.objects.exists()


def export_queries(client, query):
    """The queries of one export, and its rows (header first) read back from the file."""
    with CaptureQueriesContext(connection) as queries:
        content = body(client.get(f"{LIST}?{query}"))
    if "export=csv" in query:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    elif "export=json" in query:
        rows = [HEADER] + [list(row.values()) for row in json.loads(content)]
    else:
        rows = [
            list(row) for row in load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
        ]
    return [q["sql"] for q in queries.captured_queries], rows


EXPORTS = ("export=csv", "export=xlsx", "export=json", "export=csv&audience=external", "export=json&status=in_progress")


def test_the_export_query_count_does_not_grow_with_the_number_of_rows(client, data, monkeypatch):
    # Rows are read from the database 25 at a time, so "many" spans several reads.
    monkeypatch.setattr(list_export, "CHUNK", 25)
    client.force_login(data.editor)
    few = {query: export_queries(client, query) for query in EXPORTS}
    assert len(few["export=csv"][1]) - 1 == models.Commitment.objects.count() < 25
    rich_data.add(data, scale=6, start=1000)
    for commitment in models.Commitment.objects.all()[:50]:
        EvidenceFactory(commitment=commitment)
    for query in EXPORTS:
        sql, rows = export_queries(client, query)
        # user, their groups, the row count for the log, the export log, the rows (one streaming query)
        assert len(sql) == len(few[query][0]), query
        if "status" not in query:
            assert len(rows) - 1 == models.Commitment.objects.count() >= 5 * 25
        assert not any("Restricted detail" in str(cell) for row in rows for cell in row)


def test_themes_and_source_documents_are_listed_in_order_and_cannot_become_formulas(client, data):
    commitment, bare = data.commitments[1], data.commitments[2]
    commitment.themes.set([*data.themes, ThemeFactory(slug="plus", name="+Plus")])
    commitment.sources.set([SourceFactory(url="https://example.org/b"), SourceFactory(url="https://example.org/a")])
    bare.themes.clear()
    bare.sources.clear()
    client.force_login(data.admin)
    for query in ("export=csv", "export=json", "export=xlsx", "export=csv&audience=external"):
        rows = {row[0]: dict(zip(HEADER, row)) for row in export_queries(client, query)[1][1:]}
        assert rows[commitment.reference]["Themes"] == "'+Plus, Labour, Women's rights"
        assert rows[commitment.reference]["Source documents"] == "https://example.org/a; https://example.org/b"
        assert rows[bare.reference]["Themes"] in ("", None)
        assert rows[bare.reference]["Source documents"] in ("", None)


def test_a_restricted_note_is_in_no_export_not_even_for_the_people_named_on_it(client, data):
    """An export is a document that travels: its notes are the headline's, and a restricted update decides no headline."""
    restricted = models.StatusUpdate.objects.filter(sensitivity="restricted")
    assert restricted.exists()
    for user, audience in ((data.admin, "internal"), (data.editor, "internal"), (data.admin, "external")):
        client.force_login(user)
        for format in ("csv", "json", "xlsx"):
            rows = export_queries(client, f"export={format}&audience={audience}")[1][1:]
            assert rows
            assert not any("Restricted detail" in str(cell) for row in rows for cell in row), (user, audience, format)


def test_exports_need_a_login(client, db):
    response = client.get(f"{LIST}?export=csv")
    assert response.status_code == 302
    assert not models.ExportLog.objects.exists()


def test_the_source_column_says_who_says_so_of_the_status_shown(client, data):
    """A later view of another source does not lend its name (or its note) to the headline's status."""
    user = UserFactory(role="Administrator")
    commitment = data.commitments[1]
    status_update_record(
        commitment=commitment,
        status="stalled",
        effective_on=datetime.date(2025, 2, 1),
        assessor=data.cso,
        recorded_by=user,
        note="The civil-society group's own words",
    )
    commitment.refresh_from_db()
    headline = commitment.assessments.get(assessor=data.tracker).update
    assert commitment.status == headline.status != "stalled"
    client.force_login(user)
    row = dict(zip(HEADER, export_csv(client, f"q={commitment.reference}&instrument={commitment.instrument.code}")[1]))
    assert row["Source (who says so)"] == "Tracker organisation"
    assert row["Status"] == str(models.Status(headline.status).label)
    assert row["Latest note"] == headline.note != "The civil-society group's own words"


def test_every_format_names_the_commitment_links_to_it_and_gives_each_sources_view(client, data, settings):
    """The headline's source and note with its status; contested and every view beside it, as on the page."""
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    user = UserFactory(role="Administrator")
    commitment = models.Commitment.objects.create(
        instrument=data.commitments[0].instrument,
        reference="EXPORT-VIEWS",
        title="A synthetic commitment with two views",
        jurisdiction=data.commitments[0].jurisdiction,
    )
    status_update_record(
        commitment=commitment,
        status="implemented",
        effective_on=datetime.date(2020, 1, 1),
        effective_precision="year",
        assessor=data.tracker,
        recorded_by=user,
        note="The tracker's own words",
        sensitivity="public",
    )
    status_update_record(
        commitment=commitment,
        status="stalled",
        effective_on=datetime.date(2023, 1, 1),
        effective_precision="year",
        assessor=data.cso,
        recorded_by=user,
        note="The civil-society group's own words",
    )
    client.force_login(user)
    query = f"q={commitment.reference}"
    link = f"https://tracker.example.org{commitment.get_absolute_url()}"
    row = dict(zip(HEADER, export_csv(client, query)[1]))
    assert row["Title"] == "A synthetic commitment with two views"
    assert row["Link"] == link
    assert (row["Status"], row["Status date"]) == ("Implemented", "2020")
    assert (row["Source (who says so)"], row["Latest note"]) == ("Tracker organisation", "The tracker's own words")
    assert row["Contested"] == "yes"
    assert (
        row["Each source's view"] == "A civil-society group: Stalled (2023); Tracker organisation: Implemented (2020)"
    )

    obj = json.loads(body(client.get(f"{LIST}?{query}&export=json")))[0]
    assert (obj["title"], obj["link"], obj["contested"]) == ("A synthetic commitment with two views", link, True)
    assert obj["views"] == [
        {"source": "A civil-society group", "status": "Stalled", "date": "2023"},
        {"source": "Tracker organisation", "status": "Implemented", "date": "2020"},
    ]

    # An outside audience sees the public view alone: not contested, one view.
    row = dict(zip(HEADER, export_csv(client, f"{query}&audience=external")[1]))
    assert row["Contested"] == "no"
    assert row["Each source's view"] == "Tracker organisation: Implemented (2020)"
    assert row["Latest note"] == "The tracker's own words"


def test_the_excel_export_has_real_dates_widths_a_frozen_header_and_a_filter(client, data):
    user = UserFactory(role="Administrator")
    commitment = models.Commitment.objects.create(
        instrument=data.commitments[0].instrument,
        reference="EXPORT-DATES",
        title="A synthetic commitment known to the year",
        jurisdiction=data.commitments[0].jurisdiction,
        due_on=datetime.date(2030, 6, 30),
    )
    status_update_record(
        commitment=commitment,
        status="implemented",
        effective_on=datetime.date(2021, 1, 1),
        effective_precision="year",
        assessor=data.tracker,
        recorded_by=user,
    )
    client.force_login(user)
    response = client.get(f"{LIST}?q={commitment.reference}&export=xlsx")
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert [cell.value for cell in sheet[1]] == HEADER
    status_date = sheet.cell(row=2, column=HEADER.index("Status date") + 1)
    assert status_date.is_date and status_date.value.date() == datetime.date(2021, 1, 1)
    assert status_date.number_format == "yyyy"
    due = sheet.cell(row=2, column=HEADER.index("Due date") + 1)
    assert due.is_date and due.value.date() == datetime.date(2030, 6, 30)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{sheet.max_row}"
    assert sheet.column_dimensions["B"].width >= 40  # the title


def test_an_urdu_export_has_urdu_headings_its_sheet_reads_right_to_left_and_its_csv_keeps_the_bom(client, data):
    client.force_login(data.admin)
    client.cookies["django_language"] = "ur"
    book = load_workbook(io.BytesIO(body(client.get(f"{LIST}?export=xlsx"))))
    sheet = book.worksheets[0]
    assert sheet.title == "وعدے" and sheet.sheet_view.rightToLeft
    headings = [c.value for c in sheet[1]]
    assert headings[0] == "حوالہ" and "دستاویز" in headings and "دائرہ اختیار" in headings
    csv_bytes = body(client.get(f"{LIST}?export=csv"))
    assert csv_bytes.startswith("\ufeff".encode()) and "حوالہ".encode() in csv_bytes
