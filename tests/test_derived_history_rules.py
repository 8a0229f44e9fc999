"""The history rules a user relies on: "no information" is never a view, "since" is when a status
was reached, a year or a month takes effect at its end, and a commitment's own history start."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import derived
from commitments.choices import Precision, Sensitivity, Status
from commitments.models import Assessment, Commitment, StatusCount, StatusMonthDelta, StatusUpdate
from commitments.querysets import forget_tracker_organisation, tracker_organisation_id
from commitments.services.commitments import commitment_save
from commitments.services.history import status_update_record
from tests.entry_world import make_world
from tests.factories import CommitmentFactory, InstrumentFactory, OrganisationFactory, UserFactory

D = datetime.date


@pytest.fixture
def people(db):
    forget_tracker_organisation()
    return {
        "tracker": OrganisationFactory(slug="dri", name="Synthetic tracker organisation"),
        "ministry": OrganisationFactory(slug="ministry-x", name="Synthetic ministry"),
        "committee": OrganisationFactory(slug="committee-y", name="Synthetic committee"),
        "editor": UserFactory(),
    }


def record(people, commitment, status, day, who="tracker", precision=Precision.DAY, **kwargs):
    return status_update_record(
        commitment=commitment,
        status=status,
        effective_on=day,
        effective_precision=precision,
        assessor=people[who],
        recorded_by=people["editor"],
        today=D(2026, 12, 1),
        **kwargs,
    )


def status_as_of(commitment, day):
    return Commitment.objects.with_status_as_of(day).get(pk=commitment.pk).status_as_of


# --- "No information" is never a view ------------------------------------------------------


def test_no_information_of_the_tracker_does_not_pin_the_headline(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.NO_INFORMATION, D(2021, 1, 1), precision=Precision.YEAR)
    record(people, commitment, Status.PARTIALLY_IMPLEMENTED, D(2024, 8, 1), who="committee")
    record(people, commitment, Status.PARTIALLY_IMPLEMENTED, D(2024, 9, 1), who="ministry")
    commitment.refresh_from_db()
    assert commitment.status == Status.PARTIALLY_IMPLEMENTED
    assert commitment.status_on == D(2024, 9, 1)
    assert status_as_of(commitment, D(2025, 1, 1)) == Status.PARTIALLY_IMPLEMENTED


def test_a_later_no_information_of_the_tracker_leaves_its_real_view_in_place(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IN_PROGRESS, D(2021, 3, 1))
    record(people, commitment, Status.NO_INFORMATION, D(2022, 3, 1))
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert status_as_of(commitment, D(2023, 1, 1)) == Status.IN_PROGRESS


def test_no_information_does_not_make_a_commitment_contested_and_is_no_source_view(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2021, 3, 1), who="ministry")
    record(people, commitment, Status.NO_INFORMATION, D(2022, 3, 1), who="committee")
    commitment.refresh_from_db()
    assert commitment.contested is False
    assert set(Assessment.objects.filter(commitment=commitment).values_list("assessor__slug", flat=True)) == {
        "ministry-x"
    }


def test_only_no_information_gives_no_information_without_a_date(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.NO_INFORMATION, D(2021, 3, 1))
    commitment.refresh_from_db()
    assert (commitment.status, commitment.status_on) == (Status.NO_INFORMATION, None)
    assert status_as_of(commitment, D(2023, 1, 1)) == Status.NO_INFORMATION


HISTORY = st.lists(
    st.tuples(
        st.sampled_from(["tracker", "ministry", "committee"]),
        st.sampled_from(Status.values),
        st.dates(min_value=D(2015, 1, 1), max_value=D(2025, 12, 31)),
        st.sampled_from(Precision.values),
        st.sampled_from([Sensitivity.INTERNAL, Sensitivity.PUBLIC, Sensitivity.RESTRICTED]),
    ),
    min_size=1,
    max_size=8,
)
PROBES = [D(2015, 6, 30), D(2017, 12, 31), D(2019, 1, 1), D(2020, 6, 30), D(2022, 12, 31), D(2026, 1, 1)]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=HISTORY)
def test_the_headline_in_python_and_in_sql_agree_on_every_date(people, history):
    commitment = CommitmentFactory()
    for who, status, day, precision, sensitivity in history:
        if precision == Precision.MONTH:
            day = day.replace(day=1)
        elif precision == Precision.YEAR:
            day = day.replace(month=1, day=1)
        record(
            people,
            commitment,
            status,
            day,
            who=who,
            precision=precision,
            sensitivity=sensitivity,
            restricted_to=[people["editor"]] if sensitivity == Sensitivity.RESTRICTED else (),
        )
    updates = list(StatusUpdate.objects.filter(commitment=commitment))
    own_id = tracker_organisation_id()
    for probe in PROBES:
        in_effect = [u for u in updates if u.takes_effect_on <= probe]
        assert status_as_of(commitment, probe) == derived.derive(in_effect, own_id).status, probe
    commitment.refresh_from_db()
    assert commitment.status == derived.derive(updates, own_id).status
    assert commitment.status == status_as_of(commitment, None)


# --- "Since" means since the status was reached ----------------------------------------------


def test_reconfirming_a_status_keeps_since_and_moves_last_confirmed(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IN_PROGRESS, D(2018, 1, 1), precision=Precision.YEAR)
    record(people, commitment, Status.IMPLEMENTED, D(2020, 1, 1), precision=Precision.YEAR)
    record(people, commitment, Status.IMPLEMENTED, D(2026, 11, 15))
    commitment.refresh_from_db()
    assert commitment.status == Status.IMPLEMENTED
    assert commitment.status_date_display == "2020"
    assert commitment.confirmed_display == "15 November 2026"


def test_since_starts_again_when_the_source_said_something_else_in_between(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2019, 5, 1))
    record(people, commitment, Status.REGRESSED, D(2021, 5, 1))
    record(people, commitment, Status.IMPLEMENTED, D(2023, 5, 1))
    record(people, commitment, Status.IMPLEMENTED, D(2024, 5, 1))
    commitment.refresh_from_db()
    assert (commitment.status_on, commitment.confirmed_on) == (D(2023, 5, 1), D(2024, 5, 1))


@pytest.mark.django_db
def test_the_commitment_page_and_the_list_show_since_and_last_confirmed(client):
    world = make_world()
    for day, precision in ((D(2025, 1, 1), Precision.YEAR), (D(2026, 11, 15), Precision.DAY)):
        status_update_record(
            commitment=world.kp_commitment,
            status=Status.IMPLEMENTED,
            effective_on=day,
            effective_precision=precision,
            assessor=world.dri,
            recorded_by=world.users["editor_kp"],
            today=D(2026, 12, 1),
        )
    client.force_login(world.users["reviewer"])
    page = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert "since 2025" in page
    assert "last confirmed 15 November 2026" in page
    listing = client.get(reverse("commitments:list")).content.decode()
    assert "Last confirmed" in listing and "15 November 2026" in listing
    api = client.get(reverse("api:commitment_detail", args=[world.kp_commitment.pk]))
    assert api.status_code == 200
    body = api.json()
    assert (body["status_on"], body["status_precision"]) == ("2025-01-01", "year")
    assert body["confirmed_on"] == "2026-11-15"


# --- Partial dates take effect at the end of their period -----------------------------------


def test_a_year_only_update_takes_effect_at_the_end_of_its_year(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IN_PROGRESS, D(2019, 3, 1))
    record(people, commitment, Status.IMPLEMENTED, D(2020, 1, 1), precision=Precision.YEAR)
    assert status_as_of(commitment, D(2020, 6, 30)) == Status.IN_PROGRESS
    assert status_as_of(commitment, D(2020, 12, 31)) == Status.IMPLEMENTED


def test_a_month_only_update_takes_effect_at_the_end_of_its_month(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2015, 5, 1), precision=Precision.MONTH)
    assert status_as_of(commitment, D(2015, 5, 30)) == Status.NO_INFORMATION
    assert status_as_of(commitment, D(2015, 5, 31)) == Status.IMPLEMENTED
    assert StatusUpdate.objects.get(commitment=commitment).takes_effect_on == D(2015, 5, 31)


def test_a_day_inside_a_year_decides_before_the_year_does(people):
    # "Implemented, 2020" and "In progress, 15 June 2020": the year ends after the day, so it decides.
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2020, 1, 1), precision=Precision.YEAR)
    record(people, commitment, Status.IN_PROGRESS, D(2020, 6, 15))
    commitment.refresh_from_db()
    assert commitment.status == Status.IMPLEMENTED


def test_the_trend_counts_a_year_only_update_from_december(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2020, 1, 1), precision=Precision.YEAR)
    months = dict(derived.trend(first=D(2020, 1, 1), last=D(2020, 12, 1)))
    assert months[D(2020, 11, 1)][Status.IMPLEMENTED] == 0
    assert months[D(2020, 12, 1)][Status.IMPLEMENTED] == 1


# --- A commitment's own history start --------------------------------------------------------


def test_a_preparatory_step_before_the_instrument_needs_the_commitments_own_history_start(people):
    plan = InstrumentFactory(code="SYN-PLAN-2020", signed_on=None, bound_on=D(2020, 12, 15))
    commitment = CommitmentFactory(instrument=plan)
    with pytest.raises(ValidationError, match="history start"):
        record(people, commitment, Status.IN_PROGRESS, D(2019, 1, 1), precision=Precision.YEAR)
    commitment.history_starts_on = D(2019, 1, 1)
    commitment.history_starts_reason = "Synthetic: the plan was drafted before its adoption."
    commitment_save(commitment=commitment)
    update = record(people, commitment, Status.IN_PROGRESS, D(2019, 1, 1), precision=Precision.YEAR)
    assert update.pk
    with pytest.raises(ValidationError):
        record(people, commitment, Status.IN_PROGRESS, D(2018, 1, 1), precision=Precision.YEAR)


def test_an_own_history_start_needs_a_reason(people):
    commitment = CommitmentFactory()
    commitment.history_starts_on = D(2019, 1, 1)
    with pytest.raises(ValidationError) as error:
        commitment_save(commitment=commitment)
    assert "history_starts_reason" in error.value.message_dict


# --- Recomputing after a rule change -------------------------------------------------------


def test_tracker_rederive_repairs_derived_data_and_changes_nothing_the_second_time(people):
    commitment = CommitmentFactory()
    record(people, commitment, Status.IMPLEMENTED, D(2020, 1, 1), precision=Precision.YEAR)
    record(people, commitment, Status.IMPLEMENTED, D(2024, 2, 1))
    expected = Commitment.objects.values("status", "status_on", "confirmed_on", "contested").get(pk=commitment.pk)
    expected_deltas, expected_counts = derived.stored_month_deltas(), derived.stored_counts()
    # Derived data as an older rule left it.
    Commitment.objects.filter(pk=commitment.pk).update(status=Status.NO_INFORMATION, status_on=D(2024, 2, 1))
    StatusMonthDelta.objects.all().delete()
    StatusCount.objects.all().update(count=7)
    Assessment.objects.all().delete()

    assert derived.rederive_all() == 1
    assert Commitment.objects.values("status", "status_on", "confirmed_on", "contested").get(pk=commitment.pk) == (
        expected
    )
    assert derived.stored_month_deltas() == expected_deltas
    assert derived.stored_counts() == expected_counts
    assert Assessment.objects.filter(commitment=commitment).count() == 1
    derived.check_counts()
    assert derived.rederive_all() == 0
    call_command("tracker_rederive", stdout=io.StringIO())
    assert derived.stored_month_deltas() == expected_deltas
