"""As recorded on a date: a kept report stores what it said, and every as-of date can be read as known on a day."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from commitments import access
from commitments.models import Commitment, ReportRunResult, Status
from commitments.reports import ReportKind, build_report
from commitments.reports.progress import Movement, Scope
from commitments.reports.runs import report_run_keep, write_to_tempfile
from commitments.services.history import status_update_record
from tests.factories import CommitmentFactory, JurisdictionFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def world():
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    admin = UserFactory(username="admin-as-recorded", role=access.ADMINISTRATOR)
    plan = CommitmentFactory(reference="AS-RECORDED-1", jurisdiction=kp)
    status_update_record(
        commitment=plan,
        status=Status.IMPLEMENTED,
        effective_on=D(2021, 3, 1),
        assessor=dri,
        recorded_by=admin,
        recorded_at=moment(D(2021, 3, 2)),
    )
    return {"dri": dri, "kp": kp, "admin": admin, "plan": plan}


def late_regression(world, recorded_on):
    """A "regressed" entry about 2022, recorded long after."""
    return status_update_record(
        commitment=world["plan"],
        status=Status.REGRESSED,
        effective_on=D(2022, 6, 1),
        assessor=world["dri"],
        recorded_by=world["admin"],
        recorded_at=moment(recorded_on),
        today=max(recorded_on, timezone.localdate()),
    )


def report(world, **kwargs):
    arguments = {
        "kind": ReportKind.PROGRESS,
        "user": world["admin"],
        "scope": Scope("jurisdiction", "kp"),
        "date_from": D(2022, 1, 1),
        "date_to": D(2022, 12, 31),
        "audience": "internal",
        "format": "csv",
        **kwargs,
    }
    return build_report(**arguments)


def test_a_kept_report_stores_what_it_said_of_each_commitment(world):
    kept = report(world)
    written, sha256 = write_to_tempfile(kept, "csv")
    run = report_run_keep(user=world["admin"], report=kept, format="csv", output=written, sha256=sha256)
    result = ReportRunResult.objects.get(run=run)
    assert (result.commitment, result.status, result.status_on, result.assessor) == (
        world["plan"],
        Status.IMPLEMENTED,
        D(2021, 3, 1),
        world["dri"],
    )


def test_change_since_a_kept_report_compares_with_what_it_said_not_with_its_period_re_run(world):
    """Kept saying "Implemented"; a "Regressed" about an earlier date recorded later is a slip, not "no change"."""
    kept = report(world, date_to=D(2023, 12, 31))
    written, sha256 = write_to_tempfile(kept, "csv")
    run = report_run_keep(user=world["admin"], report=kept, format="csv", output=written, sha256=sha256)
    run.created_at = moment(D(2024, 1, 5))
    run.save()
    late_regression(world, D(2024, 3, 1))
    since = build_report(kind=ReportKind.SINCE_RUN, user=world["admin"], run=run, audience="internal", format="csv")
    (row,) = list(since.rows())
    assert (row.status_start, row.status_end) == (Status.IMPLEMENTED, Status.REGRESSED)
    assert row.movement == Movement.SLIPPED
    assert [change.status for change in row.changes] == [Status.REGRESSED]


def test_the_list_shows_the_status_on_a_date_as_it_was_known_on_another(client, world):
    late_regression(world, D(2024, 3, 1))
    client.force_login(world["admin"])
    url = reverse("commitments:list")

    def status(**params):
        table = client.get(url, {"q": "AS-RECORDED-1", **params}).context["table"]
        (row,) = table.paginated_rows
        return row.record.status_as_of

    assert status(as_of="2022-12-31") == Status.REGRESSED
    assert status(as_of="2022-12-31", known_on="2023-01-01") == Status.IMPLEMENTED
    assert status(known_on="2023-01-01") == Status.IMPLEMENTED  # as of that day, as known then
    response = client.get(url, {"q": "AS-RECORDED-1", "as_of": "2022-12-31", "known_on": "2023-01-01"})
    assert "Status on 31 December 2022 as known on 1 January 2023" in response.text
    # The status filter applies to the status as known then.
    table = client.get(url, {"as_of": "2022-12-31", "known_on": "2023-01-01", "status": "implemented"})
    assert [row.record.pk for row in table.context["table"].paginated_rows] == [world["plan"].pk]


def test_reports_from_the_page_and_the_command_can_be_read_as_known_on_a_day(client, world, tmp_path):
    late_regression(world, D(2024, 3, 1))
    assert list(report(world).rows())[0].status_end == Status.REGRESSED
    as_known = report(world, known_on=D(2023, 1, 1))
    (row,) = list(as_known.rows())
    assert (row.status_end, row.changes) == (Status.IMPLEMENTED, [])
    assert "as known on" in as_known.period_label

    client.force_login(world["admin"])
    response = client.post(
        reverse("commitments:reports"),
        {
            "kind": "progress",
            "scope": "jurisdiction:kp",
            "date_from": "2022-01-01",
            "date_to": "2022-12-31",
            "known_on": "2023-01-01",
            "group_by": "instrument",
            "audience": "internal",
            "format": "html",
        },
    )
    assert response.status_code == 200
    assert [r.status_end for r in response.context["rows"]] == [Status.IMPLEMENTED]

    target = tmp_path / "kp.csv"
    call_command(
        "report",
        "--as-user",
        world["admin"].username,
        "--scope",
        "jurisdiction:kp",
        "--from",
        "2022-01-01",
        "--to",
        "2022-12-31",
        "--known-on",
        "2023-01-01",
        "--audience",
        "internal",
        "--format",
        "csv",
        "--output",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    text = target.read_text("utf-8-sig")
    assert "Implemented" in text and "Regressed" not in text
    assert Commitment.objects.get(pk=world["plan"].pk).status == Status.REGRESSED  # today's headline
