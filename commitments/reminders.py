"""Email reminders to focal persons as deadlines approach.

Run once a day (`manage.py send_reminders`). For each focal person and each of their
deadlines, the most urgent threshold reached (settings.TRACKER_REMINDER_THRESHOLDS: days
before the due date; 0 = due today; negative = overdue) is sent once, and a ReminderSent
row makes sure it is never sent again. A day the job did not run is caught up on the next
run with the most urgent threshold only. A threshold reached before the person turned
reminders on is not sent. Emails carry the reference, the due date and a link: never
notes or evidence.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Commitment, Instrument, Profile, ReminderSent
from .selectors.deadlines import Deadline, absolute_url, commitment_deadline, report_deadline

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One deadline to remind one person of, at one threshold."""

    user: object
    deadline: Deadline
    threshold: int

    def describe(self, today):
        days = self.deadline.days_left(today)
        if days > 0:
            when = ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
        elif days == 0:
            when = _("due today")
        else:
            when = ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {"days": -days}
        return _("%(reference)s: %(when)s (%(date)s)") % {
            "reference": self.deadline.reference,
            "when": when,
            "date": self.deadline.due_on.isoformat(),
        }


def thresholds():
    """The thresholds, least urgent first (30, 7, 0, -1)."""
    return sorted(set(settings.TRACKER_REMINDER_THRESHOLDS), reverse=True)


def threshold_reached(due_on, today):
    """The most urgent threshold reached on `today` for a deadline on `due_on`, or None."""
    days_left = (due_on - today).days
    reached = [t for t in thresholds() if days_left <= t]
    return min(reached) if reached else None


def threshold_reached_on(due_on, threshold):
    """The day a threshold is reached: 30 days before, on the due day, the day after (overdue)."""
    return due_on - datetime.timedelta(days=threshold)


def reminders_on_since(user, profiles):
    """The day from which `user` wants reminders, or None if they turned them off."""
    profile = profiles.get(user.pk)
    if profile is None:
        # No profile yet: the default is on, since the account exists.
        return timezone.localdate(user.date_joined)
    if not profile.reminders_enabled:
        return None
    return timezone.localdate(profile.reminders_enabled_at)


def due_reminders(*, today):
    """Every reminder due on `today` and not sent before, grouped by nothing: a flat list."""
    horizon = today + datetime.timedelta(days=max(thresholds()))
    User = get_user_model()

    commitment_links = list(
        Commitment.focal_persons.through.objects.filter(
            commitment__in=Commitment.objects.with_open_deadline().filter(due_on__lte=horizon),
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user_id", "commitment_id")
    )
    instrument_links = list(
        Instrument.focal_persons.through.objects.filter(
            instrument__next_report_due_on__isnull=False,
            instrument__next_report_due_on__lte=horizon,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user_id", "instrument_id")
    )
    user_ids = {u for u, _c in commitment_links} | {u for u, _i in instrument_links}
    if not user_ids:
        return []
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=user_ids)}
    commitments = {
        c.pk: c
        for c in Commitment.objects.filter(pk__in={c for _u, c in commitment_links}).select_related(
            "instrument", "jurisdiction"
        )
    }
    instruments = {
        i.pk: i
        for i in Instrument.objects.filter(pk__in={i for _u, i in instrument_links}).select_related("jurisdiction")
    }
    sent_commitments = set(
        ReminderSent.objects.filter(commitment_id__in=commitments, user_id__in=user_ids).values_list(
            "user_id", "commitment_id", "due_on", "threshold"
        )
    )
    sent_instruments = set(
        ReminderSent.objects.filter(instrument_id__in=instruments, user_id__in=user_ids).values_list(
            "user_id", "instrument_id", "due_on", "threshold"
        )
    )

    by_user = {}
    for user_id, commitment_id in commitment_links:
        by_user.setdefault(user_id, ([], []))[0].append(commitment_id)
    for user_id, instrument_id in instrument_links:
        by_user.setdefault(user_id, ([], []))[1].append(instrument_id)

    reminders = []
    for user_id in sorted(by_user):
        user = users[user_id]
        since = reminders_on_since(user, profiles)
        if since is None:
            continue
        commitment_ids, instrument_ids = by_user[user_id]
        # A focal person who can no longer read a commitment is not told about it.
        readable = (
            set(Commitment.objects.visible_to(user).filter(pk__in=commitment_ids).values_list("pk", flat=True))
            if commitment_ids
            else set()
        )
        for commitment_id in sorted(commitment_ids):
            if commitment_id not in readable:
                continue
            commitment = commitments[commitment_id]
            threshold = threshold_reached(commitment.due_on, today)
            if threshold is None or threshold_reached_on(commitment.due_on, threshold) < since:
                continue
            if (user_id, commitment_id, commitment.due_on, threshold) in sent_commitments:
                continue
            reminders.append(Reminder(user, commitment_deadline(commitment, today), threshold))
        for instrument_id in sorted(instrument_ids):
            instrument = instruments[instrument_id]
            due_on = instrument.next_report_due_on
            threshold = threshold_reached(due_on, today)
            if threshold is None or threshold_reached_on(due_on, threshold) < since:
                continue
            if (user_id, instrument_id, due_on, threshold) in sent_instruments:
                continue
            reminders.append(Reminder(user, report_deadline(instrument, today), threshold))
    return reminders


def reminder_email(user, reminders, today, connection=None):
    """One email per person per run, listing each deadline with its link."""
    count = len(reminders)
    subject = ngettext("Reminder: %(count)d deadline", "Reminder: %(count)d deadlines", count) % {"count": count}
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
        "",
        _("These deadlines you are a focal person for are coming up or have passed:"),
        "",
    ]
    for reminder in sorted(reminders, key=lambda r: (r.deadline.due_on, r.deadline.reference)):
        lines.append("- " + reminder.describe(today))
        lines.append("  " + reminder.deadline.url)
    lines += [
        "",
        _("To stop these reminders, turn them off in your settings: %(url)s")
        % {"url": absolute_url(reverse("commitments:my_settings"))},
    ]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
    )


def _record(reminder):
    deadline = reminder.deadline
    row = ReminderSent(
        user=reminder.user,
        due_on=deadline.due_on,
        threshold=reminder.threshold,
        **({"instrument_id": deadline.pk} if deadline.is_report else {"commitment_id": deadline.pk}),
    )
    row.save()


def send_due_reminders(*, today, dry_run=False):
    """Send the reminders due on `today`; return the list of reminders sent (or, in a dry run, that would be)."""
    reminders = due_reminders(today=today)
    if dry_run:
        return reminders
    by_user = {}
    for reminder in reminders:
        by_user.setdefault(reminder.user.pk, []).append(reminder)
    sent = []
    connection = get_connection()
    for user_reminders in by_user.values():
        user = user_reminders[0].user
        try:
            # Record first, then send, in one transaction: a run that fails to send records nothing,
            # and two runs at once cannot both record (and so both send) the same reminder.
            with transaction.atomic():
                for reminder in user_reminders:
                    _record(reminder)
                reminder_email(user, user_reminders, today, connection=connection).send()
        except IntegrityError:
            logger.warning("Reminders for user %s were sent by another run; skipped.", user.pk)
            continue
        except Exception:
            logger.exception("Could not send reminders to user %s; they will be tried on the next run.", user.pk)
            continue
        sent.extend(user_reminders)
    return sent
