"""Civil-society submissions: the public form's refusals, and moderation into an attributed update."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.choices import Sensitivity, Status
from commitments.models import AuditEntry, Organisation, StatusUpdate, Submission
from tests import public_world
from tests.factories import JurisdictionFactory, ProfileFactory, UserFactory, pdf_bytes

pytestmark = pytest.mark.django_db

STATEMENT = "Synthetic statement SUBMITTED-STATEMENT-S1"


def send(client, commitment, **extra):
    data = {
        "organisation_name": "Synthetic Watch Group",
        "contact_email": "watch@example.org",
        "statement": STATEMENT,
        "links": "https://example.org/synthetic-report",
        "consent_to_attribution": "on",
        "website": "",
        **extra,
    }
    return client.post(reverse("public:submit", args=[commitment.pk]), data)


def test_anyone_sends_a_submission_and_nothing_of_it_is_public(client):
    world = public_world.build()
    upload = SimpleUploadedFile("report.pdf", pdf_bytes("SUBMITTED-FILE-S2"), content_type="application/pdf")
    response = send(client, world.commitment, files=[upload])
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.state == Submission.State.RECEIVED
    assert submission.links == ["https://example.org/synthetic-report"]
    assert submission.files.count() == 1
    for url in (
        reverse("public:detail", args=[world.commitment.pk]),
        reverse("public:dashboard"),
        reverse("public:feed"),
        reverse("public:open_data_json"),
    ):
        page = client.get(url).content
        assert b"SUBMITTED-STATEMENT-S1" not in page
        assert b"watch@example.org" not in page


def test_a_filled_honeypot_is_refused_with_a_clear_error_and_nothing_saved(client):
    world = public_world.build()
    response = send(client, world.commitment, website="https://spam.example")
    assert response.status_code == 400
    assert b"looks automated" in response.content
    assert not Submission.objects.exists()


def test_one_address_is_refused_after_the_hourly_limit(client, settings):
    settings.TRACKER_SUBMISSIONS_PER_HOUR = 2
    world = public_world.build()
    assert send(client, world.commitment).status_code == 302
    assert send(client, world.commitment).status_code == 302
    response = send(client, world.commitment)
    assert response.status_code == 429
    assert b"Too many submissions" in response.content
    assert Submission.objects.count() == 2


def test_an_executable_disguised_as_pdf_is_refused(client):
    world = public_world.build()
    upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = send(client, world.commitment, files=[upload])
    assert response.status_code == 400
    assert b"not accepted" in response.content
    assert not Submission.objects.exists()


def test_an_oversized_statement_and_a_bad_link_are_refused(client):
    world = public_world.build()
    assert send(client, world.commitment, statement="x" * 5001).status_code == 400
    response = send(client, world.commitment, links="javascript:alert(1)")
    assert response.status_code == 400
    assert b"not a web address" in response.content
    assert not Submission.objects.exists()


def test_markup_in_a_submission_is_never_rendered(client):
    world = public_world.build()
    send(client, world.commitment, statement="<script>alert('S3')</script>")
    client.force_login(world.reviewer)
    page = client.get(reverse("moderation:decide", args=[Submission.objects.get().pk])).content
    assert b"<script>alert" not in page
    assert b"&lt;script&gt;" in page


def test_an_unpublished_commitment_takes_no_submission(client):
    world = public_world.build()
    assert client.get(reverse("public:submit", args=[world.unpublished.pk])).status_code == 404
    assert send(client, world.unpublished).status_code == 404


def test_a_reviewer_accepts_a_submission_as_an_update_attributed_to_the_organisation(
    client, django_capture_on_commit_callbacks
):
    world = public_world.build()
    send(client, world.commitment, files=[SimpleUploadedFile("report.pdf", pdf_bytes("S4"), "application/pdf")])
    submission = Submission.objects.get()
    client.force_login(world.reviewer)
    assert submission in client.get(reverse("moderation:queue")).context["submissions"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:decide", args=[submission.pk]),
            {
                "decision": "accept",
                "organisation_name": "Synthetic Watch Group",
                "status": Status.STALLED,
                "effective_on": "2024-02-01",
                "sensitivity": Sensitivity.PUBLIC,
                "message": "Thank you",
                "notify": "on",
            },
        )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.ACCEPTED
    update = submission.status_update
    # Who says so: the submitting organisation, created as civil society; recorded by the reviewer.
    assert update.assessor.name == "Synthetic Watch Group"
    assert update.assessor.kind == Organisation.Kind.CIVIL_SOCIETY
    assert update.recorded_by == world.reviewer
    assert update.note == STATEMENT
    assert update.verified_at is None  # another reviewer verifies it before it is public
    evidence = list(update.evidence.order_by("pk"))
    assert [e.url for e in evidence] == ["https://example.org/synthetic-report", ""]
    assert evidence[1].file.read() == pdf_bytes("S4")
    assert {e.source_organisation for e in evidence} == {update.assessor}
    assert AuditEntry.objects.filter(subject="submission", action="accepted", status_update=update).exists()
    assert mail.outbox[-1].to == ["watch@example.org"]
    # Not public until verified by someone else.
    assert b"SUBMITTED-STATEMENT-S1" not in client.get(reverse("public:detail", args=[world.commitment.pk])).content


def test_accepting_needs_the_senders_consent_to_be_named(client):
    world = public_world.build()
    send(client, world.commitment, consent_to_attribution="")
    submission = Submission.objects.get()
    client.force_login(world.reviewer)
    response = client.post(
        reverse("moderation:decide", args=[submission.pk]),
        {"decision": "accept", "status": Status.STALLED, "effective_on": "2024-02-01", "sensitivity": "internal"},
    )
    assert response.status_code == 400
    assert b"did not agree to be named" in response.content
    assert not StatusUpdate.objects.filter(note=STATEMENT).exists()
    assert Submission.objects.get().state == Submission.State.RECEIVED


def test_a_reviewer_asks_for_more_or_rejects_and_the_sender_is_told(client, django_capture_on_commit_callbacks):
    world = public_world.build()
    send(client, world.commitment)
    send(client, world.commitment)
    first, second = Submission.objects.order_by("pk")
    client.force_login(world.reviewer)
    url = reverse("moderation:decide", args=[first.pk])
    assert client.post(url, {"decision": "ask", "sensitivity": "internal"}).status_code == 400  # says what more
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "ask", "sensitivity": "internal", "message": "Which district?", "notify": "on"})
    assert Submission.objects.get(pk=first.pk).state == Submission.State.MORE_ASKED
    assert "Which district?" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("moderation:decide", args=[second.pk]), {"decision": "reject", "sensitivity": "internal"})
    assert Submission.objects.get(pk=second.pk).state == Submission.State.REJECTED
    assert len(mail.outbox) == 1  # not asked to notify
    assert AuditEntry.objects.filter(subject="submission", action__in=["asked", "rejected"]).count() == 2


def test_reviewers_of_another_jurisdiction_and_editors_do_not_moderate(client):
    world = public_world.build()
    send(client, world.commitment)
    submission = Submission.objects.get()
    outsider = UserFactory(username="sindh-reviewer", role="Reviewer")
    ProfileFactory(user=outsider, read=[JurisdictionFactory(code="sindh", name="Sindh")])
    client.force_login(outsider)
    assert list(client.get(reverse("moderation:queue")).context["submissions"]) == []
    assert client.get(reverse("moderation:decide", args=[submission.pk])).status_code == 404
    client.force_login(world.editor)
    assert client.get(reverse("moderation:queue")).status_code == 403
