"""The report page: pick scope, period, audience and format; see or download; every export logged."""

import csv
import datetime
import hashlib
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import access
from commitments.models import Commitment, ExportLog, ReportRun, Status, StatusUpdate
from tests import report_data
from tests.factories import (
    CommitmentFactory,
    MechanismFactory,
    ProfileFactory,
    StatusUpdateFactory,
    ThemeFactory,
    UserFactory,
)

KP_PERIOD = {
    "kind": "progress",
    "scope": "jurisdiction:kp",
    "date_from": "2020-01-01",
    "date_to": "2025-06-30",
    "group_by": "instrument",
    "audience": "internal",
}


@pytest.fixture
def data(db):
    return report_data.build()


def post(client, **fields):
    return client.post(reverse("commitments:reports"), {**KP_PERIOD, **fields})


def test_the_report_page_needs_a_login(client, db):
    response = client.get(reverse("commitments:reports"))
    assert response.status_code == 302


def test_the_page_shows_the_form_and_the_nav_links_to_it(client, data):
    client.force_login(data["editor"])
    response = client.get(reverse("commitments:reports"))
    assert response.status_code == 200
    assert 'name="scope"' in response.text
    assert 'value="jurisdiction:kp"' in response.text
    assert f'href="{reverse("commitments:reports")}"' in response.text


def test_a_staff_member_gets_the_kp_report_as_a_page_with_changes_evidence_and_sources(client, data):
    client.force_login(data["admin"])
    response = post(client, format="html")
    assert response.status_code == 200
    text = response.text
    assert "Progress report: Khyber Pakhtunkhwa" in text
    assert "Gazette notification" in text and "gazette.pdf" in text
    assert "Concluding observations (example)" in text
    assert "Amina Khan" in text  # internal: who recorded it
    assert "PB-1" not in text  # Punjab is out of scope
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.kind, log.scope["value"], log.rows) == (
        data["admin"],
        "html",
        "report_progress",
        "kp",
        4,
    )


def test_each_download_format_is_served_and_logged(client, data):
    client.force_login(data["admin"])
    response = post(client, format="csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {r["Reference"] for r in rows} == {"KP-1", "KP-2", "PLAN-1", "PLAN-2"}
    response = post(client, format="xlsx")
    assert openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames == ["Summary", "Detail"]
    response = post(client, format="pdf", audience="external")
    assert response.content.startswith(b"%PDF")
    assert 'filename="progress-jurisdiction-kp-2020-01-01-2025-06-30.pdf"' in response["Content-Disposition"]
    assert list(ExportLog.objects.order_by("at").values_list("format", "audience")) == [
        ("csv", "internal"),
        ("xlsx", "internal"),
        ("pdf", "external"),
    ]


def test_an_external_page_has_no_staff_names_or_internal_notes(client, data):
    client.force_login(data["admin"])
    text = post(client, format="html", audience="external").text
    assert "Draft bill tabled" in text
    assert "budget line frozen" not in text
    assert "Amina Khan" not in text


def test_a_viewer_of_punjab_gets_nothing_from_kp(client, data):
    viewer = UserFactory(username="punjabi", role=access.VIEWER)
    ProfileFactory(user=viewer, read=[data["punjab"]])
    client.force_login(viewer)
    response = post(client, format="csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == []


def test_too_large_a_pdf_is_refused_with_a_button_for_the_workbook(client, data, settings):
    settings.TRACKER_PDF_MAX_COMMITMENTS = 2
    client.force_login(data["admin"])
    response = post(client, format="pdf")
    assert response.status_code == 413
    assert "Excel workbook" in response.text
    assert 'name="format" value="xlsx"' in response.text
    assert not ExportLog.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused(client, data):
    client.force_login(data["admin"])
    response = post(client, format="html", date_from="2025-01-01", date_to="2024-01-01")
    assert response.status_code == 400
    assert "ends before it starts" in response.text


def test_a_kept_report_records_the_files_sha256_and_can_be_compared_against(client, data):
    client.force_login(data["admin"])
    response = post(client, format="xlsx", keep="on")
    content = b"".join(response.streaming_content)
    run = ReportRun.objects.get()
    assert run.sha256 == hashlib.sha256(content).hexdigest()
    assert (run.period_from.isoformat(), run.period_to.isoformat(), run.scope["value"]) == (
        "2020-01-01",
        "2025-06-30",
        "kp",
    )
    listing = client.get(reverse("commitments:report_runs"))
    assert f"run={run.pk}" in listing.text
    response = client.post(
        reverse("commitments:reports"),
        {
            "kind": "since_run",
            "run": run.pk,
            "scope": "all",
            "format": "html",
            "group_by": "instrument",
            "audience": "internal",
        },
    )
    assert response.status_code == 200
    assert "Progress report: Khyber Pakhtunkhwa" in response.text


def test_someone_elses_kept_report_is_not_offered(client, data):
    run = ReportRun.objects.create(
        created_by=data["admin"],
        scope={"kind": "all"},
        period_from="2024-01-01",
        period_to="2024-12-31",
        format="pdf",
        sha256="0" * 64,
    )
    client.force_login(data["editor"])
    assert f"run={run.pk}" not in client.get(reverse("commitments:report_runs")).text
    response = client.post(
        reverse("commitments:reports"),
        {
            "kind": "since_run",
            "run": run.pk,
            "scope": "all",
            "format": "html",
            "group_by": "instrument",
            "audience": "internal",
        },
    )
    assert response.status_code == 400


def test_since_the_last_review_from_the_page(client, data):
    client.force_login(data["admin"])
    response = client.post(
        reverse("commitments:reports"),
        {
            "kind": "since_review",
            "scope": "jurisdiction:kp",
            "format": "html",
            "group_by": "instrument",
            "audience": "internal",
        },
    )
    assert response.status_code == 200
    assert "Change since the last review" in response.text
    assert "left out" in response.text  # the provincial plan has no review


def make_rows(jurisdiction, user, dri, count):
    for _ in range(count):
        commitment = CommitmentFactory(jurisdiction=jurisdiction)
        StatusUpdateFactory(commitment=commitment, status=Status.IN_PROGRESS, assessor=dri, recorded_by=user, note="n")


def test_the_report_page_costs_the_same_queries_for_few_or_many_commitments(client, data):
    client.force_login(data["admin"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = post(client, format="html")
        assert response.status_code == 200
        return len(queries)

    few = count()
    make_rows(data["kp"], data["editor"], data["dri"], 15)
    assert count() == few


def test_the_audience_is_an_explicit_choice_without_a_default(client, data):
    client.force_login(data["admin"])
    form = client.get(reverse("commitments:reports")).context["form"]
    assert form["audience"].value() in (None, "")
    assert form.fields["audience"].required
    fields = {key: value for key, value in KP_PERIOD.items() if key != "audience"}
    response = client.post(reverse("commitments:reports"), {**fields, "format": "pdf"})
    assert response.status_code == 400
    assert "Choose who the report is for" in response.text
    assert not ExportLog.objects.exists()


def test_an_external_report_says_on_its_first_page_how_many_entries_it_leaves_out(client, data):
    """Internal entries the reader may see are counted; a restricted entry not naming the reader is not."""
    kp_2 = Commitment.objects.get(reference="KP-2")
    StatusUpdateFactory(
        commitment=kp_2,
        status=Status.STALLED,
        effective_on=datetime.date(2024, 11, 1),
        assessor=data["dri"],
        sensitivity="restricted",
        restricted_to=[data["editor"]],
        note="Restricted detail",
    )
    StatusUpdateFactory(
        commitment=kp_2,
        status=Status.STALLED,
        effective_on=datetime.date(2024, 11, 2),
        assessor=data["dri"],
        sensitivity="restricted",
        restricted_to=[data["admin"]],
        note="Restricted detail",
    )
    internal = StatusUpdate.objects.filter(
        commitment__jurisdiction=data["kp"],
        sensitivity="internal",
        effective_on__range=(datetime.date(2020, 1, 1), datetime.date(2025, 6, 30)),
    ).count()
    assert internal >= 1
    client.force_login(data["admin"])
    response = post(client, format="html", audience="external")
    report = response.context["report"]
    assert (report.left_out_internal, report.left_out_restricted) == (internal, 1)
    head = response.text.split('class="report-summary"')[0]
    assert f"leaves out {internal} internal and 1 restricted entries" in head
    assert "Restricted detail" not in response.text
    # The Excel workbook's first sheet says the same.
    response = post(client, format="xlsx", audience="external")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Summary"]
    lines = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert lines["Entries left out for this audience"][0] == internal + 1
    # An internal report leaves out the restricted entry only.
    response = post(client, format="html", audience="internal")
    assert "leaves out 1 restricted entries" in response.text


def test_a_report_on_screen_is_a_page_with_its_own_address(client, data):
    client.force_login(data["admin"])
    page = client.get(reverse("commitments:reports"))
    assert '<form method="get" action="/reports/"' in page.text
    assert 'formmethod="post" name="keep"' in page.text  # keeping a report writes, so it posts
    response = client.get(reverse("commitments:reports"), {**KP_PERIOD, "format": "html"})
    assert response.status_code == 200
    assert "Progress report: Khyber Pakhtunkhwa" in response.text
    assert ExportLog.objects.get().format == "html"
    assert not ReportRun.objects.exists()


def test_the_forms_token_is_left_out_of_a_reports_address_and_reading_keeps_nothing(client, data):
    client.force_login(data["admin"])
    query = {**KP_PERIOD, "format": "html", "csrfmiddlewaretoken": "x" * 64}
    response = client.get(reverse("commitments:reports"), query)
    assert response.status_code == 302
    assert "csrfmiddlewaretoken" not in response.url and "scope=jurisdiction%3Akp" in response.url
    kept = client.get(reverse("commitments:reports"), {**KP_PERIOD, "format": "html", "keep": "on"})
    assert kept.status_code == 200 and not ReportRun.objects.exists()
    bad = client.get(reverse("commitments:reports"), {**KP_PERIOD, "format": "html", "date_to": "2019-01-01"})
    assert bad.status_code == 400 and 'class="error-summary"' in bad.text


def test_the_report_page_offers_every_scope_the_report_command_accepts(client, data):
    from commitments.scopes import DIMENSIONS

    ThemeFactory(slug="synthetic-theme", name="Synthetic theme")
    MechanismFactory(slug="synthetic-committee", name="Synthetic Committee")
    client.force_login(data["editor"])
    text = client.get(reverse("commitments:reports")).text
    assert 'value="all"' in text
    for dimension in DIMENSIONS:
        assert f'value="{dimension}:' in text, dimension


def test_the_report_form_says_what_an_empty_choice_means(client, data):
    client.force_login(data["editor"])
    text = client.get(reverse("commitments:reports")).text
    assert "---------" not in text
    assert "None (not a scorecard reply)" in text and "…and GSP+ group" in text and "…and theme" in text
