"""Reading through the API: the list's filters, cursor pages, records with each source's view and
evidence, the history in history order, deadlines, ETags, logged downloads, and a query count that
does not grow with the number of rows."""

import base64
import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import access
from commitments.models import DownloadLog, StatusUpdate
from commitments.services.history import EvidenceItem, status_update_record
from tests.factories import (
    CommitmentFactory,
    CommitmentLinkFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    ReviewFactory,
    ThemeFactory,
    UserFactory,
    api_token,
    pdf_bytes,
)
from tests.reliability_scene import build

pytestmark = pytest.mark.django_db


def record(commitment, status, day, assessor, user, **extra):
    return status_update_record(
        commitment=commitment,
        status=status,
        effective_on=day,
        assessor=assessor,
        recorded_by=user,
        note=f"{status} on {day}",
        **extra,
    )


@pytest.fixture
def office():
    """KP and Punjab; a viewer of KP with a read token; commitments with different histories."""
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    dri = OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")
    ministry = OrganisationFactory(slug="mohr", name="Ministry of Human Rights")
    instrument = InstrumentFactory(code="ICCPR")
    editor = UserFactory(username="editor", role=access.EDITOR)
    ProfileFactory(user=editor, write=[kp, punjab])
    viewer = UserFactory(username="kp_viewer", role=access.VIEWER)
    ProfileFactory(user=viewer, read=[kp])
    child_labour = ThemeFactory(slug="child-labour", name="Child labour")
    survey = CommitmentFactory(
        instrument=instrument,
        jurisdiction=kp,
        reference="KP-1",
        title="Child labour survey",
        due_on=datetime.date(2020, 6, 30),
        themes=[child_labour],
    )
    act = CommitmentFactory(instrument=instrument, jurisdiction=kp, reference="KP-2", title="Home-based workers act")
    punjab_one = CommitmentFactory(instrument=instrument, jurisdiction=punjab, reference="PB-1", title="Punjab act")
    record(survey, "in_progress", datetime.date(2023, 3, 1), dri, editor)
    record(survey, "implemented", datetime.date(2024, 3, 1), ministry, editor)  # contested
    record(act, "not_started", datetime.date(2023, 1, 1), dri, editor)
    record(punjab_one, "stalled", datetime.date(2024, 1, 1), dri, editor)
    _token, secret = api_token(viewer, access_level="read")
    return {
        "kp": kp,
        "dri": dri,
        "ministry": ministry,
        "instrument": instrument,
        "survey": survey,
        "act": act,
        "punjab_one": punjab_one,
        "editor": editor,
        "viewer": viewer,
        "auth": {"HTTP_AUTHORIZATION": f"Bearer {secret}"},
    }


def references(response):
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_the_list_holds_only_what_the_person_may_read(client, office):
    assert references(client.get(reverse("api:commitment_list"), **office["auth"])) == ["KP-1", "KP-2"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"jurisdiction": "kp"}, ["KP-1", "KP-2"]),
        ({"status": "not_started"}, ["KP-2"]),
        ({"contested": "yes"}, ["KP-1"]),
        ({"overdue": "yes"}, ["KP-1"]),
        ({"stale": "no"}, []),
        ({"q": "home-based"}, ["KP-2"]),
        ({"theme": "child-labour"}, ["KP-1"]),
        ({"source": "mohr", "source_status": "implemented"}, ["KP-1"]),
        ({"as_of": "2023-06-01", "status": "in_progress"}, ["KP-1"]),
    ],
)
def test_the_lists_filters_work_as_on_the_page(client, office, query, expected):
    assert references(client.get(reverse("api:commitment_list"), query, **office["auth"])) == expected


def test_status_as_of_a_date_is_shown_beside_the_headline(client, office):
    rows = client.get(reverse("api:commitment_list"), {"as_of": "2022-06-01"}, **office["auth"]).json()["results"]
    survey = next(row for row in rows if row["reference"] == "KP-1")
    # The headline is the tracker's own organisation's latest view (DRI's), not the latest of anyone's.
    assert survey["status"] == "in_progress" and survey["status_as_of"] == "no_information"
    plain = client.get(reverse("api:commitment_list"), **office["auth"]).json()["results"][0]
    assert "status_as_of" not in plain


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"status": "finished"}, "status"),
        ({"as_of": "2024-02-30"}, "as_of"),
        ({"jurisdiction": "atlantis"}, "jurisdiction"),
    ],
)
def test_a_filter_value_not_understood_answers_400_naming_the_parameter(client, office, query, parameter):
    response = client.get(reverse("api:commitment_list"), query, **office["auth"])
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/api/problems/validation-error/")
    assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_following_next_visits_every_row_once_in_id_order(client, office):
    extra = [CommitmentFactory(instrument=office["instrument"], jurisdiction=office["kp"]) for _ in range(5)]
    seen, url = [], reverse("api:commitment_list") + "?page_size=3"
    while url:
        body = client.get(url, **office["auth"]).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    expected = sorted([office["survey"].pk, office["act"].pk] + [c.pk for c in extra])
    assert seen == expected


@pytest.mark.parametrize(
    "cursor",
    ["not-base64!", base64.b64encode(b"p=abc").decode(), base64.b64encode(b"p=" + b"9" * 30).decode(), "\u00e9"],
)
def test_a_crafted_cursor_answers_404_never_an_error(client, office, cursor):
    response = client.get(reverse("api:commitment_list"), {"cursor": cursor}, **office["auth"])
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_the_page_size_is_capped(client, office):
    response = client.get(reverse("api:commitment_list"), {"page_size": 10_000}, **office["auth"])
    assert response.status_code == 200


def test_a_commitment_shows_each_sources_view_its_links_and_its_own_evidence(client, office):
    survey, act = office["survey"], office["act"]
    CommitmentLinkFactory(source=survey, target=act)
    CommitmentLinkFactory(source=survey, target=office["punjab_one"])  # not readable by this viewer
    response = client.get(reverse("api:commitment_detail", args=[survey.pk]), **office["auth"])
    body = response.json()
    assert body["status"] == "in_progress" and body["contested"] is True and body["overdue"] is True
    assert {(view["assessor"], view["status"]) for view in body["views"]} == {
        ("dri", "in_progress"),
        ("mohr", "implemented"),
    }
    assert body["contributes_to"] == [act.pk]
    assert body["themes"] == ["child-labour"]
    assert body["updates"].endswith(reverse("api:commitment_updates", args=[survey.pk]))


def test_another_provinces_commitment_answers_404(client, office):
    for name in ("api:commitment_detail", "api:commitment_updates", "api:commitment_views", "api:commitment_evidence"):
        response = client.get(reverse(name, args=[office["punjab_one"].pk]), **office["auth"])
        assert response.status_code == 404, name
        assert b"Punjab act" not in response.content


def test_the_history_is_latest_first_in_history_order(client, office):
    survey = office["survey"]
    record(survey, "partially_implemented", datetime.date(2023, 3, 1), office["dri"], office["editor"])
    body = client.get(reverse("api:commitment_updates", args=[survey.pk]), **office["auth"]).json()
    expected = list(
        StatusUpdate.objects.filter(commitment=survey)
        .order_by("-effective_on", "-recorded_at", "-id")
        .values_list("pk", flat=True)
    )
    assert [row["id"] for row in body["results"]] == expected
    # Page by page, the same order.
    seen, url = [], reverse("api:commitment_updates", args=[survey.pk]) + "?page_size=1"
    while url:
        page = client.get(url, **office["auth"]).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == expected


def test_the_etag_changes_when_the_record_changes_and_an_unchanged_one_answers_304(client, office):
    url = reverse("api:commitment_detail", args=[office["act"].pk])
    first = client.get(url, **office["auth"])
    etag = first["ETag"]
    assert etag and first.status_code == 200
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **office["auth"])
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    record(office["act"], "in_progress", datetime.date(2024, 5, 1), office["dri"], office["editor"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **office["auth"])
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["status"] == "in_progress"


def test_an_evidence_file_is_downloaded_through_the_logged_check(client, office):
    update = record(
        office["act"],
        "in_progress",
        datetime.date(2024, 5, 1),
        office["dri"],
        office["editor"],
        evidence=[
            EvidenceItem(
                title="Notification",
                file=ContentFile(pdf_bytes("notification"), name="n.pdf"),
                original_filename="notification.pdf",
                content_type="application/pdf",
            )
        ],
    )
    evidence = update.evidence.get()
    meta = client.get(reverse("api:evidence_detail", args=[evidence.pk]), **office["auth"]).json()
    assert meta["file"]["name"] == "notification.pdf" and meta["file"]["content_type"] == "application/pdf"
    download = client.get(meta["file"]["download"], **office["auth"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes("notification")
    assert DownloadLog.objects.filter(evidence=evidence, user=office["viewer"]).count() == 1


def test_deadlines_merge_reports_and_commitments_by_date_page_by_page(client, office):
    office["instrument"].next_report_due_on = datetime.date(2020, 6, 30)  # the same day as KP-1
    office["instrument"].next_report_due_source = "https://example.org/cycle"
    office["instrument"].save()
    office["act"].due_on = datetime.date(2031, 1, 1)
    office["act"].save()
    seen, url = [], reverse("api:deadline_list") + "?page_size=1"
    while url:
        body = client.get(url, **office["auth"]).json()
        seen += [(row["kind"], row["due_on"]) for row in body["results"]]
        url = body["next"]
    assert seen == [("report", "2020-06-30"), ("commitment", "2020-06-30"), ("commitment", "2031-01-01")]
    reports = client.get(reverse("api:deadline_list"), {"what": "reports"}, **office["auth"]).json()["results"]
    assert [row["kind"] for row in reports] == ["report"]
    assert reports[0]["resource"].endswith(reverse("api:instrument_detail", args=["ICCPR"]))
    assert client.get(reverse("api:deadline_list"), {"when": "someday"}, **office["auth"]).status_code == 400
    assert client.get(reverse("api:deadline_list"), {"cursor": "bad"}, **office["auth"]).status_code == 404


def test_jurisdictions_say_what_the_person_may_read_and_write(client, office):
    rows = client.get(reverse("api:jurisdiction_list"), **office["auth"]).json()["results"]
    assert {row["code"]: (row["may_read"], row["may_write"]) for row in rows} == {
        "kp": (True, False),
        "punjab": (False, False),
        "federal": (False, False),
    }


def test_a_review_lists_only_the_recommendations_the_person_may_read(client, office):
    review = ReviewFactory(instrument=office["instrument"])
    office["act"].review = review
    office["act"].save()
    office["punjab_one"].review = review
    office["punjab_one"].save()
    url = reverse("api:review_recommendations", args=[review.pk])
    assert references(client.get(url, **office["auth"])) == ["KP-2"]
    detail = client.get(reverse("api:review_detail", args=[review.pk]), **office["auth"]).json()
    assert detail["recommendations"].endswith(url)


def test_an_instrument_names_its_reviews_and_links_to_its_commitments(client, office):
    ReviewFactory(instrument=office["instrument"], title="Second periodic report")
    body = client.get(reverse("api:instrument_detail", args=["ICCPR"]), **office["auth"]).json()
    assert [review["title"] for review in body["reviews"]] == ["Second periodic report"]
    assert references(client.get(body["commitments"], **office["auth"])) == ["KP-1", "KP-2"]
    assert client.get(reverse("api:instrument_detail", args=["NOPE"]), **office["auth"]).status_code == 404


# --- The query count does not grow with the rows ----------------------------------------


def grow(office, n):
    """n more of everything a list shows, readable by the KP viewer."""
    for _ in range(n):
        commitment = CommitmentFactory(
            instrument=office["instrument"], jurisdiction=office["kp"], due_on=timezone.localdate()
        )
        commitment.themes.add(ThemeFactory())
        record(
            commitment,
            "in_progress",
            datetime.date(2024, 1, 1),
            office["dri"],
            office["editor"],
            evidence=[EvidenceItem(title="Link", url="https://example.org/e")],
        )
        record(office["survey"], "in_progress", datetime.date(2024, 1, 1), office["dri"], office["editor"])
        InstrumentFactory()
        ReviewFactory(instrument=office["instrument"])
        OrganisationFactory()


# Every list costs, for a token: the token with its owner (1), the use logged (2: the row, and
# "last used"); then, where visible_to() decides, the owner's roles (1); then the list's own reads.
LISTS = {
    # roles, the page of commitments, their themes
    "api:commitment_list": (None, {}, 6),
    "api:commitment_list ": (None, {"as_of": "2024-01-01", "status": "in_progress"}, 6),
    # roles, the commitment, the page of updates, the evidence on them
    "api:commitment_updates": ("survey", {}, 7),
    # roles, the commitment, the page of evidence
    "api:commitment_evidence": ("survey", {}, 6),
    # roles, the commitment, the views
    "api:commitment_views": ("survey", {}, 6),
    # roles, the page of updates, their evidence
    "api:update_list": (None, {}, 6),
    # the page (open to everyone signed in: no roles asked)
    "api:instrument_list": (None, {}, 4),
    "api:review_list": (None, {}, 4),
    "api:organisation_list": (None, {}, 4),
    "api:theme_list": (None, {}, 4),
    # roles, the readable jurisdictions (a viewer writes none: no query), the page
    "api:jurisdiction_list": (None, {}, 6),
    # the review, roles, the page of its recommendations, their themes
    "api:review_recommendations": ("review", {}, 7),
    # roles, the commitment deadlines, the report deadlines
    "api:deadline_list": (None, {}, 6),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_costs_the_same_queries_for_few_rows_and_many(client, office, name, django_assert_num_queries):
    record_name, query, count = LISTS[name]
    office["review"] = ReviewFactory(instrument=office["instrument"])
    office["survey"].review = office["review"]
    office["survey"].save()
    args = [office[record_name].pk] if record_name else []
    url = reverse(name.strip(), args=args)
    client.get(url, query, **office["auth"])  # the first request of a process loads more than the rest
    with django_assert_num_queries(count):
        assert client.get(url, query, **office["auth"]).status_code == 200
    grow(office, 12)
    with django_assert_num_queries(count):
        response = client.get(url, query, **office["auth"])
    assert response.status_code == 200


def test_a_deep_page_costs_the_same_queries_as_the_first(client, office, django_assert_num_queries):
    grow(office, 12)
    url = reverse("api:commitment_list")
    with django_assert_num_queries(6):
        first = client.get(url, {"page_size": 2}, **office["auth"]).json()
    deep = first
    for _ in range(4):
        deep = client.get(deep["next"], **office["auth"]).json()
    with django_assert_num_queries(6):
        assert client.get(deep["next"], **office["auth"]).status_code == 200


def test_restricted_updates_and_evidence_reach_only_the_person_named():
    """A short check here; the sweep of every output is tests/system/test_restricted_sweep.py."""
    scene = build()
    for role, sees in (("viewer", False), ("administrator", False), ("named", True)):
        client = Client()
        _token, secret = api_token(scene.users[role], access_level="read")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        history = client.get(reverse("api:commitment_updates", args=[scene.commitment.pk]), **auth).json()
        ids = {row["id"] for row in history["results"]}
        assert (scene.restricted_update.pk in ids) is sees, role
        detail = client.get(reverse("api:update_detail", args=[scene.restricted_update.pk]), **auth)
        assert detail.status_code == (200 if sees else 404), role
        download = client.get(reverse("api:evidence_file", args=[scene.restricted_evidence.pk]), **auth)
        assert download.status_code == (200 if sees else 404), role
