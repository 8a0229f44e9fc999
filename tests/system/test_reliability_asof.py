"""Property tests: the as-of status, the headline, each source's view and the trend summary
agree with a plain Python model of the rules for any history Hypothesis can think of."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import derived
from commitments.models import Assessment, Commitment, Sensitivity, Status
from commitments.querysets import forget_tracker_organisation
from commitments.services.history import status_update_record
from tests import figures
from tests.factories import CommitmentFactory, JurisdictionFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_DAY = datetime.date(2020, 1, 1)
BASE_TIME = datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC)
ASSESSORS = ("dri", "mohr", "ncsw")

# Few distinct days and recording times, so that ties (same day, same recorded_at) are common.
update_strategy = st.fixed_dictionaries(
    {
        "status": st.sampled_from(Status.values),
        "day": st.integers(min_value=0, max_value=120).map(lambda n: BASE_DAY + datetime.timedelta(days=n * 7)),
        "assessor": st.sampled_from(ASSESSORS),
        "recorded_minute": st.integers(min_value=0, max_value=5),
        "restricted": st.booleans(),
    }
)
history_strategy = st.lists(st.tuples(st.integers(min_value=0, max_value=2), update_strategy), min_size=0, max_size=14)


def reference_view(updates, day=None):
    """The rule in plain Python: the latest unrestricted real view ("no information" is none) on or
    before `day` (by effective date, recorded at, id) of the tracker's own organisation, else of any
    source; else "no information"."""
    candidates = [
        u
        for u in updates
        if not u["restricted"] and u["status"] != Status.NO_INFORMATION and (day is None or u["day"] <= day)
    ]
    candidates.sort(key=lambda u: (u["day"], u["recorded_at"], u["id"]))
    own = [u for u in candidates if u["assessor"] == "dri"]
    if own:
        return own[-1]["status"]
    if candidates:
        return candidates[-1]["status"]
    return Status.NO_INFORMATION


def reference_sources(updates):
    """Each source's latest unrestricted real view ("no information" is none)."""
    latest = {}
    for u in sorted(updates, key=lambda u: (u["day"], u["recorded_at"], u["id"])):
        if not u["restricted"] and u["status"] != Status.NO_INFORMATION:
            latest[u["assessor"]] = u
    return latest


def month_end(month):
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(history=history_strategy, jurisdiction_split=st.booleans())
def test_status_as_of_any_date_follows_the_rule_for_any_history(history, jurisdiction_split):
    with transaction.atomic():
        organisations = {slug: OrganisationFactory(slug=slug, name=slug.upper()) for slug in ASSESSORS}
        forget_tracker_organisation()
        punjab = JurisdictionFactory(code="punjab", name="Punjab")
        sindh = JurisdictionFactory(code="sindh", name="Sindh") if jurisdiction_split else punjab
        commitments = [
            CommitmentFactory(jurisdiction=punjab),
            CommitmentFactory(jurisdiction=sindh),
            CommitmentFactory(jurisdiction=punjab),
        ]
        clerk = UserFactory(username="clerk")
        named = UserFactory(username="named")
        recorded = {c.pk: [] for c in commitments}
        for index, update in history:
            commitment = commitments[index]
            recorded_at = BASE_TIME + datetime.timedelta(minutes=update["recorded_minute"])
            saved = status_update_record(
                commitment=commitment,
                status=update["status"],
                effective_on=update["day"],
                assessor=organisations[update["assessor"]],
                recorded_by=clerk,
                recorded_at=recorded_at,
                sensitivity=Sensitivity.RESTRICTED if update["restricted"] else Sensitivity.INTERNAL,
                restricted_to=(named,) if update["restricted"] else (),
            )
            recorded[commitment.pk].append({**update, "recorded_at": recorded_at, "id": saved.pk})

        days = sorted({u["day"] for _, u in history} | {BASE_DAY - datetime.timedelta(days=1)})
        probe_days = set(days)
        for day in days:
            probe_days.add(day - datetime.timedelta(days=1))
        for day in sorted(probe_days):
            got = dict(
                Commitment.objects.filter(pk__in=recorded).with_status_as_of(day).values_list("pk", "status_as_of")
            )
            expected = {pk: reference_view(updates, day) for pk, updates in recorded.items()}
            assert got == expected, f"as of {day}"

        for commitment in Commitment.objects.filter(pk__in=recorded):
            updates = recorded[commitment.pk]
            assert commitment.status == reference_view(updates)
            sources = reference_sources(updates)
            views = {u["status"] for u in sources.values() if u["status"] != Status.NO_INFORMATION}
            assert commitment.contested == (len(views) > 1)
            assessments = {
                a.assessor.slug: (a.update_id, a.status)
                for a in Assessment.objects.filter(commitment=commitment).select_related("assessor")
            }
            assert assessments == {slug: (u["id"], u["status"]) for slug, u in sources.items()}

        assert derived.recompute_month_deltas() == derived.stored_month_deltas()

        # The trend (read from the maintained summary) counts at each month end what the
        # as-of rule says held on that day.
        first, last = BASE_DAY, BASE_DAY + datetime.timedelta(days=7 * 121)
        for month, counts in derived.trend(first=first, last=last)[::5]:
            expected = {value: 0 for value in Status.values}
            for updates in recorded.values():
                held = reference_view(updates, month_end(month))
                # Counted once it has a headline: a real view ("no information" is none) by then.
                if any(
                    not u["restricted"] and u["status"] != Status.NO_INFORMATION and u["day"] <= month_end(month)
                    for u in updates
                ):
                    expected[held] += 1
            assert counts == expected, f"trend at {month}"

        figures.add("as-of histories generated and checked against the reference model")
        transaction.set_rollback(True)
