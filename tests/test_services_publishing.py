"""Publishing and the public data version: what is public has one home, and every public write moves
the version in its own transaction (so cached public pages are never stale)."""

import pytest
from django.urls import reverse

from commitments import derived
from commitments.choices import Sensitivity, Status
from commitments.models import AuditEntry, Commitment, PublicDataVersion, StatusUpdate
from commitments.services.commitments import commitment_save
from commitments.services.history import status_update_note_redact, status_update_record, status_update_verify
from commitments.services.publishing import commitment_publish_set, public_data_version
from tests import public_world
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def version():
    return public_data_version().version


def test_is_published_agrees_with_the_published_query():
    world = public_world.build()
    CommitmentFactory(reference="SYN-X")  # neither it nor its instrument published
    for commitment in Commitment.objects.select_related("instrument"):
        in_query = Commitment.objects.published().filter(pk=commitment.pk).exists()
        assert commitment.is_published() == in_query, commitment.reference
    assert list(Commitment.objects.published()) == [world.commitment]


def test_the_stored_public_headline_matches_a_full_recomputation():
    world = public_world.build()
    # A correction of the public entry: the corrected entry leaves the public material.
    status_update_record(
        commitment=world.commitment,
        status=Status.NOT_STARTED,
        effective_on=world.public_update.effective_on,
        assessor=world.ngo,
        recorded_by=world.editor,
        corrects=world.public_update,
        sensitivity=Sensitivity.PUBLIC,
    )
    for commitment in Commitment.objects.all():
        stored = {field: getattr(commitment, field) for field in derived.PUBLIC_FIELDS}
        assert stored == derived.derive_public(commitment.pk), commitment.reference
    assert Commitment.objects.get(pk=world.commitment.pk).public_status == Status.NO_INFORMATION


def test_publishing_is_audited_and_moves_the_version(client):
    world = public_world.build()
    before = version()
    commitment_publish_set(commitment=world.unpublished, published=True, actor=world.admin)
    assert version() == before + 1
    entry = AuditEntry.objects.filter(subject="commitment", action="published").latest("at")
    assert entry.commitment == world.unpublished and entry.actor == world.admin
    assert client.get(reverse("public:detail", args=[world.unpublished.pk])).status_code == 200


def test_the_admin_actions_publish_and_withdraw(client):
    world = public_world.build()
    client.force_login(world.admin)
    url = reverse("admin:commitments_commitment_changelist")
    client.post(url, {"action": "publish", "_selected_action": [world.unpublished.pk]})
    assert Commitment.objects.get(pk=world.unpublished.pk).published
    client.post(url, {"action": "unpublish", "_selected_action": [world.commitment.pk, world.unpublished.pk]})
    assert not Commitment.objects.published().exists()


def test_editing_a_published_commitment_moves_the_version_and_an_unpublished_one_does_not():
    world = public_world.build()
    before = version()
    world.unpublished.title = "Synthetic new title"
    commitment_save(commitment=world.unpublished)
    assert version() == before
    world.commitment.title = "Synthetic new public title"
    commitment_save(commitment=world.commitment)
    assert version() == before + 1


def test_redacting_a_public_note_moves_the_version_and_an_internal_one_does_not():
    world = public_world.build()
    before = version()
    status_update_note_redact(update=world.internal_update, reason="synthetic", redacted_by=world.admin)
    assert version() == before
    status_update_note_redact(update=world.public_update, reason="synthetic", redacted_by=world.admin)
    assert version() == before + 1


def test_verifying_an_internal_update_leaves_the_version():
    world = public_world.build()
    update = status_update_record(
        commitment=world.commitment,
        status=Status.STALLED,
        effective_on=world.public_update.effective_on,
        assessor=world.ngo,
        recorded_by=world.editor,
    )
    before = PublicDataVersion.objects.get().changed_at
    status_update_verify(update=update, reviewer=world.reviewer)
    assert PublicDataVersion.objects.get().changed_at == before
    assert StatusUpdate.objects.public_verified().filter(commitment=world.commitment).count() == 1
