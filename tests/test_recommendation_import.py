"""Importing recommendations: the UHRI "Export to Excel" layout, the UPR thematic list (CSV),
ILO comments (CSV); preview, all or nothing, idempotent, updates by stable key.

Every file here is synthetic, made by tests/uhri_files.py in UHRI's layout."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from commitments import derived
from commitments.models import (
    AffectedGroup,
    Commitment,
    Instrument,
    Mechanism,
    Recommendation,
    Review,
    SDGTarget,
    Theme,
)
from commitments.recommendation_import import (
    UHRI,
    UHRI_COLUMNS,
    UPR_MATRIX,
    excel_date,
    multi,
    paragraph_of,
    run_recommendation_import,
)
from tests import sample_files
from tests.factories import (
    InstrumentFactory,
    JurisdictionFactory,
    MechanismFactory,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
)
from tests.uhri_files import ilo_csv, matrix_csv, uhri_csv, uhri_row, uhri_rows, uhri_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    from commitments import access

    JurisdictionFactory(code="federal", name="Federal", kind="federal")
    ThemeFactory(slug="womens-rights", name="Women's rights")
    iccpr = InstrumentFactory(code="ICCPR")
    MechanismFactory(slug="hrc", name="Human Rights Committee", instrument=iccpr, uhri_names="CCPR")
    InstrumentFactory(code="C087", kind=Instrument.Kind.ILO_FUNDAMENTAL)
    MechanismFactory(
        slug="ilo-ceacr",
        name="ILO Committee of Experts",
        kind=Mechanism.Kind.ILO_SUPERVISORY,
        instrument=None,
        uhri_names="CEACR\nILO CEACR",
    )
    OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")
    return {"admin": UserFactory(username="admin", role=access.ADMINISTRATOR)}


def state():
    """What an import can change, to compare before and after."""
    return (
        sorted(
            Commitment.objects.values_list(
                "instrument__code", "reference", "title", "description", "recommendation_response", "review__title"
            )
        ),
        sorted(
            Recommendation.objects.values_list(
                "annotation_id", "document_symbol", "paragraph", "kind", "upr_session", "recommending_states"
            )
        ),
        sorted(Commitment.themes.through.objects.values_list("commitment__reference", "theme__name")),
        sorted(Recommendation.sdg_targets.through.objects.values_list("recommendation_id", "sdgtarget__code")),
        Commitment.history.count(),
        Review.objects.count(),
        Theme.objects.count(),
        SDGTarget.objects.count(),
    )


def test_the_cell_conventions_of_uhri_are_read():
    assert multi("- Women & girls\n- Children\r\n- ") == ["Women & girls", "Children"]
    assert excel_date(45000) == datetime.date(2023, 3, 15)
    assert excel_date("46125.4996282407") == datetime.date(2026, 4, 13)
    assert excel_date(datetime.datetime(2024, 11, 7, 9)) == datetime.date(2024, 11, 7)
    assert paragraph_of("147.12 Ratify the convention (Freedonia);") == ("147.12", "Ratify the convention (Freedonia);")
    # A treaty body's text can lead with its heading, then the paragraph number.
    assert paragraph_of("Rural women 49.The Committee recommends")[0] == "49"
    with pytest.raises(ValueError):
        excel_date("next spring")


def test_a_uhri_workbook_previews_then_imports_with_every_field(world):
    rows = [
        uhri_row(
            number=12,
            states=("Freedonia", "Sylvania"),
            themes=("Women's rights", "Equality & non-discrimination"),
            groups=("Women & girls",),
            sdgs=("5.1 - End discrimination against women and girls",),
            published=datetime.date(2023, 3, 1),
            session="42",
        ),
        uhri_row(number=13, position="Noted"),
    ]
    data = uhri_workbook(rows)

    preview = run_recommendation_import(data=data, user=world["admin"], dry_run=True)
    assert preview.is_valid, preview.errors
    assert preview.layout == UHRI
    assert preview.count("create") == 2 and not Commitment.objects.exists()
    # What the tracker did not know is listed: the mechanism, its instrument and review, a theme, a group, an SDG.
    created = {(str(kind), name) for kind, name in preview.created_reference}
    assert ("theme", "Equality & non-discrimination") in created
    assert ("SDG target", "5.1 End discrimination against women and girls") in created
    assert ("group of persons", "Women & girls") in created
    assert any(
        kind == "monitoring mechanism" and name.startswith("Universal Periodic Review") for kind, name in created
    )
    assert ("theme", "Women's rights") not in created  # matched to the existing theme

    result = run_recommendation_import(data=data, user=world["admin"], dry_run=False)
    assert result.saved
    commitment = Commitment.objects.get(recommendation__paragraph="147.12")
    rec = commitment.recommendation
    assert commitment.instrument.code == "UPR"
    assert commitment.reference == "A/HRC/SYN/1 para. 147.12"
    assert commitment.description.startswith("147.12 Synthetic recommendation 12")
    assert commitment.recommendation_response == "supported"
    assert commitment.jurisdiction.code == "federal"
    assert rec.mechanism.kind == Mechanism.Kind.UPR
    assert rec.upr_session == 42 and rec.states_list() == ["Freedonia", "Sylvania"]
    assert rec.published_on == datetime.date(2023, 3, 1)
    assert rec.annotation_id
    assert rec.position_source
    assert sorted(t.name for t in commitment.themes.all()) == ["Equality & non-discrimination", "Women's rights"]
    assert [t.code for t in rec.sdg_targets.all()] == ["5.1"] and rec.sdg_targets.get().goal == 5
    assert [g.name for g in rec.affected_groups.all()] == ["Women & girls"]
    assert commitment.review.document_symbol == "A/HRC/SYN/1" and commitment.review.kind == Review.Kind.UPR
    assert Commitment.objects.get(recommendation__paragraph="147.13").recommendation_response == "noted"
    derived.check_counts()  # the maintained counts took in the bulk insert


def test_importing_the_same_file_again_changes_nothing(world):
    data = uhri_workbook(uhri_rows(30))
    run_recommendation_import(data=data, user=world["admin"], dry_run=False)
    before = state()

    again = run_recommendation_import(data=data, user=world["admin"], dry_run=False)

    assert again.is_valid and again.count("unchanged") == 30 and again.count("create") == 0
    assert state() == before


def test_a_later_export_updates_changed_rows_by_annotation_id_and_adds_new_ones(world):
    rows = uhri_rows(5)
    run_recommendation_import(data=uhri_workbook(rows), user=world["admin"], dry_run=False)
    later = [dict(row) for row in rows]
    later[0]["UPR Position"] = "- Noted" if "Supported" in rows[0]["UPR Position"] else "- Supported"
    later[1]["Themes"] = "- Right to education"
    later.append(uhri_row(number=99))

    result = run_recommendation_import(data=uhri_workbook(later), user=world["admin"], dry_run=False)

    assert (result.count("create"), result.count("update"), result.count("unchanged")) == (1, 2, 3)
    assert Recommendation.objects.count() == 6
    first = Commitment.objects.get(recommendation__annotation_id=rows[0]["OHCHR Annotation Id"])
    assert first.recommendation_response == later[0]["UPR Position"][2:].lower()
    second = Commitment.objects.get(recommendation__annotation_id=rows[1]["OHCHR Annotation Id"])
    assert [t.name for t in second.themes.all()] == ["Right to education"]
    derived.check_counts()


def test_unknown_bodies_are_created_and_known_ones_found_by_their_uhri_name(world):
    rows = [
        uhri_row(number=1, body="CCPR", symbol="CCPR/C/SYN/CO/2", kind="Recommendations", position=""),
        uhri_row(number=2, body="SR on synthetic rights\n- Special Procedures", symbol="A/HRC/SYN/SR/1", position=""),
    ]
    result = run_recommendation_import(data=uhri_workbook(rows), user=world["admin"], dry_run=False)
    assert result.is_valid, result.errors
    ccpr = Recommendation.objects.get(document_symbol="CCPR/C/SYN/CO/2")
    assert ccpr.mechanism.slug == "hrc" and ccpr.commitment.instrument.code == "ICCPR"
    special = Recommendation.objects.get(document_symbol="A/HRC/SYN/SR/1")
    assert special.mechanism.kind == Mechanism.Kind.SPECIAL_PROCEDURE
    assert special.mechanism.name == "SR on synthetic rights"
    assert special.commitment.instrument.kind == Instrument.Kind.UN_MECHANISM


def test_the_same_file_as_csv_imports_the_same(world):
    rows = uhri_rows(3)
    result = run_recommendation_import(data=uhri_csv(rows), user=world["admin"], dry_run=False)
    assert result.is_valid and result.count("create") == 3
    assert run_recommendation_import(data=uhri_workbook(rows), user=world["admin"]).count("unchanged") == 3


def test_one_bad_row_saves_nothing_and_names_the_row_and_column(world):
    rows = uhri_rows(4)
    rows[2]["UPR Position"] = "- Perhaps"
    rows[3]["Document Publication Date"] = "next spring"
    before = state()

    result = run_recommendation_import(data=uhri_workbook(rows), user=world["admin"], dry_run=False)

    assert not result.saved and not result.is_valid
    assert (4, "UPR Position") in [(n, c) for n, c, _m in result.errors]
    assert (5, "Document Publication Date") in [(n, c) for n, c, _m in result.errors]
    assert state() == before


def test_a_missing_uhri_column_is_a_file_error(world):
    columns = [c for c in UHRI_COLUMNS if c != "OHCHR Annotation Id"]
    result = run_recommendation_import(
        data=uhri_workbook(uhri_rows(2), columns=("Reccomending Body", *columns[1:])), user=world["admin"]
    )
    assert result.file_errors and "OHCHR Annotation Id" in result.file_errors[0]


def test_a_workbook_with_macros_or_a_zip_bomb_is_refused(world):
    workbook = uhri_workbook(uhri_rows(1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert "macros" in run_recommendation_import(data=buffer.getvalue(), user=world["admin"]).file_errors[0]
    assert run_recommendation_import(data=sample_files.zip_bomb_bytes(), user=world["admin"]).file_errors


def test_the_upr_thematic_list_adds_the_source_of_each_position(world):
    rows = uhri_rows(2, symbol="A/HRC/SYN/7")
    run_recommendation_import(data=uhri_workbook(rows), user=world["admin"], dry_run=False)
    matrix = matrix_csv(
        [
            (
                "147.1",
                "Synthetic recommendation 1",
                "Freedonia",
                "Supported",
                "A/HRC/SYN/7/Add.1 - Para. 3",
                ["A41 Constitutional and legislative framework"],
                ["Women & girls"],
                ["16.3"],
            ),
        ]
    )

    result = run_recommendation_import(data=matrix, user=world["admin"], dry_run=False)

    assert result.layout == UPR_MATRIX and result.is_valid, (result.file_errors, result.errors)
    assert result.count("update") == 1
    rec = Recommendation.objects.get(document_symbol="A/HRC/SYN/7", paragraph="147.1")
    assert rec.position_source == "A/HRC/SYN/7/Add.1 - Para. 3"
    assert rec.commitment.recommendation_response == "supported"
    assert "Constitutional and legislative framework" in [t.name for t in rec.commitment.themes.all()]
    assert "16.3" in [t.code for t in rec.sdg_targets.all()]
    assert Recommendation.objects.count() == 2  # matched, not added
    # The thematic list names no annotation id; a row it cannot match is an error, not a guess.
    unknown = matrix_csv([("147.9", "Other", "Sylvania", "Noted", "A/HRC/SYN/7/Add.1", [], [], [])])
    assert not run_recommendation_import(data=unknown, user=world["admin"]).is_valid


def test_ilo_comments_import_by_normlex_reference(world):
    data = ilo_csv(
        [
            ("C087", "observation", "2023", "112th ILC session (2024)", "SYN-4000001", "Synthetic observation text."),
            ("87", "Direct request", "2023", "112th ILC session (2024)", "SYN-4000002", "Synthetic request text."),
        ]
    )
    result = run_recommendation_import(data=data, user=world["admin"], dry_run=False)
    assert result.is_valid, (result.file_errors, result.errors)
    observation = Recommendation.objects.get(normlex_ref="SYN-4000001")
    assert observation.kind == Recommendation.Kind.ILO_OBSERVATION
    assert observation.mechanism.slug == "ilo-ceacr"
    assert observation.commitment.instrument.code == "C087"
    assert observation.ilo_year == 2023 and observation.ilo_session == "112th ILC session (2024)"
    assert observation.commitment.reference == "CEACR 2023 observation"
    assert observation.commitment.review.kind == Review.Kind.ILO_COMMENTS
    assert Recommendation.objects.get(normlex_ref="SYN-4000002").kind == Recommendation.Kind.ILO_DIRECT_REQUEST
    assert run_recommendation_import(data=data, user=world["admin"], dry_run=False).count("unchanged") == 2


def test_the_preview_proposes_recorded_recommendations_with_similar_text(world):
    text = "147.1 Adopt a comprehensive synthetic law on shelters for survivors and fund them (Freedonia);"
    run_recommendation_import(
        data=uhri_workbook([uhri_row(number=1, text=text, symbol="A/HRC/SYN/3")]), user=world["admin"], dry_run=False
    )
    similar = "150.4 Adopt a comprehensive synthetic law on shelters for survivors, and fund them (Sylvania);"
    unrelated = "150.5 Publish the synthetic budget of the judiciary every year (Genovia);"
    rows = [
        uhri_row(number=4, text=similar, symbol="A/HRC/SYN/4"),
        uhri_row(number=5, text=unrelated, symbol="A/HRC/SYN/4"),
    ]

    result = run_recommendation_import(data=uhri_workbook(rows), user=world["admin"], dry_run=True)

    overlaps = dict(result.overlaps)
    new_label = "UPR A/HRC/SYN/4 para. 150.4"
    assert [m.label for m, _new in overlaps[new_label]] == ["UPR A/HRC/SYN/3 para. 147.1"]
    assert "UPR A/HRC/SYN/4 para. 150.5" not in overlaps


def test_the_command_previews_with_dry_run_and_then_imports(world, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(uhri_workbook(uhri_rows(3)))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_recommendations", str(path), "--dry-run", stdout=out, stderr=err)
    assert "Would import: 3 created" in out.getvalue() and not Commitment.objects.exists()

    call_command("import_recommendations", str(path), stdout=out, stderr=err)
    assert Recommendation.objects.count() == 3
    call_command("import_recommendations", str(path), stdout=out, stderr=err)
    assert "Imported: 0 created, 0 changed, 3 unchanged." in out.getvalue()


def test_the_command_refuses_a_file_with_errors_and_saves_nothing(world, tmp_path):
    rows = uhri_rows(2)
    rows[1]["Type"] = "- Wishes"
    path = tmp_path / "export.xlsx"
    path.write_bytes(uhri_workbook(rows))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 3 (Type)" in err.getvalue()
    assert not Commitment.objects.exists()


def test_the_web_import_previews_then_saves_and_lists_what_it_creates(client, world):
    client.force_login(world["admin"])
    upload = SimpleUploadedFile("uhri.xlsx", uhri_workbook(uhri_rows(3)))

    response = client.post(reverse("commitments:import"), {"kind": "recommendations", "file": upload})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Universal Human Rights Index export" in page and "Equality &amp; non-discrimination" in page
    assert not Commitment.objects.exists()
    confirm = response.context["confirm"].initial
    response = client.post(reverse("commitments:import_confirm"), {"kind": confirm["kind"], "token": confirm["token"]})
    assert response.status_code == 200 and response.context["done"]
    assert Recommendation.objects.count() == 3
    assert AffectedGroup.objects.exists()


def test_the_web_import_shows_row_errors_and_saves_nothing(client, world):
    client.force_login(world["admin"])
    rows = uhri_rows(2)
    rows[0]["OHCHR Annotation Id"] = ""
    response = client.post(
        reverse("commitments:import"),
        {"kind": "recommendations", "file": SimpleUploadedFile("uhri.xlsx", uhri_workbook(rows))},
    )
    assert response.status_code == 400
    assert "No annotation id" in response.content.decode()
    assert not Commitment.objects.exists()
