import datetime

import icalendar
import pytest
from django.urls import reverse

from commitments import access
from commitments.models import Profile, Status
from commitments.services.people import calendar_token_create, calendar_token_revoke
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    StatusUpdateFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.TRACKER_BASE_URL = "https://tracker.example.org"


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    labour = ThemeFactory(slug="labour", name="Labour")
    cedaw = InstrumentFactory(
        code="CEDAW",
        jurisdiction=federal,
        next_report_due_on=datetime.date(2026, 3, 1),
        next_report_due_source="https://example.org/cedaw-co",
    )
    ilo = InstrumentFactory(
        code="C087",
        jurisdiction=federal,
        kind="ilo_fundamental",
        next_report_due_on=datetime.date(2025, 9, 1),
        next_report_due_source="https://example.org/ilo",
    )
    punjab_plan = CommitmentFactory(
        instrument=cedaw,
        jurisdiction=punjab,
        reference="P-1",
        due_on=datetime.date(2025, 12, 31),
        description="Internal planning notes",
    )
    punjab_labour = CommitmentFactory(
        instrument=ilo, jurisdiction=punjab, reference="P-2", due_on=datetime.date(2024, 6, 30), themes=[labour]
    )
    sindh_secret = CommitmentFactory(
        instrument=cedaw, jurisdiction=sindh, reference="S-1", due_on=datetime.date(2025, 11, 1)
    )
    undated = CommitmentFactory(instrument=cedaw, jurisdiction=punjab, reference="P-3")
    user = UserFactory(role=access.VIEWER)
    ProfileFactory(user=user, read=[punjab])
    return locals()


def feed(client, user, query=""):
    token = calendar_token_create(user=user)
    return client.get(reverse("commitments:calendar_feed", args=[token]) + query)


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_the_feed_parses_and_holds_every_visible_deadline_and_nothing_else(client, world):
    found = events(feed(client, world["user"]))

    assert set(found) == {
        "Due: CEDAW P-1",
        "Due: C087 P-2",
        "Report due: CEDAW: Periodic report",
        "Report due: C087: Periodic report",
    }
    p1 = found["Due: CEDAW P-1"]
    assert p1.decoded("dtstart") == datetime.date(2025, 12, 31)
    assert p1.decoded("dtend") == datetime.date(2026, 1, 1)
    assert str(p1["url"]) == f"https://tracker.example.org/commitments/{world['punjab_plan'].pk}/"
    assert found["Report due: CEDAW: Periodic report"].decoded("dtstart") == datetime.date(2026, 3, 1)


def test_a_users_feed_never_includes_commitments_of_jurisdictions_they_cannot_read(client, world):
    response = feed(client, world["user"])

    assert b"S-1" not in response.content
    assert "Due: CEDAW S-1" not in events(response)


def test_the_feed_holds_exactly_the_filtered_deadlines(client, world):
    assert set(events(feed(client, world["user"], "?theme=labour&what=commitments"))) == {"Due: C087 P-2"}
    assert set(events(feed(client, world["user"], "?kind=ilo_fundamental"))) == {
        "Due: C087 P-2",
        "Report due: C087: Periodic report",
    }
    assert set(events(feed(client, world["user"], "?instrument=CEDAW&what=reports"))) == {
        "Report due: CEDAW: Periodic report"
    }
    assert set(events(feed(client, world["user"], "?jurisdiction=federal"))) == {
        "Report due: CEDAW: Periodic report",
        "Report due: C087: Periodic report",
    }


def test_the_focal_person_filter_keeps_only_their_own_deadlines(client, world):
    world["cedaw"].focal_persons.add(world["user"])
    world["punjab_plan"].focal_persons.add(world["user"])

    assert set(events(feed(client, world["user"], "?mine=on"))) == {
        "Due: CEDAW P-1",
        "Report due: CEDAW: Periodic report",
    }


def test_implemented_commitments_leave_the_feed(client, world):
    StatusUpdateFactory(
        commitment=world["punjab_plan"], status=Status.IMPLEMENTED, effective_on=datetime.date(2024, 2, 1)
    )

    assert "Due: CEDAW P-1" not in events(feed(client, world["user"]))


def test_events_carry_only_the_reference_the_date_and_a_link(client, world):
    response = feed(client, world["user"])

    assert b"Internal planning notes" not in response.content
    assert world["punjab_plan"].title.encode() not in response.content


def test_a_revoked_token_gets_404(client, world):
    token = calendar_token_create(user=world["user"])
    url = reverse("commitments:calendar_feed", args=[token])
    assert client.get(url).status_code == 200

    calendar_token_revoke(user=world["user"])

    assert client.get(url).status_code == 404


def test_a_replaced_token_gets_404_and_the_new_one_works(client, world):
    old = calendar_token_create(user=world["user"])
    new = calendar_token_create(user=world["user"])

    assert client.get(reverse("commitments:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("commitments:calendar_feed", args=[new])).status_code == 200


def test_an_unknown_token_or_a_deactivated_user_gets_404(client, world):
    assert client.get(reverse("commitments:calendar_feed", args=["not-a-token"])).status_code == 404
    token = calendar_token_create(user=world["user"])
    world["user"].is_active = False
    world["user"].save()

    assert client.get(reverse("commitments:calendar_feed", args=[token])).status_code == 404


def test_the_feed_needs_no_session_and_sets_no_cookie(client, world):
    response = feed(client, world["user"])

    assert response.status_code == 200
    assert not response.cookies


def test_the_feed_costs_the_same_queries_for_few_and_many_deadlines(client, world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = calendar_token_create(user=world["user"])
    url = reverse("commitments:calendar_feed", args=[token])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(25):
        CommitmentFactory(instrument=world["cedaw"], jurisdiction=world["punjab"], due_on=datetime.date(2025, 5, 1))
        InstrumentFactory(
            jurisdiction=world["federal"],
            next_report_due_on=datetime.date(2027, 1, 1),
            next_report_due_source="https://example.org/x",
        )
    # token -> user and profile, the user's groups, commitments, instruments
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert len(events(response)) == 4 + 50


def test_a_filter_value_not_understood_is_ignored_and_the_rest_still_applies(client, world):
    assert set(events(feed(client, world["user"], "?what=reports&jurisdiction=atlantis"))) == {
        "Report due: CEDAW: Periodic report",
        "Report due: C087: Periodic report",
    }


def test_a_deadline_stored_on_the_last_day_a_date_can_hold_does_not_break_the_feed(client, world):
    """Stored before the model refused such dates (9999-12-31 has no day after it)."""
    from commitments.models import Commitment

    Commitment.objects.filter(pk=world["undated"].pk).update(due_on=datetime.date.max)
    found = events(feed(client, world["user"]))
    assert found["Due: CEDAW P-3"]["dtstart"].dt == datetime.date.max
    assert "dtend" not in found["Due: CEDAW P-3"]
    assert client.get(reverse("commitments:calendar")).status_code in (200, 302)


def test_an_instrument_code_stored_with_a_slash_does_not_break_the_feed_or_the_pages(client, world):
    from commitments.models import Instrument

    Instrument.objects.filter(pk=world["cedaw"].pk).update(code="CEDAW/OP")
    assert "Due: CEDAW/OP P-1" in events(feed(client, world["user"]))
    client.force_login(world["user"])
    for url in (reverse("commitments:list"), reverse("commitments:calendar"), "/instruments/CEDAW/OP/"):
        assert client.get(url).status_code == 200, url


def test_the_feed_speaks_the_language_on_its_owners_profile(client, world):
    Profile.objects.filter(user=world["user"]).update(language="ur")
    found = events(feed(client, world["user"]))
    assert "مقررہ تاریخ: CEDAW P-1" in found
    assert "رپورٹ واجب الادا: CEDAW: متواتر رپورٹ" in found
