"""The model's rules: constraints, headline and per-source status, contested, overdue, cycles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments import derived
from commitments.choices import Precision
from commitments.dates import format_partial_date, parse_partial_date
from commitments.models import Assessment, Commitment, CommitmentLink, Evidence, GSPRequirement, Sensitivity, Status
from commitments.services.commitments import commitment_link_add, commitment_save
from commitments.services.history import EvidenceItem, status_update_record, status_update_verify
from tests.factories import (
    CommitmentFactory,
    GSPRequirementFactory,
    InstrumentFactory,
    OrganisationFactory,
    StatusUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def dri():
    return OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")


@pytest.fixture
def government():
    return OrganisationFactory(slug="mohr", name="Ministry of Human Rights")


def record(commitment, status_value, day, assessor, **kwargs):
    kwargs.setdefault("recorded_by", UserFactory())
    return status_update_record(
        commitment=commitment, status=status_value, effective_on=day, assessor=assessor, **kwargs
    )


# --- constraints -------------------------------------------------------------------------


def test_a_reference_is_unique_within_its_instrument():
    commitment = CommitmentFactory(reference="1")
    CommitmentFactory(reference="1")  # another instrument: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory(reference="1", instrument=commitment.instrument)


def test_evidence_needs_a_file_or_a_link():
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(commitment=commitment, title="Nothing attached")


def test_nobody_verifies_their_own_update(government):
    update = StatusUpdateFactory(assessor=government)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(update).objects.filter(pk=update.pk).update(
            verified_by=update.recorded_by, verified_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        )
    with pytest.raises(ValidationError):
        status_update_verify(update=update, reviewer=update.recorded_by)


def test_a_gsp_requirement_is_unique_per_scheme_and_convention():
    requirement = GSPRequirementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        GSPRequirement.objects.create(
            scheme=requirement.scheme, instrument=requirement.instrument, annex_part="Part A", group="labour"
        )


def test_a_next_report_due_date_must_carry_its_source():
    instrument = InstrumentFactory()
    instrument.next_report_due_on = D(2026, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        instrument.save()


def test_a_link_cannot_point_at_itself():
    commitment = CommitmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentLink.objects.create(source=commitment, target=commitment)


# --- partial dates -----------------------------------------------------------------------


def test_a_year_only_date_is_kept_and_shown_as_the_year():
    day, precision = parse_partial_date("1957")
    assert (day, precision) == (D(1957, 1, 1), Precision.YEAR)
    assert format_partial_date(day, precision) == "1957"
    instrument = InstrumentFactory(code="C029", bound_on=day, bound_precision=precision)
    instrument.refresh_from_db()
    assert instrument.bound_display == "1957"


def test_unverified_is_stored_empty():
    assert parse_partial_date("UNVERIFIED") == (None, "")


def test_a_month_date_is_shown_with_its_month():
    assert format_partial_date(*parse_partial_date("2024-10")) == "October 2024"


# --- headline and per-source status ------------------------------------------------------


def test_the_headline_is_the_tracker_organisations_latest_view(dri, government):
    commitment = CommitmentFactory()
    record(commitment, Status.IMPLEMENTED, D(2023, 5, 1), government)
    commitment.refresh_from_db()
    assert commitment.status == Status.IMPLEMENTED  # no view of ours yet: latest of any source
    record(commitment, Status.PARTIALLY_IMPLEMENTED, D(2022, 1, 1), dri)
    record(commitment, Status.IMPLEMENTED, D(2024, 1, 1), government)
    commitment.refresh_from_db()
    assert commitment.status == Status.PARTIALLY_IMPLEMENTED
    assert commitment.status_on == D(2022, 1, 1)
    views = dict(Assessment.objects.filter(commitment=commitment).values_list("assessor__slug", "status"))
    assert views == {"dri": Status.PARTIALLY_IMPLEMENTED, "mohr": Status.IMPLEMENTED}


def test_a_backdated_update_does_not_replace_a_later_one(dri):
    commitment = CommitmentFactory()
    record(commitment, Status.IN_PROGRESS, D(2024, 6, 1), dri)
    record(commitment, Status.NOT_STARTED, D(2023, 1, 1), dri)  # recorded later, effective earlier
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()


def test_a_correction_wins_even_dated_earlier_and_the_corrected_entry_no_longer_counts(dri):
    commitment = CommitmentFactory()
    wrong = record(commitment, Status.IMPLEMENTED, D(2025, 1, 1), dri, note="typo: meant in progress")
    correction = record(commitment, Status.IN_PROGRESS, D(2024, 3, 1), dri, corrects=wrong)
    # A correction may put the date right too.
    assert correction.effective_on == D(2024, 3, 1)
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert commitment.updates.count() == 2  # history is never lost
    assert list(wrong.corrections.all()) == [correction]


def test_a_correction_must_be_about_the_same_commitment(dri):
    update = record(CommitmentFactory(), Status.IMPLEMENTED, D(2024, 3, 1), dri)
    with pytest.raises(ValidationError):
        record(CommitmentFactory(), Status.IN_PROGRESS, D(2024, 3, 1), dri, corrects=update)


def test_updates_on_the_same_day_are_ordered_by_when_they_were_recorded(dri):
    commitment = CommitmentFactory()
    first = datetime.datetime(2024, 1, 2, 9, tzinfo=datetime.UTC)
    record(commitment, Status.STALLED, D(2024, 1, 1), dri, recorded_at=first + datetime.timedelta(hours=1))
    record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri, recorded_at=first)
    commitment.refresh_from_db()
    assert commitment.status == Status.STALLED


def test_contested_exactly_when_the_latest_views_of_sources_disagree(dri, government):
    commitment = CommitmentFactory()
    record(commitment, Status.IMPLEMENTED, D(2024, 1, 1), government)
    commitment.refresh_from_db()
    assert not commitment.contested
    record(commitment, Status.PARTIALLY_IMPLEMENTED, D(2024, 2, 1), dri)
    commitment.refresh_from_db()
    assert commitment.contested
    record(commitment, Status.IMPLEMENTED, D(2024, 3, 1), dri)
    commitment.refresh_from_db()
    assert not commitment.contested


def test_no_information_is_not_a_disagreement(dri, government):
    commitment = CommitmentFactory()
    record(commitment, Status.NO_INFORMATION, D(2024, 1, 1), dri)
    record(commitment, Status.IMPLEMENTED, D(2024, 1, 1), government)
    commitment.refresh_from_db()
    assert not commitment.contested


def test_a_restricted_update_never_moves_the_headline(dri):
    commitment = CommitmentFactory()
    record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri)
    named = UserFactory()
    record(commitment, Status.REGRESSED, D(2024, 6, 1), dri, sensitivity="restricted", restricted_to=[named])
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS


def test_a_restricted_update_must_name_who_may_see_it(dri):
    with pytest.raises(ValidationError):
        record(CommitmentFactory(), Status.IN_PROGRESS, D(2024, 1, 1), dri, sensitivity="restricted")


def test_an_update_cannot_take_effect_in_the_future_or_before_the_instrument(dri):
    commitment = CommitmentFactory(instrument=InstrumentFactory(bound_on=D(2010, 6, 23), bound_precision="day"))
    with pytest.raises(ValidationError, match="future"):
        record(commitment, Status.IN_PROGRESS, D(2030, 1, 1), dri, today=D(2026, 1, 1))
    with pytest.raises(ValidationError, match="before"):
        record(commitment, Status.IN_PROGRESS, D(2009, 1, 1), dri)
    # The instrument's own year, known only as a year, is allowed.
    record(commitment, Status.IN_PROGRESS, D(2010, 1, 1), dri, effective_precision=Precision.YEAR)
    assert commitment.updates.count() == 1


def test_the_same_form_posted_twice_records_one_update(dri):
    commitment = CommitmentFactory()
    editor = UserFactory()
    key = "5f0c7a4e-8d1b-4a7e-9c2f-3b6d9e1a2c4f"
    first = record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri, submission_key=key, recorded_by=editor)
    second = record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri, submission_key=key, recorded_by=editor)
    assert first.pk == second.pk
    assert commitment.updates.count() == 1


def test_another_persons_submission_key_is_refused_not_answered_with_their_update(dri):
    commitment = CommitmentFactory()
    key = "5f0c7a4e-8d1b-4a7e-9c2f-3b6d9e1a2c4f"
    record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri, submission_key=key)
    with pytest.raises(ValidationError, match="already sent by someone else"):
        record(commitment, Status.STALLED, D(2024, 2, 1), dri, submission_key=key, note="Mine")
    assert commitment.updates.count() == 1


def test_evidence_failure_saves_nothing_and_removes_written_files(dri, settings):
    from django.core.files.base import ContentFile

    commitment = CommitmentFactory()
    good = EvidenceItem(title="Report", file=ContentFile(b"%PDF-1.4 ok", name="a.pdf"), content_type="application/pdf")
    bad = EvidenceItem(title="   ")  # no title, no file: rejected
    with pytest.raises(ValidationError):
        record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri, evidence=[good, bad])
    assert commitment.updates.count() == 0
    assert Evidence.objects.count() == 0
    stored = list((settings.MEDIA_ROOT / "evidence").rglob("*")) if (settings.MEDIA_ROOT / "evidence").exists() else []
    assert [p for p in stored if p.is_file()] == []


# --- as of a date, trend summary ---------------------------------------------------------


def test_status_as_of_a_date_follows_the_history(dri, government):
    commitment = CommitmentFactory()
    record(commitment, Status.NOT_STARTED, D(2024, 1, 10), government)
    record(commitment, Status.IN_PROGRESS, D(2024, 3, 10), government)
    record(commitment, Status.IMPLEMENTED, D(2024, 6, 10), government)
    record(commitment, Status.PARTIALLY_IMPLEMENTED, D(2024, 7, 1), dri)
    expected = {
        D(2023, 12, 31): Status.NO_INFORMATION,
        D(2024, 1, 10): Status.NOT_STARTED,
        D(2024, 4, 1): Status.IN_PROGRESS,
        D(2024, 6, 30): Status.IMPLEMENTED,
        D(2024, 7, 1): Status.PARTIALLY_IMPLEMENTED,  # our own view now exists and decides
    }
    for day, value in expected.items():
        assert Commitment.objects.with_status_as_of(day).get(pk=commitment.pk).status_as_of == value, day


def test_the_trend_summary_agrees_with_a_full_recomputation(dri, government):
    for index in range(5):
        commitment = CommitmentFactory()
        record(commitment, Status.IN_PROGRESS, D(2023, 1 + index, 5), government)
        record(commitment, Status.IMPLEMENTED, D(2023, 6, 1), government)
        record(commitment, Status.REGRESSED, D(2023, 3 + index, 1), dri)  # backdated, own view
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()


def test_the_trend_counts_a_status_only_in_the_months_it_held(dri):
    commitment = CommitmentFactory()
    record(commitment, Status.IMPLEMENTED, D(2024, 3, 15), dri)
    record(commitment, Status.REGRESSED, D(2024, 5, 15), dri)
    months = dict(derived.trend(first=D(2024, 2, 1), last=D(2024, 5, 1)))
    assert [months[D(2024, m, 1)][Status.IMPLEMENTED] for m in (2, 3, 4, 5)] == [0, 1, 1, 0]
    assert months[D(2024, 5, 1)][Status.REGRESSED] == 1


def test_moving_a_commitment_to_another_jurisdiction_moves_its_trend(dri):
    from tests.factories import JurisdictionFactory

    commitment = CommitmentFactory()
    record(commitment, Status.IN_PROGRESS, D(2024, 1, 1), dri)
    commitment.jurisdiction = JurisdictionFactory()
    commitment_save(commitment=commitment)
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()


# --- overdue, stale ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, status_value, expected",
    [
        (None, Status.IN_PROGRESS, False),
        (D(2020, 1, 1), Status.IN_PROGRESS, True),
        (D(2020, 1, 1), Status.IMPLEMENTED, False),
        (D(2099, 1, 1), Status.NOT_STARTED, False),
        (D(2020, 1, 1), Status.NO_INFORMATION, True),
    ],
)
def test_overdue_per_object_agrees_with_the_queryset(dri, due, status_value, expected):
    commitment = CommitmentFactory(due_on=due)
    record(commitment, status_value, D(2019, 6, 1), dri)
    commitment.refresh_from_db()
    assert commitment.is_overdue() is expected
    assert Commitment.objects.overdue().filter(pk=commitment.pk).exists() is expected


def test_stale_per_object_agrees_with_the_queryset(dri, settings):
    settings.TRACKER_STALE_DAYS = 180
    today = timezone.localdate()
    fresh, old, never, restricted_only = (
        CommitmentFactory(),
        CommitmentFactory(),
        CommitmentFactory(),
        CommitmentFactory(),
    )
    record(fresh, Status.IN_PROGRESS, today - datetime.timedelta(days=10), dri)
    record(old, Status.IN_PROGRESS, D(2019, 1, 1), dri)  # recorded today, in effect since 2019
    record(
        restricted_only,
        Status.IN_PROGRESS,
        today,
        dri,
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=[UserFactory()],
    )
    for commitment, expected in ((fresh, False), (old, True), (never, True), (restricted_only, True)):
        commitment.refresh_from_db()
        assert commitment.is_stale() is expected
        assert Commitment.objects.stale().filter(pk=commitment.pk).exists() is expected


def test_an_update_recorded_long_ago_but_in_effect_recently_is_not_stale(dri, settings):
    settings.TRACKER_STALE_DAYS = 180
    commitment = CommitmentFactory()
    recorded = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    record(commitment, Status.IN_PROGRESS, timezone.localdate(), dri, recorded_at=recorded)
    commitment.refresh_from_db()
    assert commitment.last_effective_on == timezone.localdate()
    assert not commitment.is_stale()
    assert not Commitment.objects.stale().filter(pk=commitment.pk).exists()


# --- contribution links ------------------------------------------------------------------


def test_a_contribution_cycle_is_refused():
    kp_item, national, gsp = CommitmentFactory(), CommitmentFactory(), CommitmentFactory()
    commitment_link_add(source=kp_item, target=national)
    commitment_link_add(source=national, target=gsp)
    with pytest.raises(ValidationError, match="already contributes"):
        commitment_link_add(source=gsp, target=kp_item)
    assert CommitmentLink.objects.count() == 2
    assert set(gsp.contributions.all()) == {national}


@pytest.mark.parametrize("code", ["ILO/C29", "C 29", "C29/", "/C29", "C29?x", "C29#1", ""])
def test_an_instrument_code_that_would_break_a_page_address_is_refused_with_a_clear_message(code):
    instrument = InstrumentFactory.build(code=code, jurisdiction=InstrumentFactory().jurisdiction)
    with pytest.raises(ValidationError) as error:
        instrument.full_clean(exclude=["sources", "focal_persons"])
    assert "code" in error.value.message_dict


@pytest.mark.parametrize("code", ["ICCPR", "GSP+", "C029", "CRC-OPSC", "NAP_2016", "SINGLE-1961"])
def test_the_codes_in_use_are_accepted(code):
    InstrumentFactory.build(code=code, jurisdiction=InstrumentFactory().jurisdiction).full_clean(
        exclude=["sources", "focal_persons"]
    )


@pytest.mark.parametrize("day", [D(9999, 12, 31), D(2201, 1, 1), D(1899, 12, 31), D(1, 1, 1)])
def test_a_date_outside_1900_to_2200_is_refused_by_the_model(day):
    commitment = CommitmentFactory()
    commitment.due_on = day
    with pytest.raises(ValidationError) as error:
        commitment_save(commitment=commitment)
    assert "outside the dates the tracker accepts (1900 to 2200)" in str(error.value.message_dict["due_on"])
    instrument = InstrumentFactory()
    instrument.next_report_due_on, instrument.next_report_due_source = day, "x"
    with pytest.raises(ValidationError):
        instrument.full_clean(exclude=["sources", "focal_persons"])


@pytest.mark.parametrize(
    ("before", "after", "down"),
    [
        (Status.IMPLEMENTED, Status.PARTIALLY_IMPLEMENTED, True),
        (Status.IMPLEMENTED, Status.NO_INFORMATION, True),
        (Status.IN_PROGRESS, Status.NO_INFORMATION, True),
        (Status.IN_PROGRESS, Status.STALLED, True),
        (Status.IN_PROGRESS, Status.REGRESSED, True),
        (Status.IN_PROGRESS, Status.IN_PROGRESS, False),
        (Status.IN_PROGRESS, Status.IMPLEMENTED, False),
        (Status.STALLED, Status.IN_PROGRESS, False),
        (Status.NO_INFORMATION, Status.NOT_STARTED, False),
    ],
)
def test_a_step_down_is_to_a_lower_status_or_to_no_information(before, after, down):
    assert Status.is_step_down(before, after) is down
