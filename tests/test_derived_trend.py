"""The month-by-month trend summary always agrees with a full recomputation from the history."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import derived
from commitments.models import Commitment, Sensitivity, Status
from commitments.querysets import forget_tracker_organisation
from commitments.services.commitments import commitment_save
from commitments.services.history import status_update_record
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    UserFactory,
)

DAYS = st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2025, 12, 31))
ENTRY = st.tuples(
    st.integers(0, 2),  # which commitment
    st.sampled_from(Status.values),
    DAYS,
    st.booleans(),  # the tracker's own organisation, or another source
    st.sampled_from([Sensitivity.INTERNAL, Sensitivity.PUBLIC, Sensitivity.RESTRICTED]),
)


def headline_counts_at(day, jurisdiction):
    """Headline counts on `day` from the one as-of implementation, of commitments that had a headline then.

    A headline needs a real view ("no information" is none) that has taken effect by `day`.
    """
    counts = {value: 0 for value in Status.values}
    had_headline = Commitment.objects.filter(
        jurisdiction=jurisdiction,
        updates__takes_effect_on__lte=day,
        updates__sensitivity__in=[Sensitivity.INTERNAL, Sensitivity.PUBLIC],
        updates__status__in=[value for value in Status.values if value != Status.NO_INFORMATION],
    ).distinct()
    for value in had_headline.with_status_as_of(day).values_list("status_as_of", flat=True):
        counts[value] += 1
    return counts


def month_end(month):
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(ENTRY, min_size=1, max_size=14), move=st.booleans())
def test_the_trend_summary_equals_a_recomputation_after_any_history_including_backdated_updates(entries, move):
    # Each example runs in a savepoint rolled back at its end: the examples share one test database.
    with transaction.atomic():
        forget_tracker_organisation()
        check_history(entries, move)
        transaction.set_rollback(True)


def check_history(entries, move):
    own = OrganisationFactory(slug="dri", name="DRI")
    other = OrganisationFactory(slug="hrcp", name="HRCP")
    recorder = UserFactory(username="recorder")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    instrument = InstrumentFactory(code="ICCPR")
    commitments = [CommitmentFactory(instrument=instrument, jurisdiction=punjab, reference=f"R{n}") for n in range(3)]
    for which, value, day, is_own, sensitivity in entries:
        # Entries arrive in any order of effective date: later ones are often backdated.
        status_update_record(
            commitment=commitments[which],
            status=value,
            effective_on=day,
            assessor=own if is_own else other,
            recorded_by=recorder,
            sensitivity=sensitivity,
            restricted_to=[recorder] if sensitivity == Sensitivity.RESTRICTED else (),
        )
    if move:
        commitments[0].jurisdiction = sindh
        commitment_save(commitment=commitments[0])

    assert derived.stored_month_deltas() == derived.recompute_month_deltas()
    for jurisdiction in (punjab, sindh):
        months = derived.trend(
            Q(jurisdiction=jurisdiction), first=datetime.date(2019, 1, 1), last=datetime.date(2026, 1, 1)
        )
        for month, counts in months[::7]:
            assert counts == headline_counts_at(month_end(month), jurisdiction), month


@pytest.mark.django_db
def test_a_backdated_update_changes_the_trend_from_its_own_month_on():
    own = OrganisationFactory(slug="dri", name="DRI")
    recorder = UserFactory()
    commitment = CommitmentFactory()
    status_update_record(
        commitment=commitment,
        status=Status.IN_PROGRESS,
        effective_on=datetime.date(2024, 6, 10),
        assessor=own,
        recorded_by=recorder,
    )
    status_update_record(
        commitment=commitment,
        status=Status.NOT_STARTED,
        effective_on=datetime.date(2024, 2, 3),
        assessor=own,
        recorded_by=recorder,
    )
    months = dict(derived.trend(first=datetime.date(2024, 1, 1), last=datetime.date(2024, 7, 1)))
    assert months[datetime.date(2024, 1, 1)][Status.NOT_STARTED] == 0
    assert months[datetime.date(2024, 2, 1)][Status.NOT_STARTED] == 1
    assert months[datetime.date(2024, 5, 1)][Status.NOT_STARTED] == 1
    assert months[datetime.date(2024, 6, 1)][Status.NOT_STARTED] == 0
    assert months[datetime.date(2024, 6, 1)][Status.IN_PROGRESS] == 1
    assert derived.stored_month_deltas() == derived.recompute_month_deltas()
