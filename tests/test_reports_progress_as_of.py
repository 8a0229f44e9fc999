"""As-of correctness of progress reports: the status on any date and the changes in any period."""

import datetime

import pytest

from commitments import access
from commitments.choices import Audience
from commitments.models import Sensitivity, Status
from commitments.reports.progress import Movement, Scope, build_progress_report, movement
from tests.factories import (
    CommitmentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    StatusUpdateFactory,
    UserFactory,
)

D = datetime.date
HISTORY = [
    (D(2024, 1, 10), Status.NOT_STARTED),
    (D(2024, 3, 5), Status.IN_PROGRESS),
    (D(2024, 6, 20), Status.IMPLEMENTED),
    (D(2024, 9, 1), Status.REGRESSED),
]


def expected_status(day):
    status = Status.NO_INFORMATION
    for effective_on, value in HISTORY:
        if effective_on <= day:
            status = value
    return status


@pytest.fixture
def history(db):
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    commitment = CommitmentFactory(
        reference="KP-1", jurisdiction=JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    )
    recorder = UserFactory(username="amina", first_name="Amina", last_name="Khan")
    for effective_on, status in HISTORY:
        StatusUpdateFactory(
            commitment=commitment,
            status=status,
            effective_on=effective_on,
            assessor=dri,
            recorded_by=recorder,
            sensitivity=Sensitivity.PUBLIC,
            today=D(2025, 1, 1),
        )
    return commitment


def report(user, date_from, date_to, **kwargs):
    return build_progress_report(
        user=user, scope=Scope("jurisdiction", "kp"), date_from=date_from, date_to=date_to, **kwargs
    )


def test_status_at_start_and_end_follows_the_history_on_every_date(history):
    admin = UserFactory(role=access.ADMINISTRATOR)
    day = D(2023, 12, 25)
    while day <= D(2024, 10, 10):
        result = report(admin, day, day)
        (row,) = list(result.rows())
        assert row.status_start == expected_status(day - datetime.timedelta(days=1)), day
        assert row.status_end == expected_status(day), day
        day += datetime.timedelta(days=4)


@pytest.mark.parametrize(
    ("date_from", "date_to", "statuses"),
    [
        (
            D(2024, 1, 1),
            D(2024, 12, 31),
            [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IMPLEMENTED, Status.REGRESSED],
        ),
        (D(2024, 3, 5), D(2024, 6, 20), [Status.IN_PROGRESS, Status.IMPLEMENTED]),
        (D(2024, 3, 6), D(2024, 6, 19), []),
        (D(2024, 6, 21), D(2024, 12, 31), [Status.REGRESSED]),
        (D(2023, 1, 1), D(2023, 12, 31), []),
    ],
)
def test_changes_are_the_updates_effective_within_the_period(history, date_from, date_to, statuses):
    admin = UserFactory(role=access.ADMINISTRATOR)
    (row,) = list(report(admin, date_from, date_to).rows())
    assert [c.status for c in row.changes] == statuses
    assert all(c.recorded_by == "Amina Khan" for c in row.changes)


def test_summary_counts_both_dates_and_movement(history):
    admin = UserFactory(role=access.ADMINISTRATOR)
    CommitmentFactory(jurisdiction=history.jurisdiction)  # never assessed
    result = report(admin, D(2024, 4, 1), D(2024, 7, 1))
    counts = {line.status: (line.start, line.end) for line in result.summary}
    assert counts[Status.IN_PROGRESS] == (1, 0)
    assert counts[Status.IMPLEMENTED] == (0, 1)
    assert counts[Status.NO_INFORMATION] == (1, 1)
    assert (result.total, result.moved_forward, result.slipped_back, result.new) == (2, 1, 0, 0)
    assert report(admin, D(2024, 7, 1), D(2024, 12, 1)).slipped_back == 1
    assert report(admin, D(2024, 1, 1), D(2024, 2, 1)).new == 1


def test_overdue_at_the_end_date_uses_the_status_on_that_date(history):
    admin = UserFactory(role=access.ADMINISTRATOR)
    history.due_on = D(2024, 5, 1)
    history.save()
    assert report(admin, D(2024, 1, 1), D(2024, 5, 31)).overdue_end == 1
    assert report(admin, D(2024, 1, 1), D(2024, 7, 31)).overdue_end == 0  # implemented by then
    assert report(admin, D(2024, 1, 1), D(2024, 4, 30)).overdue_end == 0  # not yet due
    (row,) = list(report(admin, D(2024, 1, 1), D(2024, 12, 31)).rows())
    assert row.overdue_end


def test_each_source_is_shown_where_sources_disagree_at_the_end_date(history):
    admin = UserFactory(role=access.ADMINISTRATOR)
    hrcp = OrganisationFactory(name="Civil society monitor", kind="civil_society")
    StatusUpdateFactory(
        commitment=history,
        status=Status.IN_PROGRESS,
        effective_on=D(2024, 8, 1),
        assessor=hrcp,
        sensitivity=Sensitivity.PUBLIC,
        today=D(2025, 1, 1),
    )
    (row,) = list(report(admin, D(2024, 1, 1), D(2024, 8, 15)).rows())
    assert {(v.assessor, v.status) for v in row.source_views} == {
        ("Tracker organisation", Status.IMPLEMENTED),
        ("Civil society monitor", Status.IN_PROGRESS),
    }
    (row,) = list(report(admin, D(2024, 1, 1), D(2024, 7, 15)).rows())
    assert row.source_views == []  # only one source had spoken by then


def test_an_external_report_holds_only_public_items_and_no_staff_names(history):
    admin = UserFactory(role=access.ADMINISTRATOR)
    StatusUpdateFactory(
        commitment=history,
        status=Status.STALLED,
        effective_on=D(2024, 10, 1),
        assessor=history.updates.first().assessor,
        note="Internal: the minister's office is blocking this",
        sensitivity=Sensitivity.INTERNAL,
        today=D(2025, 1, 1),
    )
    internal = report(admin, D(2024, 1, 1), D(2024, 12, 31))
    external = report(admin, D(2024, 1, 1), D(2024, 12, 31), audience=Audience.EXTERNAL)
    (internal_row,) = list(internal.rows())
    (external_row,) = list(external.rows())
    assert internal_row.status_end == Status.STALLED
    assert external_row.status_end == Status.REGRESSED
    assert Status.STALLED not in [c.status for c in external_row.changes]
    assert all(c.recorded_by == "" for c in external_row.changes)
    assert external.generated_by == "Tracker organisation"


def test_a_report_shows_nothing_of_a_jurisdiction_the_user_may_not_read(history):
    from tests.factories import ProfileFactory

    outsider = UserFactory(role=access.VIEWER)
    ProfileFactory(user=outsider, read=[JurisdictionFactory(code="punjab", name="Punjab")])
    result = report(outsider, D(2024, 1, 1), D(2024, 12, 31))
    assert result.total == 0
    assert list(result.rows()) == []


def test_movement_classifies_each_pair_of_statuses():
    assert movement(Status.NOT_STARTED, Status.IN_PROGRESS) == Movement.FORWARD
    assert movement(Status.IMPLEMENTED, Status.REGRESSED) == Movement.SLIPPED
    assert movement(Status.IN_PROGRESS, Status.STALLED) == Movement.SLIPPED
    assert movement(Status.NO_INFORMATION, Status.STALLED) == Movement.NEW
    assert movement(Status.IN_PROGRESS, Status.IN_PROGRESS) == Movement.UNCHANGED


def test_an_update_known_only_to_its_year_counts_at_the_end_of_that_year(db):
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    commitment = CommitmentFactory(
        reference="KP-PLAN", jurisdiction=JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    )
    for day, precision, status in (
        (D(2019, 1, 1), "year", Status.IN_PROGRESS),
        (D(2020, 1, 1), "year", Status.IMPLEMENTED),
    ):
        StatusUpdateFactory(
            commitment=commitment,
            status=status,
            effective_on=day,
            effective_precision=precision,
            assessor=dri,
            sensitivity=Sensitivity.PUBLIC,
            today=D(2025, 1, 1),
        )
    admin = UserFactory(role=access.ADMINISTRATOR)
    (first_half,) = list(report(admin, D(2020, 1, 1), D(2020, 6, 30)).rows())
    assert (first_half.status_start, first_half.status_end) == (Status.IN_PROGRESS, Status.IN_PROGRESS)
    assert first_half.changes == []
    (second_half,) = list(report(admin, D(2020, 7, 1), D(2020, 12, 31)).rows())
    assert second_half.status_end == Status.IMPLEMENTED
    assert [c.status for c in second_half.changes] == [Status.IMPLEMENTED]
