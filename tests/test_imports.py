"""Importing commitments and status history from CSV and XLSX: preview, all or nothing, idempotent."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments import imports
from commitments.models import Commitment, CommitmentLink, StatusUpdate
from commitments.services.history import status_update_record
from tests import sample_files
from tests.entry_world import make_world
from tests.factories import OrganisationFactory, ThemeFactory

pytestmark = pytest.mark.django_db

HEADER = "instrument,reference,title,description,jurisdiction,responsible_body,themes,due_on,contributes_to"
VALID_CSV = (
    "\n".join(
        [
            HEADER,
            "ICCPR,KP-2,Labour inspections,Inspect brick kilns,kp,labour-kp,Child labour;Labour,31/12/2025,ICCPR:NAT-1",
            "ICCPR,NAT-1,National labour policy,,federal,,Labour,2025-06-30,",
            "ICCPR,KP-1,Child labour survey,,kp,,,,ICCPR:NAT-1",
        ]
    )
    + "\n"
)


@pytest.fixture
def world():
    world = make_world()
    world.kp_commitment.responsible_body = None
    world.kp_commitment.save()
    OrganisationFactory(slug="labour-kp", name="Labour Department KP")
    ThemeFactory(slug="child-labour", name="Child labour")
    ThemeFactory(slug="labour", name="Labour")
    return world


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["administrator"])
    return client


def snapshot():
    return (
        sorted(
            Commitment.objects.values_list("instrument__code", "reference", "title", "jurisdiction__code", "due_on")
        ),
        sorted(CommitmentLink.objects.values_list("source__reference", "target__reference")),
        Commitment.history.count(),
        StatusUpdate.objects.count(),
    )


def preview(client, data, kind="commitments", name="file.csv"):
    return client.post(reverse("commitments:import"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_a_valid_file_creates_exactly_what_the_preview_promised(admin_client, world):
    before = snapshot()
    response = preview(admin_client, VALID_CSV.encode())
    assert response.status_code == 200
    result = response.context["result"]
    assert [(r.number, r.label, r.action) for r in result.rows] == [
        (2, "ICCPR:KP-2", "create"),
        (3, "ICCPR:NAT-1", "create"),
        (4, "ICCPR:KP-1", "update"),
    ]
    assert snapshot() == before  # the preview saved nothing
    assert "will be created" in response.content.decode()
    token = response.context["confirm"]["token"].value()
    response = admin_client.post(reverse("commitments:import_confirm"), {"kind": "commitments", "token": token})
    assert response.status_code == 200 and response.context["result"].saved
    promised = [(r.number, r.label, r.action, r.changes) for r in result.rows]
    assert [(r.number, r.label, r.action, r.changes) for r in response.context["result"].rows] == promised
    kp2 = Commitment.objects.get(reference="KP-2")
    assert kp2.due_on == datetime.date(2025, 12, 31) and kp2.responsible_body.slug == "labour-kp"
    assert sorted(kp2.themes.values_list("slug", flat=True)) == ["child-labour", "labour"]
    assert sorted(CommitmentLink.objects.values_list("source__reference", "target__reference")) == [
        ("KP-1", "NAT-1"),
        ("KP-2", "NAT-1"),
    ]
    assert Commitment.objects.count() == len(before[0]) + 2
    assert kp2.history.first().history_user == world.users["administrator"]


def test_a_file_with_one_bad_row_saves_nothing_and_names_the_row_and_column(admin_client, world):
    bad = VALID_CSV + "ICCPR,KP-3,Third,,nowhere,,,,\n"
    before = snapshot()
    response = preview(admin_client, bad.encode())
    assert response.status_code == 400
    assert response.context["result"].errors == [(5, "jurisdiction", "No jurisdiction with code “nowhere”.")]
    assert "confirm" not in response.context
    assert snapshot() == before
    result = imports.run_import(kind="commitments", data=bad.encode(), user=world.users["administrator"], dry_run=False)
    assert not result.saved and snapshot() == before


def test_importing_the_same_file_twice_changes_nothing(world):
    admin = world.users["administrator"]
    assert imports.run_import(kind="commitments", data=VALID_CSV.encode(), user=admin, dry_run=False).saved
    after_first = snapshot()
    second = imports.run_import(kind="commitments", data=VALID_CSV.encode(), user=admin, dry_run=False)
    assert [r.action for r in second.rows] == ["unchanged"] * 3
    assert snapshot() == after_first


def test_a_changed_row_shows_what_changes(world):
    admin = world.users["administrator"]
    imports.run_import(kind="commitments", data=VALID_CSV.encode(), user=admin, dry_run=False)
    changed = VALID_CSV.replace("Labour inspections", "Labour inspections in all districts")
    result = imports.run_import(kind="commitments", data=changed.encode(), user=admin, dry_run=True)
    assert result.rows[0].action == "update"
    assert result.rows[0].changes == ["title: “Labour inspections” → “Labour inspections in all districts”"]


def delimited(text, delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(csv.reader(io.StringIO(text)))
    return out.getvalue()


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: delimited(text, "\t").encode("utf-16"),  # Excel's "Unicode text"
        lambda text: delimited(text, ";").encode("utf-8-sig"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 tab-separated", "semicolons"],
)
def test_real_spreadsheet_encodings_are_read(world, encode):
    text = VALID_CSV.replace("Inspect brick kilns", "اینٹوں کے بھٹوں کا معائنہ")
    result = imports.run_import(kind="commitments", data=encode(text), user=world.users["administrator"], dry_run=False)
    assert result.is_valid, result.errors + result.file_errors
    assert Commitment.objects.get(reference="KP-2").description == "اینٹوں کے بھٹوں کا معائنہ"


def test_a_latin1_csv_is_refused_with_how_to_fix_it(world):
    data = VALID_CSV.replace("Inspect brick kilns", "Inspección").encode("latin-1")
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"])
    assert "CSV UTF-8" in result.file_errors[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("31/12/2025", datetime.date(2025, 12, 31)),
        ("13.01.2025", datetime.date(2025, 1, 13)),
        ("2025-01-03", datetime.date(2025, 1, 3)),
        ("5/5/2025", datetime.date(2025, 5, 5)),
        ("3 April 2025", datetime.date(2025, 4, 3)),
        (datetime.datetime(2025, 4, 3, 0, 0), datetime.date(2025, 4, 3)),
    ],
)
def test_dates_are_read_day_first(value, expected):
    assert imports.parse_day_first(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("03/04/2025", "could be 03 Apr 2025 or 04 Mar 2025"),
        ("12/31/2025", "not a real date"),
        ("1/2/25", "four digits"),
        ("next week", "not a date"),
    ],
)
def test_ambiguous_or_wrong_dates_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        imports.parse_day_first(value)


def test_an_ambiguous_date_in_a_file_is_an_error_on_its_row(world):
    data = VALID_CSV.replace("31/12/2025", "03/04/2025").encode()
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"])
    assert [(n, c) for n, c, _m in result.errors] == [(2, "due_on")]


def xlsx(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_file_with_date_cells_is_imported(world):
    data = xlsx(
        [HEADER.split(","), ["ICCPR", "KP-9", "Excel row", "", "kp", "", "", datetime.datetime(2026, 3, 4), ""]]
    )
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"], dry_run=False)
    assert result.saved
    assert Commitment.objects.get(reference="KP-9").due_on == datetime.date(2026, 3, 4)


def test_a_zip_bomb_posing_as_excel_is_refused_before_it_is_opened(world):
    result = imports.run_import(
        kind="commitments", data=sample_files.zip_bomb_bytes(), user=world.users["administrator"]
    )
    assert "zip bomb" in result.file_errors[0]


def test_unknown_and_missing_columns_are_reported(world):
    result = imports.run_import(
        kind="commitments", data=b"instrument,titel\nICCPR,x\n", user=world.users["administrator"]
    )
    assert any("Unknown column “titel”" in e for e in result.file_errors)
    assert any("Missing columns: jurisdiction, reference, title" in e for e in result.file_errors)


def test_a_link_that_would_make_a_cycle_is_an_error(world):
    data = (
        HEADER
        + "\nICCPR,KP-1,Child labour survey,,kp,,,,ICCPR:PB-1\nICCPR,PB-1,Domestic workers act,,punjab,,,,ICCPR:KP-1\n"
    ).encode()
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert [(n, c) for n, c, _m in result.errors] == [(3, "contributes_to")]
    assert not CommitmentLink.objects.exists()


STATUS_CSV = (
    "instrument,reference,status,effective_on,assessor,note\n"
    "ICCPR,KP-1,Implemented,15/07/2024,dri,Survey published\n"
    "ICCPR,PB-1,in_progress,2024-02-01,Democracy Reporting International,\n"
)


def test_status_history_is_imported_once(world):
    admin = world.users["administrator"]
    result = imports.run_import(kind="status", data=STATUS_CSV.encode(), user=admin, dry_run=False)
    assert result.saved and [r.action for r in result.rows] == ["create", "create"]
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == "implemented"
    count = StatusUpdate.objects.count()
    again = imports.run_import(kind="status", data=STATUS_CSV.encode(), user=admin, dry_run=False)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"] and StatusUpdate.objects.count() == count


def test_a_status_row_known_to_the_year_or_the_month_keeps_its_precision(world):
    data = (
        "instrument,reference,status,effective_on,assessor,note\n"
        "ICCPR,KP-1,Stalled,2019,dri,Synthetic year-only row\n"
        "ICCPR,PB-1,Stalled,2019-06,dri,Synthetic month-only row\n"
    )
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=False)
    assert result.saved, result.errors
    stored = {
        u.note: (u.effective_on, u.effective_precision, u.takes_effect_on)
        for u in StatusUpdate.objects.filter(note__startswith="Synthetic")
    }
    assert stored == {
        "Synthetic year-only row": (datetime.date(2019, 1, 1), "year", datetime.date(2019, 12, 31)),
        "Synthetic month-only row": (datetime.date(2019, 6, 1), "month", datetime.date(2019, 6, 30)),
    }
    again = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=False)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"]


def test_a_status_row_with_a_month_that_is_not_one_saves_nothing(world):
    data = "instrument,reference,status,effective_on,assessor,note\nICCPR,KP-1,Stalled,2019-13,dri,\n"
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert [(n, c) for n, c, _m in result.errors] == [(2, "effective_on")]


def test_a_status_row_dated_in_the_future_saves_nothing(world):
    future = (datetime.date.today() + datetime.timedelta(days=40)).strftime("%d/%m/%Y")
    data = STATUS_CSV + f"ICCPR,KP-1,Stalled,{future},dri,\n"
    count = StatusUpdate.objects.count()
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert [(n, c) for n, c, _m in result.errors] == [(4, "effective_on")]
    assert StatusUpdate.objects.count() == count


def test_an_import_gives_a_commitment_its_urdu_title_and_an_empty_cell_keeps_the_english_one(world):
    data = (
        "instrument,reference,title,jurisdiction,title_ur,description_ur\n"
        "ICCPR,KP-9,Synthetic survey,kp,آزمائشی سروے,آزمائشی تفصیل\n"
        "ICCPR,KP-10,Synthetic census,kp,,\n"
    )
    result = imports.run_import(
        kind="commitments", data=data.encode(), user=world.users["administrator"], dry_run=False
    )
    assert result.saved, result.errors
    assert Commitment.objects.get(reference="KP-9").title_ur == "آزمائشی سروے"
    assert Commitment.objects.get(reference="KP-9").description_ur == "آزمائشی تفصیل"
    assert Commitment.objects.get(reference="KP-10").title_ur == ""
    too_long = f"instrument,reference,title,jurisdiction,title_ur\nICCPR,KP-11,Synthetic,kp,{'ا' * 301}\n"
    refused = imports.run_import(kind="commitments", data=too_long.encode(), user=world.users["administrator"])
    assert [(n, c) for n, c, _m in refused.errors] == [(2, "title_ur")]


def test_the_template_downloads_with_the_columns(admin_client):
    response = admin_client.get(reverse("commitments:import_template", args=["xlsx"]) + "?kind=commitments")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER.split(",") + ["title_ur", "description_ur"]
    assert workbook.worksheets[1].max_row > len(HEADER.split(","))
    csv_response = admin_client.get(reverse("commitments:import_template", args=["csv"]) + "?kind=status")
    assert (
        csv_response.content.decode("utf-8-sig").strip()
        == "instrument,reference,status,effective_on,assessor,note,document"
    )


def test_a_null_character_in_a_cell_is_refused_with_its_row_named(world):
    data = b"instrument,reference,title,jurisdiction\nICCPR,N-1,Fine,punjab\nICCPR,N-2,Bad\x00title,punjab\n"
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert "Row 3 holds a null character" in result.file_errors[0]


@pytest.mark.parametrize("due", ["9999-12-31", "31/12/9999", "1899-12-31"])
def test_a_due_date_outside_the_dates_the_tracker_accepts_is_an_error_on_its_row(world, due):
    data = f"instrument,reference,title,jurisdiction,due_on\nICCPR,D-1,Far away,kp,{due}\n".encode()
    result = imports.run_import(kind="commitments", data=data, user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert [(n, c) for n, c, _m in result.errors] == [(2, "due_on")]
    assert "outside the dates the tracker accepts (1900 to 2200)" in result.errors[0][2]
    assert not Commitment.objects.filter(reference="D-1").exists()


def test_a_note_longer_than_the_form_accepts_is_an_error_on_its_row(world):
    from commitments.forms import NOTE_MAX_CHARS

    data = f"instrument,reference,status,effective_on,assessor,note\nICCPR,KP-1,Stalled,2024-01-01,dri,{'n' * (NOTE_MAX_CHARS + 1)}\n"
    count = StatusUpdate.objects.count()
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=False)
    assert not result.saved
    assert [(n, c) for n, c, _m in result.errors] == [(2, "note")]
    assert f"at most {NOTE_MAX_CHARS} are accepted" in result.errors[0][2]
    assert StatusUpdate.objects.count() == count


def test_the_status_preview_does_not_say_unchanged_for_a_restricted_update_the_importer_cannot_read(world):
    restricted = status_update_record(
        commitment=world.kp_commitment,
        status="stalled",
        effective_on=datetime.date(2024, 3, 5),
        assessor=world.dri,
        recorded_by=world.users["editor_kp"],
        note="Witness named here",
        sensitivity="restricted",
        restricted_to=[world.users["editor_kp"]],
    )
    data = (
        f"instrument,reference,status,effective_on,assessor,note\nICCPR,KP-1,Stalled,2024-03-05,dri,{restricted.note}\n"
    )
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"], dry_run=True)
    assert [r.action for r in result.rows] == ["create"]
    # The person named on it sees it as already there.
    named = imports.run_import(kind="status", data=data.encode(), user=world.users["editor_kp"], dry_run=True)
    assert [r.action for r in named.rows] == ["unchanged"]


def test_a_status_row_in_another_organisations_name_needs_its_document(world):
    OrganisationFactory(slug="ministry-test", name="Ministry (test)")
    admin = world.users["administrator"]  # works for DRI, not for the ministry
    header = "instrument,reference,status,effective_on,assessor,note,document\n"
    refused = imports.run_import(
        kind="status", data=(header + "ICCPR,KP-1,Implemented,2024,ministry-test,Claimed,\n").encode(), user=admin
    )
    assert [(n, c) for n, c, _m in refused.errors] == [(2, "document")]
    result = imports.run_import(
        kind="status",
        data=(
            header + "ICCPR,KP-1,Implemented,2024-07,ministry-test,Claimed,https://example.org/state-report\n"
        ).encode(),
        user=admin,
        dry_run=False,
    )
    assert result.saved
    update = StatusUpdate.objects.get(note="Claimed")
    assert (update.effective_on, update.effective_precision) == (datetime.date(2024, 7, 1), "month")
    assert update.evidence.get().url == "https://example.org/state-report"


def test_a_status_row_without_a_status_is_refused(world):
    data = "instrument,reference,status,effective_on,assessor,note\nICCPR,KP-1,,2024-07-01,dri,Only a note\n"
    result = imports.run_import(kind="status", data=data.encode(), user=world.users["administrator"])
    assert [(n, c) for n, c, _m in result.errors] == [(2, "status")]
