"""The benchmark's bulk generator derives the same data the services would."""

import pytest

from bench import generate
from commitments import derived
from commitments.models import Assessment, Commitment, Evidence, StatusMonthDelta, StatusUpdate
from commitments.querysets import forget_tracker_organisation, tracker_organisation_id


def snapshot():
    return (
        sorted(Assessment.objects.values_list("commitment_id", "assessor_id", "update_id", "status", "effective_on")),
        sorted(
            Commitment.objects.values_list(
                "pk", "status", "status_on", "status_precision", "contested", "last_recorded_at", "last_effective_on"
            )
        ),
        derived.stored_month_deltas(),
    )


@pytest.mark.django_db
def test_generated_history_has_the_headline_assessments_and_trend_the_services_would_derive():
    made = generate.generate(40, seed=3)

    assert made == {
        "commitments": 40,
        "updates": 40 * generate.UPDATES_PER_COMMITMENT,
        "evidence": Evidence.objects.count(),
    }
    assert Evidence.objects.exists()
    generate.verify()
    bulk = snapshot()
    # Let the service's own refresh recompute everything, commitment by commitment.
    forget_tracker_organisation()
    own_id = tracker_organisation_id()
    for commitment in Commitment.objects.all():
        timeline = derived.headline_timeline(derived.unrestricted_history(commitment.pk), own_id)
        derived.refresh(commitment, timeline)
    assert snapshot() == bulk


@pytest.mark.django_db
def test_verify_notices_a_trend_summary_that_disagrees_with_the_history():
    generate.generate(10, seed=4)
    row = StatusMonthDelta.objects.first()
    row.delta += 1
    row.save()

    with pytest.raises(AssertionError, match="trend summary differs"):
        generate.verify()


@pytest.mark.django_db
def test_generating_twice_adds_to_the_database_and_keeps_the_summary_right():
    generate.generate(10, seed=5)
    generate.generate(10, seed=6)

    assert Commitment.objects.count() == 20
    assert StatusUpdate.objects.count() == 20 * generate.UPDATES_PER_COMMITMENT
    generate.verify()
