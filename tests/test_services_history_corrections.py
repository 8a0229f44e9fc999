"""Corrections by the people who made the mistake: a new entry supersedes the wrong one, which stays
in the history and no longer counts anywhere."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from commitments import access
from commitments.models import Assessment, AuditEntry, Commitment, StatusUpdate
from commitments.services.history import status_update_correct, status_update_record
from tests.entry_world import make_world
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def correct(world, original, by, **changes):
    values = {
        "status": original.status,
        "effective_on": original.effective_on,
        "effective_precision": original.effective_precision,
        "assessor": original.assessor,
        "note": "Put right",
    }
    values.update(changes)
    return status_update_correct(original=original, corrected_by=by, **values)


def test_who_may_correct_an_entry(world):
    users = world.users
    own = world.kp_update  # recorded by editor_kp
    assert access.may_correct(users["editor_kp"], own)
    assert access.may_correct(users["reviewer"], own)
    assert access.may_correct(users["administrator"], own)
    assert not access.may_correct(users["editor_punjab"], own)
    assert not access.may_correct(users["viewer"], own)
    assert not access.may_correct(None, own)
    other = status_update_record(
        commitment=world.kp_commitment,
        status="in_progress",
        effective_on=datetime.date(2024, 4, 1),
        assessor=world.dri,
        recorded_by=users["administrator"],
        note="The administrator's entry",
    )
    # An editor corrects only their own entries, even in a jurisdiction they may write.
    assert not access.may_correct(users["editor_kp"], other)


def test_an_editor_cannot_correct_someone_elses_entry(world):
    with pytest.raises(ValidationError):
        correct(world, world.kp_update, world.users["editor_punjab"], status="implemented")
    assert not StatusUpdate.objects.filter(corrects=world.kp_update).exists()


def test_a_corrected_entry_stays_but_no_longer_counts(world):
    committee = OrganisationFactory(slug="committee-test", name="Committee (test)")
    original = world.kp_update
    # Another organisation's view needs its document; the reviewer is recording for the committee.
    with pytest.raises(ValidationError) as refused:
        correct(world, original, world.users["reviewer"], status="not_started", assessor=committee)
    assert "according_to" in refused.value.message_dict
    correction = correct(
        world,
        original,
        world.users["editor_kp"],
        status="not_started",
        effective_on=datetime.date(2024, 1, 1),
        effective_precision="month",
        note="It had not started in March",
    )
    assert correction.corrects == original
    assert (correction.effective_on, correction.effective_precision) == (datetime.date(2024, 1, 1), "month")
    assert StatusUpdate.objects.filter(pk=original.pk).exists()
    assert original.is_superseded() and not correction.is_superseded()
    in_force = set(StatusUpdate.objects.in_force().values_list("pk", flat=True))
    assert original.pk not in in_force and correction.pk in in_force

    commitment = Commitment.objects.get(pk=world.kp_commitment.pk)
    assert commitment.status == "not_started"
    assert Assessment.objects.get(commitment=commitment, assessor=world.dri).update_id == correction.pk
    # The SQL headline and each source's view as of a date agree: the corrected entry is gone.
    as_of = Commitment.objects.with_status_as_of(datetime.date(2024, 6, 1)).get(pk=commitment.pk)
    assert as_of.status_as_of == "not_started"
    views = StatusUpdate.objects.latest_per_source_as_of(datetime.date(2024, 6, 1))
    assert list(views.filter(commitment=commitment).values_list("pk", flat=True)) == [correction.pk]


def test_a_correction_of_a_correction_works_and_an_entry_is_corrected_once(world):
    first = correct(world, world.kp_update, world.users["editor_kp"], status="stalled")
    with pytest.raises(ValidationError, match="already corrected"):
        correct(world, world.kp_update, world.users["reviewer"], status="implemented")
    second = correct(world, first, world.users["reviewer"], status="partially_implemented")
    assert second.corrects == first and first.corrects == world.kp_update
    assert world.kp_update.is_superseded() and first.is_superseded() and not second.is_superseded()
    commitment = Commitment.objects.get(pk=world.kp_commitment.pk)
    assert commitment.status == "partially_implemented"
    assert Assessment.objects.filter(commitment=commitment).count() == 1


def test_each_correction_is_in_the_audit_trail(world):
    correction = correct(world, world.kp_update, world.users["reviewer"], status="stalled")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CORRECTED, status_update=world.kp_update)
    assert entry.actor == world.users["reviewer"]
    assert entry.changes["status"] == {"before": "In progress", "after": "Stalled"}
    assert entry.changes["corrected by"] == f"#{correction.pk}"


def test_superseded_per_object_and_in_sql_agree(world):
    correct(world, world.kp_update, world.users["editor_kp"], status="stalled")
    for update in StatusUpdate.objects.all():
        in_sql = StatusUpdate.objects.filter(StatusUpdate.objects.superseded_q(), pk=update.pk).exists()
        assert in_sql == update.is_superseded()


def test_a_correction_needs_a_note(world):
    with pytest.raises(ValidationError):
        correct(world, world.kp_update, world.users["editor_kp"], note="  ")
