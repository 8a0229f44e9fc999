"""Reminders for every kind of deadline; one reminder for an item already overdue when a person
is made its focal person; the weekly digest."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from commitments import access
from commitments.choices import DeadlineKind
from commitments.mechanisms import ReportingCycle
from commitments.models import CommitmentFocalPerson, Profile, ReminderSchedule, ReminderSent
from commitments.reminders import send_due_digests, send_due_reminders
from commitments.services.people import reminders_set
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    RecommendationFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    settings.TRACKER_REMINDER_THRESHOLDS = (30, 7, 0, -1)


def aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def punjab():
    return JurisdictionFactory(code="punjab", name="Punjab")


def person(jurisdiction, since):
    user = UserFactory(role=access.VIEWER, date_joined=aware(since))
    ProfileFactory(user=user, read=[jurisdiction], reminders_enabled_at=aware(since))
    return user


def test_a_person_made_focal_person_of_an_overdue_item_is_told_once(punjab):
    user = person(punjab, since=datetime.date(2026, 1, 1))
    commitment = CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 6, 1), reference="OLD-1")
    CommitmentFocalPerson.objects.create(commitment=commitment, user=user, assigned_at=aware(datetime.date(2026, 3, 1)))

    first = send_due_reminders(today=TODAY)
    again = send_due_reminders(today=TODAY + datetime.timedelta(days=1))

    assert [(r.deadline.reference, r.threshold) for r in first] == [(f"{commitment.instrument.code} OLD-1", -1)]
    assert again == [] and len(mail.outbox) == 1


def test_turning_reminders_on_still_sends_nothing_already_overdue(punjab):
    user = person(punjab, since=datetime.date(2020, 1, 1))
    commitment = CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 6, 1))
    # Made focal person long ago, then reminders turned off and on again: the old overdue is not sent.
    CommitmentFocalPerson.objects.create(commitment=commitment, user=user, assigned_at=aware(datetime.date(2024, 1, 1)))
    Profile.objects.filter(user=user).update(reminders_enabled=False)
    reminders_set(user=user, enabled=True, now=aware(datetime.date(2026, 2, 1)))

    assert send_due_reminders(today=TODAY) == []


def test_follow_up_replies_and_computed_reports_are_reminded_saying_what_they_are(punjab):
    user = person(punjab, since=datetime.date(2020, 1, 1))
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    treaty = InstrumentFactory(code="SYN-R", jurisdiction=federal)
    ReportingCycle.objects.create(
        instrument=treaty, deadline=DeadlineKind.PERIODIC_REPORT, period_months=48, rule_text="4 yrs"
    )
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2022, 3, 20))  # computed: due 2026-03-20
    treaty.focal_persons.add(user)
    recommendation = RecommendationFactory(
        commitment__instrument=treaty,
        commitment__jurisdiction=punjab,
        commitment__reference="CO-9",
        mechanism__instrument=treaty,
        follow_up_due_on=datetime.date(2026, 3, 9),
    )
    recommendation.commitment.focal_persons.add(user)

    sent = send_due_reminders(today=TODAY)

    assert sorted((r.deadline.what, r.threshold) for r in sent) == [
        (DeadlineKind.FOLLOW_UP_REPLY, 7),
        (DeadlineKind.PERIODIC_REPORT, 30),
    ]
    body = mail.outbox[0].body
    assert "SYN-R CO-9: follow-up reply" in body
    assert "SYN-R: Periodic report" in body and "[computed from the reporting cycle]" in body
    assert set(ReminderSent.objects.values_list("deadline_kind", flat=True)) == {"periodic_report", "follow_up_reply"}
    assert send_due_reminders(today=TODAY) == []


def test_the_weekly_digest_lists_everything_once_a_week_and_replaces_the_daily_reminders(punjab):
    user = person(punjab, since=datetime.date(2020, 1, 1))
    reminders_set(user=user, enabled=True, schedule=ReminderSchedule.WEEKLY)
    for reference, due in (("LATE", datetime.date(2026, 2, 1)), ("SOON", datetime.date(2026, 3, 10))):
        CommitmentFactory(jurisdiction=punjab, due_on=due, reference=reference).focal_persons.add(user)

    assert send_due_reminders(today=TODAY) == []
    digests = send_due_digests(today=TODAY)
    assert len(digests) == 1 and len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Weekly digest: 2 deadlines"
    assert "LATE" in mail.outbox[0].body and "SOON" in mail.outbox[0].body
    sent_days = [TODAY]
    for offset in range(1, 15):
        day = TODAY + datetime.timedelta(days=offset)
        if send_due_digests(today=day):
            sent_days.append(day)
    assert sent_days == [TODAY, TODAY + datetime.timedelta(days=7), TODAY + datetime.timedelta(days=14)]


def test_a_digest_is_not_sent_to_someone_who_turned_reminders_off(punjab):
    user = person(punjab, since=datetime.date(2020, 1, 1))
    reminders_set(user=user, enabled=False, schedule=ReminderSchedule.WEEKLY)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2026, 3, 10)).focal_persons.add(user)

    assert send_due_digests(today=TODAY) == []


def test_my_settings_chooses_the_weekly_digest(client, punjab):
    user = person(punjab, since=datetime.date(2020, 1, 1))
    client.force_login(user)

    response = client.post(
        "/me/settings/", {"action": "reminders", "reminders_enabled": "on", "reminder_schedule": "weekly"}
    )

    assert response.status_code == 302
    assert Profile.objects.get(user=user).reminder_schedule == ReminderSchedule.WEEKLY
    assert "weekly digest" in client.get("/me/settings/").content.decode()
    assert client.post("/me/settings/", {"action": "reminders", "reminder_schedule": "hourly"}).status_code == 400
