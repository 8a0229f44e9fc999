import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import access
from commitments.models import Profile
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    cedaw = InstrumentFactory(
        code="CEDAW", jurisdiction=federal, next_report_due_on=days(40), next_report_due_source="https://example.org/co"
    )
    late = CommitmentFactory(instrument=cedaw, jurisdiction=punjab, reference="LATE-1", due_on=days(-10))
    soon = CommitmentFactory(instrument=cedaw, jurisdiction=punjab, reference="SOON-1", due_on=days(5))
    hidden = CommitmentFactory(instrument=cedaw, jurisdiction=sindh, reference="HIDDEN-1", due_on=days(5))
    user = UserFactory(role=access.VIEWER)
    ProfileFactory(user=user, read=[punjab])
    return locals()


def sections(response):
    return (
        [row["d"].reference for row in response.context["overdue"]],
        [row["d"].reference for row in response.context["upcoming"]],
    )


def test_the_calendar_needs_a_login(client):
    response = client.get(reverse("commitments:calendar"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_calendar_shows_overdue_and_upcoming_reports_and_deadlines_by_date(client, world):
    client.force_login(world["user"])

    response = client.get(reverse("commitments:calendar"))

    assert sections(response) == (["CEDAW LATE-1"], ["CEDAW SOON-1", "CEDAW: Periodic report"])
    assert b"HIDDEN-1" not in response.content
    assert "10 days overdue" in response.content.decode() and "in 5 days" in response.content.decode()
    assert reverse("commitments:instrument", args=["CEDAW"]).encode() in response.content


def test_the_calendar_filters_like_the_list(client, world):
    client.force_login(world["user"])
    labour = ThemeFactory(slug="labour")
    world["soon"].themes.add(labour)

    assert sections(client.get(reverse("commitments:calendar"), {"when": "overdue"})) == (["CEDAW LATE-1"], [])
    assert sections(client.get(reverse("commitments:calendar"), {"what": "reports"})) == (
        [],
        ["CEDAW: Periodic report"],
    )
    assert sections(client.get(reverse("commitments:calendar"), {"theme": "labour", "what": "commitments"})) == (
        [],
        ["CEDAW SOON-1"],
    )
    assert sections(client.get(reverse("commitments:calendar"), {"jurisdiction": "sindh"})) == ([], [])


def test_a_focal_person_sees_the_reports_they_are_responsible_for_next(client, world):
    ilo = InstrumentFactory(code="C087", next_report_due_on=days(200), next_report_due_source="ILO CEACR request")
    ilo.focal_persons.add(world["user"])
    client.force_login(world["user"])

    response = client.get(reverse("commitments:calendar"), {"mine": "on"})

    assert sections(response) == ([], ["C087: Periodic report"])


def test_the_calendar_offers_the_filtered_feed_address_once_a_token_exists(client, world):
    client.force_login(world["user"])
    assert client.get(reverse("commitments:calendar")).context["feed_url"] is None
    client.post(reverse("commitments:my_settings"), {"action": "token_create"})
    token = Profile.objects.get(user=world["user"]).calendar_token

    response = client.get(reverse("commitments:calendar"), {"what": "reports", "theme": ""})

    assert response.context["feed_url"].endswith(f"/calendar/feed/{token}.ics?what=reports")


def test_the_calendar_page_costs_the_same_queries_for_few_and_many_deadlines(client, world, django_assert_num_queries):
    client.force_login(world["user"])
    url = reverse("commitments:calendar")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"when": "upcoming"})
    for n in range(30):
        CommitmentFactory(instrument=world["cedaw"], jurisdiction=world["punjab"], due_on=days(n))
        InstrumentFactory(next_report_due_on=days(n), next_report_due_source="https://example.org/x")

    # session, user, groups, commitments, instruments, profile, filter choices (jurisdictions, instruments, themes)
    with django_assert_num_queries(len(few)):
        response = client.get(url, {"when": "upcoming"})
    assert len(response.context["upcoming"]) == 2 + 60


def test_my_settings_turns_reminders_off_and_on_again_from_now(client, world):
    client.force_login(world["user"])
    url = reverse("commitments:my_settings")
    assert client.get(url).status_code == 200

    client.post(url, {"action": "reminders"})
    assert Profile.objects.get(user=world["user"]).reminders_enabled is False

    before = timezone.now()
    client.post(url, {"action": "reminders", "reminders_enabled": "on"})
    profile = Profile.objects.get(user=world["user"])
    assert profile.reminders_enabled is True
    assert profile.reminders_enabled_at >= before


def test_saving_reminders_on_when_already_on_keeps_the_date_they_were_turned_on(client, world):
    client.force_login(world["user"])
    since = Profile.objects.get(user=world["user"]).reminders_enabled_at

    client.post(reverse("commitments:my_settings"), {"action": "reminders", "reminders_enabled": "on"})

    assert Profile.objects.get(user=world["user"]).reminders_enabled_at == since


def test_my_settings_creates_and_revokes_the_calendar_token(client, world):
    client.force_login(world["user"])
    url = reverse("commitments:my_settings")

    client.post(url, {"action": "token_create"})
    token = Profile.objects.get(user=world["user"]).calendar_token
    assert token and len(token) >= 40
    assert token.encode() in client.get(url).content

    client.post(url, {"action": "token_revoke"})
    assert Profile.objects.get(user=world["user"]).calendar_token is None
    assert client.get(reverse("commitments:calendar_feed", args=[token])).status_code == 404


def test_opening_my_settings_the_first_time_does_not_reset_when_reminders_started(client):
    user = UserFactory(date_joined=timezone.make_aware(datetime.datetime(2020, 1, 1)))
    client.force_login(user)

    client.get(reverse("commitments:my_settings"))

    assert Profile.objects.get(user=user).reminders_enabled_at == user.date_joined


def test_my_settings_needs_a_login_and_a_known_action(client, world):
    url = reverse("commitments:my_settings")
    assert client.get(url).status_code == 302
    client.force_login(world["user"])
    assert client.post(url, {"action": "something"}).status_code == 400


def test_the_feed_address_follows_the_address_the_page_is_served_on_when_no_base_url_is_set(client, settings, world):
    from commitments.services.people import calendar_token_create

    settings.TRACKER_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["tracker.internal"]
    token = calendar_token_create(user=world["user"])
    client.force_login(world["user"])
    page = client.get(reverse("commitments:calendar"), HTTP_HOST="tracker.internal:8443").content.decode()
    assert f"http://tracker.internal:8443/calendar/feed/{token}.ics" in page
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    page = client.get(reverse("commitments:calendar"), HTTP_HOST="tracker.internal:8443").content.decode()
    assert f"https://tracker.example.org/calendar/feed/{token}.ics" in page
