import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from commitments import access
from commitments.models import Profile, ReminderSent, Status
from commitments.reminders import send_due_reminders
from commitments.services.people import reminders_set
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    StatusUpdateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    settings.TRACKER_REMINDER_THRESHOLDS = (30, 7, 0, -1)


def long_ago():
    return timezone.make_aware(datetime.datetime(2020, 1, 1))


def focal_person(jurisdiction, **kwargs):
    user = UserFactory(role=access.VIEWER, date_joined=long_ago(), **kwargs)
    ProfileFactory(user=user, read=[jurisdiction], reminders_enabled_at=long_ago())
    return user


def run_month(start=START, days=45):
    """One run a day; returns {date: [messages sent that day]}."""
    outbox = {}
    for offset in range(days):
        today = start + datetime.timedelta(days=offset)
        before = len(mail.outbox)
        send_due_reminders(today=today)
        outbox[today] = mail.outbox[before:]
    return outbox


def days_with_mail(outbox):
    return [day for day, messages in outbox.items() if messages]


def test_daily_runs_over_a_month_send_each_threshold_once_and_the_overdue_reminder_once():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    due = datetime.date(2025, 2, 5)
    commitment = CommitmentFactory(jurisdiction=punjab, due_on=due, reference="CO-12")
    commitment.focal_persons.add(user)

    outbox = run_month(start=datetime.date(2025, 1, 1), days=45)

    assert days_with_mail(outbox) == [
        datetime.date(2025, 1, 6),  # 30 days before
        datetime.date(2025, 1, 29),  # 7 days before
        datetime.date(2025, 2, 5),  # due today
        datetime.date(2025, 2, 6),  # overdue
    ]
    assert all(len(messages) == 1 for messages in outbox.values() if messages)
    assert sorted(ReminderSent.objects.values_list("threshold", flat=True)) == [-1, 0, 7, 30]
    first = outbox[datetime.date(2025, 1, 6)][0]
    assert first.to == [user.email]
    assert "INS" in first.body and "CO-12" in first.body and "2025-02-05" in first.body
    assert f"https://tracker.example.org/commitments/{commitment.pk}/" in first.body
    assert "due in 30 days" in first.body
    assert "overdue by 1 day" in outbox[datetime.date(2025, 2, 6)][0].body


def test_running_twice_on_the_same_day_sends_nothing_the_second_time():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(user)

    assert len(send_due_reminders(today=START)) == 1
    assert send_due_reminders(today=START) == []
    assert len(mail.outbox) == 1


def test_a_missed_week_is_caught_up_with_the_most_urgent_threshold_only():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 6)).focal_persons.add(user)

    sent = send_due_reminders(today=START)  # five days left: 30 and 7 both reached

    assert [r.threshold for r in sent] == [7]
    assert len(mail.outbox) == 1


def test_report_deadlines_remind_the_instruments_focal_persons():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    user = focal_person(federal)
    instrument = InstrumentFactory(
        code="CEDAW",
        jurisdiction=federal,
        next_report_due_on=datetime.date(2025, 1, 31),
        next_report_due_source="https://example.org/concluding-observations",
    )
    instrument.focal_persons.add(user)

    sent = send_due_reminders(today=START)

    assert [(r.deadline.reference, r.threshold) for r in sent] == [("CEDAW: Periodic report", 30)]
    assert "https://tracker.example.org/instruments/CEDAW/" in mail.outbox[0].body
    assert ReminderSent.objects.get().instrument == instrument


def test_one_email_per_person_lists_all_their_deadlines_of_the_day():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    for reference in ("A-1", "A-2"):
        CommitmentFactory(
            jurisdiction=punjab, due_on=datetime.date(2025, 1, 31), reference=reference
        ).focal_persons.add(user)

    send_due_reminders(today=START)

    assert len(mail.outbox) == 1
    assert "A-1" in mail.outbox[0].body and "A-2" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reminder: 2 deadlines"


def test_emails_carry_no_notes_or_evidence_titles_or_descriptions():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    commitment = CommitmentFactory(
        jurisdiction=punjab,
        due_on=datetime.date(2025, 1, 31),
        description="Secret description of the plan",
        title="Confidential title words",
    )
    StatusUpdateFactory(commitment=commitment, note="Witness name in a note")
    commitment.focal_persons.add(user)

    send_due_reminders(today=START)

    body = mail.outbox[0].body + mail.outbox[0].subject
    assert "Witness" not in body and "Secret description" not in body and "Confidential title" not in body


def test_a_person_who_turned_reminders_off_gets_none():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    Profile.objects.filter(user=user).update(reminders_enabled=False)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(user)

    assert send_due_reminders(today=START) == []
    assert mail.outbox == []


def test_thresholds_reached_before_reminders_were_turned_on_are_not_sent():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    Profile.objects.filter(user=user).update(reminders_enabled=False)
    due = datetime.date(2025, 2, 5)
    CommitmentFactory(jurisdiction=punjab, due_on=due).focal_persons.add(user)
    # Turned back on 20 days before the deadline: the 30-day threshold had already been reached.
    reminders_set(user=user, enabled=True, now=timezone.make_aware(datetime.datetime(2025, 1, 16, 9)))

    outbox = run_month(start=datetime.date(2025, 1, 1), days=45)

    assert days_with_mail(outbox) == [datetime.date(2025, 1, 29), datetime.date(2025, 2, 5), datetime.date(2025, 2, 6)]


def test_an_old_overdue_deadline_is_not_sent_to_someone_who_just_turned_reminders_on():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    Profile.objects.filter(user=user).update(reminders_enabled=False)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2024, 6, 1)).focal_persons.add(user)
    reminders_set(user=user, enabled=True, now=timezone.make_aware(datetime.datetime(2025, 1, 1, 9)))

    assert send_due_reminders(today=START) == []


def test_a_focal_person_who_cannot_read_the_jurisdiction_is_not_told_about_it():
    punjab, sindh = JurisdictionFactory(code="punjab"), JurisdictionFactory(code="sindh")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=sindh, due_on=datetime.date(2025, 1, 31)).focal_persons.add(user)

    assert send_due_reminders(today=START) == []
    assert mail.outbox == []


def test_implemented_commitments_and_inactive_or_emailless_people_get_no_reminder():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    done = CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31))
    StatusUpdateFactory(commitment=done, status=Status.IMPLEMENTED, effective_on=datetime.date(2024, 12, 1))
    done.focal_persons.add(user)
    inactive = focal_person(punjab, is_active=False)
    no_email = focal_person(punjab, email="")
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(inactive, no_email)

    assert send_due_reminders(today=START) == []


def test_a_moved_deadline_starts_its_reminders_again():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    commitment = CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31))
    commitment.focal_persons.add(user)
    send_due_reminders(today=START)
    commitment.due_on = datetime.date(2025, 3, 1)
    commitment.save()

    assert send_due_reminders(today=datetime.date(2025, 1, 2)) == []
    assert [r.threshold for r in send_due_reminders(today=datetime.date(2025, 1, 30))] == [30]


def test_dry_run_prints_what_it_would_send_and_sends_and_records_nothing():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31), reference="DRY-1").focal_persons.add(user)
    out = io.StringIO()

    call_command("send_reminders", "--today", "2025-01-01", "--dry-run", stdout=out)

    assert "Would send to" in out.getvalue() and "DRY-1" in out.getvalue()
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_the_command_sends_for_the_day_it_is_given():
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(user)
    out = io.StringIO()

    call_command("send_reminders", "--today", "2024-12-31", stdout=out)
    assert mail.outbox == []
    call_command("send_reminders", "--today", "2025-01-01", stdout=out)

    assert len(mail.outbox) == 1
    assert "Sent 1 reminder(s) to 1 person(s) for 2025-01-01." in out.getvalue()


def test_the_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", "--today", "5 January")


def test_a_failed_send_records_nothing_so_the_next_run_tries_again(monkeypatch):
    punjab = JurisdictionFactory(code="punjab")
    user = focal_person(punjab)
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(user)

    def broken_send(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    assert send_due_reminders(today=START) == []
    assert not ReminderSent.objects.exists()
    monkeypatch.undo()

    assert len(send_due_reminders(today=datetime.date(2025, 1, 2))) == 1
    assert len(mail.outbox) == 1


def test_a_user_without_a_profile_is_reminded_since_the_account_exists():
    punjab = JurisdictionFactory(code="punjab")
    editor = UserFactory(role=access.ADMINISTRATOR, date_joined=long_ago())
    CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31)).focal_persons.add(editor)

    assert len(send_due_reminders(today=START)) == 1


def test_a_reminder_is_written_in_the_language_on_the_persons_profile():
    punjab = JurisdictionFactory(code="punjab")
    urdu_reader = focal_person(punjab)
    Profile.objects.filter(user=urdu_reader).update(language="ur")
    english_reader = focal_person(punjab)
    commitment = CommitmentFactory(jurisdiction=punjab, due_on=datetime.date(2025, 1, 31), reference="CO-13")
    commitment.focal_persons.add(urdu_reader, english_reader)

    send_due_reminders(today=START)

    by_person = {message.to[0]: message for message in mail.outbox}
    urdu = by_person[urdu_reader.email]
    assert urdu.subject == "یاد دہانی: 1 مقررہ تاریخ"
    assert "30 دن میں واجب" in urdu.body and "CO-13" in urdu.body
    assert by_person[english_reader.email].subject == "Reminder: 1 deadline"
