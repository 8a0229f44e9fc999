"""'Since the last review' and 'since a kept report': what moved forward, slipped back, is new."""

import datetime

import pytest

from commitments import access
from commitments.models import Sensitivity, Status
from commitments.reports.progress import Movement, Scope, build_since_review_report, build_since_run_report
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ReportRunFactory,
    ReviewFactory,
    StatusUpdateFactory,
    UserFactory,
)

D = datetime.date
TODAY = D(2025, 6, 30)


@pytest.fixture
def constructed(db):
    """Two instruments reviewed on different dates, and commitments whose histories cross them."""
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    early = InstrumentFactory(code="EARLY")
    late = InstrumentFactory(code="LATE")
    unreviewed = InstrumentFactory(code="NEVER")
    recorder = UserFactory(username="recorder")
    ReviewFactory(instrument=early, reviewed_on=D(2019, 5, 1))
    ReviewFactory(instrument=early, reviewed_on=D(2022, 3, 1))  # the last one counts
    ReviewFactory(instrument=late, reviewed_on=D(2024, 1, 10))
    ReviewFactory(instrument=late, reviewed_on=D(2026, 1, 1))  # after today: not yet held

    def commitment(reference, instrument, history):
        item = CommitmentFactory(reference=reference, instrument=instrument, jurisdiction=kp)
        for day, status in history:
            StatusUpdateFactory(
                commitment=item,
                status=status,
                effective_on=day,
                assessor=dri,
                recorded_by=recorder,
                today=TODAY,
                sensitivity=Sensitivity.PUBLIC,
            )
        return item

    return {
        # Early instrument, compared from 1 March 2022.
        "forward": commitment("E-1", early, [(D(2021, 1, 1), Status.NOT_STARTED), (D(2023, 1, 1), Status.IN_PROGRESS)]),
        "slipped": commitment("E-2", early, [(D(2020, 1, 1), Status.IMPLEMENTED), (D(2024, 1, 1), Status.REGRESSED)]),
        "new": commitment("E-3", early, [(D(2023, 6, 1), Status.NOT_STARTED)]),
        "same": commitment("E-4", early, [(D(2021, 1, 1), Status.IN_PROGRESS), (D(2022, 3, 1), Status.IN_PROGRESS)]),
        # Moved before the review, then nothing: unchanged since the review.
        "moved_before": commitment(
            "E-5", early, [(D(2021, 1, 1), Status.NOT_STARTED), (D(2022, 2, 1), Status.IMPLEMENTED)]
        ),
        # Late instrument, compared from 10 January 2024: the 2023 change is before its review.
        "late_same": commitment(
            "L-1", late, [(D(2023, 1, 1), Status.NOT_STARTED), (D(2023, 9, 1), Status.IN_PROGRESS)]
        ),
        "late_slipped": commitment("L-2", late, [(D(2023, 9, 1), Status.IN_PROGRESS), (D(2024, 2, 1), Status.STALLED)]),
        "unreviewed": commitment("N-1", unreviewed, [(D(2023, 1, 1), Status.IN_PROGRESS)]),
    }


def sets(report):
    result = {}
    for row in report.rows():
        result.setdefault(row.movement, set()).add(row.reference)
    return result


def test_since_the_last_review_gives_the_moved_slipped_and_new_sets(constructed):
    admin = UserFactory(role=access.ADMINISTRATOR)
    report = build_since_review_report(user=admin, scope=Scope("all"), today=TODAY)
    assert sets(report) == {
        Movement.FORWARD: {"E-1"},
        Movement.SLIPPED: {"E-2", "L-2"},
        Movement.NEW: {"E-3"},
        Movement.UNCHANGED: {"E-4", "E-5", "L-1"},
    }
    assert (report.moved_forward, report.slipped_back, report.new) == (1, 2, 1)
    assert report.without_review == 1


def test_each_commitment_is_compared_from_its_own_instruments_last_review(constructed):
    admin = UserFactory(role=access.ADMINISTRATOR)
    rows = {row.reference: row for row in build_since_review_report(user=admin, scope=Scope("all"), today=TODAY).rows()}
    assert rows["E-1"].baseline == D(2022, 3, 1)
    assert rows["L-2"].baseline == D(2024, 1, 10)
    assert (rows["L-1"].status_start, rows["L-1"].status_end) == (Status.IN_PROGRESS, Status.IN_PROGRESS)
    # Only the updates after the review are listed as changes (the one on the review day is part of the start).
    assert [c.effective_on for c in rows["E-4"].changes] == []
    assert [c.effective_on for c in rows["E-2"].changes] == [D(2024, 1, 1)]
    assert [c.effective_on for c in rows["L-2"].changes] == [D(2024, 2, 1)]


def test_since_the_last_review_respects_the_scope(constructed):
    admin = UserFactory(role=access.ADMINISTRATOR)
    report = build_since_review_report(user=admin, scope=Scope("instrument", "LATE"), today=TODAY)
    assert {row.reference for row in report.rows()} == {"L-1", "L-2"}


def test_since_a_kept_report_compares_with_the_end_of_its_period(constructed):
    admin = UserFactory(role=access.ADMINISTRATOR)
    run = ReportRunFactory(
        scope={"kind": "instrument", "value": "EARLY"}, period_from=D(2022, 1, 1), period_to=D(2023, 3, 31)
    )
    report = build_since_run_report(user=admin, run=run, today=TODAY)
    assert report.date_from == D(2023, 4, 1)
    assert sets(report) == {
        Movement.SLIPPED: {"E-2"},
        Movement.NEW: {"E-3"},  # first recorded in June 2023, after the kept report
        Movement.UNCHANGED: {"E-1", "E-4", "E-5"},
    }
