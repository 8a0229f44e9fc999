"""Verification (nobody verifies their own) and redaction (purged everywhere, tombstone left)."""

import os

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from commitments.models import Evidence, Redaction, StatusUpdate
from commitments.services.history import EvidenceItem, status_update_record
from tests import sample_files
from tests.entry_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def test_an_update_is_unverified_until_a_reviewer_verifies_it_and_who_and_when_are_recorded(client, world):
    client.force_login(world.users["viewer"])
    assert "Unverified" in client.get(world.kp_commitment.get_absolute_url()).content.decode()
    client.force_login(world.users["reviewer"])
    response = client.post(reverse("commitments:update_verify", args=[world.kp_update.pk]))
    assert response.status_code == 302
    world.kp_update.refresh_from_db()
    assert world.kp_update.verified_by == world.users["reviewer"] and world.kp_update.verified_at is not None
    assert "Verified by reviewer" in client.get(world.kp_commitment.get_absolute_url()).content.decode()


def test_nobody_verifies_their_own_update(client, world):
    own = status_update_record(
        commitment=world.kp_commitment,
        status="implemented",
        effective_on=world.kp_update.effective_on,
        assessor=world.dri,
        recorded_by=world.users["reviewer"],
        note="by the reviewer",
    )
    client.force_login(world.users["reviewer"])
    assert client.post(reverse("commitments:update_verify", args=[own.pk])).status_code == 403
    own.refresh_from_db()
    assert own.verified_at is None
    page = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert reverse("commitments:update_verify", args=[own.pk]) not in page
    assert reverse("commitments:update_verify", args=[world.kp_update.pk]) in page


def test_a_reviewer_verifies_evidence(client, world):
    client.force_login(world.users["reviewer"])
    client.post(reverse("commitments:evidence_verify", args=[world.kp_evidence.pk]))
    world.kp_evidence.refresh_from_db()
    assert world.kp_evidence.verified_by == world.users["reviewer"]


def test_redacting_a_note_purges_it_from_the_record_and_its_history_and_leaves_a_tombstone(client, world):
    client.force_login(world.users["administrator"])
    response = client.post(
        reverse("commitments:update_redact", args=[world.kp_update.pk]), {"reason": "Names a victim"}
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.get(pk=world.kp_update.pk)
    assert update.note == "" and update.redacted_by == world.users["administrator"]
    assert not StatusUpdate.history.filter(id=update.pk).exclude(note="").exists()
    redaction = Redaction.objects.get()
    assert (redaction.target, redaction.redacted_by, redaction.reason) == (
        "note",
        world.users["administrator"],
        "Names a victim",
    )
    assert "Note redacted by administrator" in client.get(world.kp_commitment.get_absolute_url()).content.decode()


def test_redacting_evidence_removes_every_stored_copy_from_storage_and_history(
    client, world, django_capture_on_commit_callbacks
):
    path = world.kp_evidence.file.path
    copy = status_update_record(
        commitment=world.punjab_commitment,
        status="in_progress",
        effective_on=world.kp_update.effective_on,
        assessor=world.dri,
        recorded_by=world.users["editor_punjab"],
        note="same file",
        evidence=[EvidenceItem(title="Copy", file=ContentFile(sample_files.pdf_bytes("notice"), name="c.pdf"))],
    ).evidence.get()
    assert copy.sha256 == world.kp_evidence.sha256
    copy_path = copy.file.path
    assert os.path.exists(path) and os.path.exists(copy_path)
    client.force_login(world.users["administrator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("commitments:evidence_redact", args=[world.kp_evidence.pk]), {"reason": "Shows a face"}
        )
    assert response.status_code == 302
    evidence = Evidence.objects.get(pk=world.kp_evidence.pk)
    assert not evidence.file and evidence.sha256 == "" and evidence.original_filename == ""
    assert evidence.redacted_at is not None
    assert not os.path.exists(path) and not os.path.exists(copy_path)
    copy.refresh_from_db()
    assert not copy.file and copy.redacted_at is not None
    assert not Evidence.history.filter(id=evidence.pk).exclude(file="").exists()
    assert client.get(evidence.get_download_url()).status_code == 404
    assert set(Redaction.objects.values_list("evidence", flat=True)) == {evidence.pk, copy.pk}


def test_a_redaction_needs_a_reason(client, world):
    client.force_login(world.users["administrator"])
    response = client.post(reverse("commitments:update_redact", args=[world.kp_update.pk]), {"reason": ""})
    assert response.status_code == 200
    assert StatusUpdate.objects.get(pk=world.kp_update.pk).note == "Survey started"
