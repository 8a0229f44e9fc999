"""Writing through the API: an update with files and links through the same service as the form,
all or nothing, the same content checks; Idempotency-Key; corrections; verification."""

import datetime
import json
import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments import access
from commitments.models import Evidence, StatusUpdate
from commitments.services.history import status_update_record
from tests import sample_files
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    SourceFactory,
    UserFactory,
    api_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    dri = OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")
    instrument = InstrumentFactory(code="ICCPR")
    commitment = CommitmentFactory(instrument=instrument, jurisdiction=kp, reference="KP-1", title="Survey")
    punjab_commitment = CommitmentFactory(instrument=instrument, jurisdiction=punjab, reference="PB-1")
    people = {}
    for name, role, read, write in [
        ("editor", access.EDITOR, [], [kp]),
        ("other_editor", access.EDITOR, [], [kp]),
        ("viewer", access.VIEWER, [kp], []),
        ("reviewer", access.REVIEWER, [kp], []),
    ]:
        user = UserFactory(username=name, role=role)
        ProfileFactory(user=user, read=read, write=write, organisation=dri)
        people[name] = user
    auth = {}
    for name, user in people.items():
        _token, secret = api_token(user, access_level="write")
        auth[name] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    return {
        "kp": kp,
        "dri": dri,
        "commitment": commitment,
        "punjab_commitment": punjab_commitment,
        "people": people,
        "auth": auth,
    }


def fields(**extra):
    return {"status": "in_progress", "effective_on": "2024-03-01", "assessor": "dri", "note": "Survey started", **extra}


def pdf(name="notice.pdf", text="notice"):
    return SimpleUploadedFile(name, sample_files.pdf_bytes(text), content_type="application/pdf")


def stored_files():
    found = set()
    for folder, _dirs, names in os.walk(django_settings.MEDIA_ROOT):
        found |= {os.path.join(folder, name) for name in names}
    return found


def post_update(client, office, who="editor", data=None, key=None, commitment=None):
    url = reverse("api:commitment_updates", args=[(commitment or office["commitment"]).pk])
    headers = dict(office["auth"][who])
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data if data is not None else fields(), **headers)


def test_an_update_with_a_pdf_and_a_link_is_recorded_and_read_back(client, office):
    data = fields(
        evidence_file=[pdf()],
        evidence_file_title=["Notification of the survey"],
        evidence_link=["https://example.org/gazette"],
    )
    response = post_update(client, office, data=data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(reverse("api:update_detail", args=[body["id"]]))
    assert body["status"] == "in_progress" and body["assessor"] == "dri" and body["recorded_by"] == "editor"
    by_title = {item["title"]: item for item in body["evidence"]}
    assert by_title["Notification of the survey"]["file"]["content_type"] == "application/pdf"
    assert by_title["https://example.org/gazette"]["link"] == "https://example.org/gazette"
    office["commitment"].refresh_from_db()
    assert office["commitment"].status == "in_progress"
    downloaded = client.get(by_title["Notification of the survey"]["file"]["download"], **office["auth"]["viewer"])
    assert b"".join(downloaded.streaming_content) == sample_files.pdf_bytes("notice")


def test_a_json_update_with_links_is_recorded(client, office):
    url = reverse("api:commitment_updates", args=[office["commitment"].pk])
    payload = fields(evidence_link=["https://example.org/a", "https://example.org/b"], evidence_link_title=["A"])
    response = client.post(url, json.dumps(payload), content_type="application/json", **office["auth"]["editor"])
    assert response.status_code == 201, response.content
    assert sorted(item["title"] for item in response.json()["evidence"]) == ["A", "https://example.org/b"]


def test_an_executable_disguised_as_a_pdf_is_refused_and_nothing_is_saved(client, office):
    disguised = SimpleUploadedFile("report.pdf", sample_files.exe_bytes(), content_type="application/pdf")
    before = stored_files()
    response = post_update(client, office, data=fields(evidence_file=[pdf(), disguised]))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["pointer"] for error in errors] == ["#/evidence_file/1"]
    assert "not accepted" in errors[0]["detail"]
    assert not StatusUpdate.objects.exists() and not Evidence.objects.exists()
    assert stored_files() == before


def test_an_update_the_service_refuses_saves_nothing_and_says_why(client, office):
    response = post_update(client, office, data=fields(effective_on="2999-01-01", evidence_file=[pdf()]))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"detail": "The effective date cannot be in the future.", "pointer": "#/effective_on"}
    ]
    assert not StatusUpdate.objects.exists() and not Evidence.objects.exists()
    assert not stored_files()


@pytest.mark.parametrize(
    "data, pointer",
    [
        (fields(status="done"), "#/status"),
        (fields(assessor="nobody"), "#/assessor"),
        (fields(note=""), "#/note"),
        ({k: v for k, v in fields().items() if k != "assessor"}, "#/assessor"),
        (fields(sensitivity="restricted"), "#/restricted_to"),
        (fields(evidence_link=["javascript:alert(1)"]), "#/evidence_link/0"),
        (fields(evidence_file_title=["A title without a file"]), "#/evidence_file_title"),
    ],
)
def test_each_invalid_field_is_named(client, office, data, pointer):
    response = post_update(client, office, data=data)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert pointer in [error["pointer"] for error in response.json()["errors"]]
    assert not StatusUpdate.objects.exists()


def test_the_same_file_twice_in_one_update_is_refused(client, office):
    response = post_update(client, office, data=fields(evidence_file=[pdf("a.pdf"), pdf("b.pdf")]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/evidence_file/1"


def test_a_repeated_request_with_the_same_idempotency_key_returns_the_first_update(client, office):
    first = post_update(client, office, data=fields(evidence_file=[pdf()]), key="ministry-batch-7")
    again = post_update(client, office, data=fields(evidence_file=[pdf()]), key="ministry-batch-7")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert StatusUpdate.objects.count() == 1 and Evidence.objects.count() == 1


def test_an_idempotency_key_reused_for_a_different_update_is_refused(client, office):
    post_update(client, office, key="k-1")
    response = post_update(client, office, data=fields(status="stalled"), key="k-1")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/api/problems/idempotency-key-reused/")
    assert StatusUpdate.objects.count() == 1


def test_two_people_using_the_same_key_record_two_updates(client, office):
    assert post_update(client, office, key="monday").status_code == 201
    assert post_update(client, office, who="other_editor", key="monday").status_code == 201
    assert StatusUpdate.objects.count() == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9"])
def test_an_idempotency_key_that_is_not_printable_ascii_is_refused(client, office, key):
    response = client.post(
        reverse("api:commitment_updates", args=[office["commitment"].pk]),
        fields(),
        HTTP_IDEMPOTENCY_KEY=key.encode("utf-8").decode("latin-1"),
        **office["auth"]["editor"],
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["header"] == "Idempotency-Key"
    assert not StatusUpdate.objects.exists()


def test_a_restricted_update_names_whoever_recorded_it(client, office):
    response = post_update(client, office, data=fields(sensitivity="restricted", restricted_to=["reviewer"]))
    assert response.status_code == 201, response.content
    update = StatusUpdate.objects.get()
    assert set(update.restricted_to.values_list("username", flat=True)) == {"reviewer", "editor"}
    hidden = client.get(reverse("api:update_detail", args=[update.pk]), **office["auth"]["viewer"])
    assert hidden.status_code == 404


def test_who_may_record_viewers_get_403_and_other_provinces_404(client, office):
    assert post_update(client, office, who="viewer").status_code == 403
    assert post_update(client, office, commitment=office["punjab_commitment"]).status_code == 404
    assert not StatusUpdate.objects.exists()


def test_a_correction_keeps_the_date_and_source_and_points_at_what_it_corrects(client, office):
    original = post_update(client, office).json()
    url = reverse("api:update_corrections", args=[original["id"]])
    response = client.post(url, {"status": "not_started", "note": "It had not started"}, **office["auth"]["editor"])
    assert response.status_code == 201, response.content
    correction = response.json()
    assert correction["corrects"] == original["id"]
    assert (correction["effective_on"], correction["assessor"]) == (original["effective_on"], original["assessor"])
    assert client.post(url, {"status": "stalled", "note": "x"}, **office["auth"]["viewer"]).status_code == 403
    assert client.post(url, {"note": "no status"}, **office["auth"]["editor"]).status_code == 400
    assert StatusUpdate.objects.count() == 2


def test_a_reviewer_verifies_someone_elses_update_and_nobody_verifies_their_own(client, office):
    update = status_update_record(
        commitment=office["commitment"],
        status="in_progress",
        effective_on=datetime.date(2024, 3, 1),
        assessor=office["dri"],
        recorded_by=office["people"]["editor"],
        note="n",
    )
    url = reverse("api:update_verify", args=[update.pk])
    assert client.post(url, **office["auth"]["viewer"]).status_code == 403
    response = client.post(url, **office["auth"]["reviewer"])
    assert response.status_code == 200 and response.json()["verified_by"] == "reviewer"
    assert client.post(url, **office["auth"]["reviewer"]).json()["verified"] is True  # again: nothing changes
    own = status_update_record(
        commitment=office["commitment"],
        status="in_progress",
        effective_on=datetime.date(2024, 3, 2),
        assessor=office["dri"],
        recorded_by=office["people"]["reviewer"],
        note="mine",
    )
    refused = client.post(reverse("api:update_verify", args=[own.pk]), **office["auth"]["reviewer"])
    assert refused.status_code == 403 and "own" in refused.json()["detail"]


def test_a_reviewer_verifies_evidence(client, office):
    body = post_update(client, office, data=fields(evidence_link=["https://example.org/x"])).json()
    url = reverse("api:evidence_verify", args=[body["evidence"][0]["id"]])
    assert client.post(url, **office["auth"]["editor"]).status_code == 403
    response = client.post(url, **office["auth"]["reviewer"])
    assert response.status_code == 200 and response.json()["verified"] is True


def test_another_organisations_view_needs_the_document_that_carries_it(client, office):
    OrganisationFactory(slug="ministry-test", name="Ministry (test)")
    refused = post_update(client, office, data=fields(assessor="ministry-test", note="The ministry's claim"))
    assert refused.status_code == 400
    assert "#/according_to" in refused.content.decode()
    assert not StatusUpdate.objects.filter(note="The ministry's claim").exists()
    source = SourceFactory(url="https://example.org/state-report-test", title="State report (test)")
    data = fields(assessor="ministry-test", note="The ministry's claim", according_to=source.url)
    response = post_update(client, office, data=data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["according_to"] == source.url and body["recorder_organisation"] == "dri"


def test_only_who_may_correct_an_entry_corrects_it_and_only_once(client, office):
    original = post_update(client, office).json()
    url = reverse("api:update_corrections", args=[original["id"]])
    other = client.post(url, {"status": "stalled", "note": "Not mine"}, **office["auth"]["other_editor"])
    assert other.status_code == 403
    reviewer = client.post(url, {"status": "stalled", "note": "Reviewed"}, **office["auth"]["reviewer"])
    assert reviewer.status_code == 201, reviewer.content
    again = client.post(url, {"status": "implemented", "note": "Again"}, **office["auth"]["editor"])
    assert again.status_code == 400 and "already corrected" in again.content.decode()
