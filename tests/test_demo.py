"""Demo data (manage.py seed --demo N / --clear-demo): marked, derived right, and removed without a trace."""

import datetime

import pytest

from commitments import demo, derived, models
from commitments.querysets import tracker_organisation_id

from .seed_fixtures import row_counts

pytestmark = pytest.mark.django_db


def test_demo_data_added_and_cleared_leaves_counts_and_trend_as_before(seeded):
    counts = row_counts()
    deltas = derived.stored_month_deltas()
    trend = derived.trend(first=datetime.date(2014, 1, 1), last=datetime.date(2025, 12, 1))

    added = demo.demo_add(count=60, random_seed=7)

    assert added["commitments"] == 60
    assert models.Commitment.objects.filter(is_demo=True).count() == 60
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()
    assert derived.stored_month_deltas() != deltas

    removed = demo.demo_clear()

    assert removed["commitments"] == 60
    assert removed["updates"] == added["updates"]
    assert row_counts() == counts
    assert derived.stored_month_deltas() == deltas
    assert derived.trend(first=datetime.date(2014, 1, 1), last=datetime.date(2025, 12, 1)) == trend


def test_demo_derived_data_is_what_the_status_service_would_compute(seeded):
    demo.demo_add(count=80, random_seed=3)
    own_id = tracker_organisation_id()

    def snapshot(commitment):
        commitment.refresh_from_db()
        views = sorted(
            models.Assessment.objects.filter(commitment=commitment).values_list(
                "assessor_id", "update_id", "status", "effective_on"
            )
        )
        return (
            commitment.status,
            commitment.status_on,
            commitment.status_precision,
            commitment.contested,
            commitment.last_recorded_at,
            commitment.last_effective_on,
            views,
        )

    demo_commitments = list(models.Commitment.objects.filter(is_demo=True))
    assert any(c.contested for c in demo_commitments)
    for commitment in demo_commitments:
        bulk = snapshot(commitment)
        derived.refresh(commitment, derived.headline_timeline(derived.unrestricted_history(commitment.pk), own_id))
        assert snapshot(commitment) == bulk
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()


def test_demo_rows_are_marked_as_demo_everywhere(seeded):
    demo.demo_add(count=30, random_seed=1)
    for commitment in models.Commitment.objects.filter(is_demo=True):
        assert commitment.title.startswith("[Demo] ")
        assert commitment.reference.startswith("DEMO-")
        assert all(update.is_demo for update in commitment.updates.all())
        assert all(item.is_demo for item in commitment.evidence.all())
    assert models.Evidence.objects.filter(is_demo=True).exists()
    assert not models.StatusUpdate.objects.filter(is_demo=True, commitment__is_demo=False).exists()


def test_demo_histories_never_start_before_their_instrument_or_end_in_the_future(seeded):
    demo.demo_add(count=100, random_seed=5)
    today = datetime.date.today()
    for update in models.StatusUpdate.objects.filter(is_demo=True).select_related("commitment__instrument"):
        instrument = update.commitment.instrument
        earliest = min(d for d in (instrument.signed_on, instrument.bound_on, datetime.date.max) if d)
        assert update.effective_on <= today
        if earliest != datetime.date.max:
            assert update.effective_on >= earliest.replace(month=1, day=1)
