"""Email reminders to focal persons as deadlines approach.

Run once a day (`manage.py send_reminders`). For each focal person and each of their
deadlines (commitment due dates, follow-up replies, reports due, sourced or computed from
the reporting cycle), the most urgent threshold reached (settings.TRACKER_REMINDER_THRESHOLDS:
days before the due date; 0 = due today; negative = overdue) is sent once, and a
ReminderSent row makes sure it is never sent again. A day the job did not run is caught up
on the next run with the most urgent threshold only. A threshold reached before the person
turned reminders on is not sent, except to a person made focal person of an item that was
already overdue, after turning reminders on: they are told of it once. People who chose the
weekly digest get one email a week listing everything overdue or coming up instead. Emails
carry the reference, what falls due, the due date and a link: never notes or evidence.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    Commitment,
    Instrument,
    Profile,
    Recommendation,
    ReminderSchedule,
    ReminderSent,
    ReportingCycle,
    Review,
)
from .selectors.deadlines import (
    BOUND_STATUSES,
    Deadline,
    absolute_url,
    commitment_deadline,
    computed_deadline,
    cycle_dates,
    follow_up_deadline,
    report_deadline,
)
from .services.people import person_language

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One deadline to remind one person of, at one threshold."""

    user: object
    deadline: Deadline
    threshold: int

    def describe(self, today):
        return describe_deadline(self.deadline, today)


def describe_deadline(deadline, today):
    """One line of a reminder: what, how far off, the date (and that it is computed, if it is)."""
    days = deadline.days_left(today)
    if days > 0:
        when = ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
    elif days == 0:
        when = _("due today")
    else:
        when = ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {"days": -days}
    line = _("%(reference)s: %(when)s (%(date)s)") % {
        "reference": deadline.reference,
        "when": when,
        "date": deadline.due_on.isoformat(),
    }
    if deadline.computed:
        line += " " + _("[computed from the reporting cycle]")
    return line


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


@dataclasses.dataclass(frozen=True)
class _Link:
    """A focal person of an item with a deadline, and when they were made one (None if not known)."""

    user_id: int
    deadline: Deadline
    assigned_on: datetime.date | None


def _assigned_on(assigned_at, today):
    # An assignment dated after the day the job runs for (a run for a past day) tells nothing.
    day = timezone.localdate(assigned_at) if assigned_at else None
    return day if day is not None and day <= today else None


def focal_deadlines(*, today, horizon=None):
    """Every open deadline up to `horizon` with its focal persons: [_Link]. A fixed number of queries.

    Commitment due dates and follow-up replies go to the commitment's focal persons; report
    deadlines, sourced and computed, to the instrument's.
    """
    horizon = horizon or today + datetime.timedelta(days=max(thresholds()))
    links = []
    people = Commitment.focal_persons.through.objects.filter(user__is_active=True).exclude(user__email="")
    commitments = {
        c.pk: c
        for c in Commitment.objects.with_open_deadline()
        .filter(due_on__lte=horizon)
        .select_related("instrument", "jurisdiction")
    }
    follow_ups = {
        c.pk: c
        for c in Commitment.objects.filter(
            Recommendation.follow_up_open_q(prefix="recommendation__"), recommendation__follow_up_due_on__lte=horizon
        ).select_related("instrument", "jurisdiction", "recommendation")
    }
    for user_id, commitment_id, assigned_at in people.filter(
        commitment_id__in=set(commitments) | set(follow_ups)
    ).values_list("user_id", "commitment_id", "assigned_at"):
        assigned_on = _assigned_on(assigned_at, today)
        if commitment_id in commitments:
            links.append(_Link(user_id, commitment_deadline(commitments[commitment_id], today), assigned_on))
        if commitment_id in follow_ups:
            links.append(_Link(user_id, follow_up_deadline(follow_ups[commitment_id], today), assigned_on))

    instruments = {i.pk: i for i in Instrument.objects.select_related("jurisdiction")}
    report_items = [
        report_deadline(i, today)
        for i in instruments.values()
        if i.next_report_due_on is not None and i.next_report_due_on <= horizon
    ]
    bound = [i for i in instruments.values() if i.pakistan_status in BOUND_STATUSES]
    reviews = Review.objects.filter(reviewed_on__lte=today).values_list(
        "instrument_id", "kind", "reviewed_on", "reviewed_precision"
    )
    for instrument, rule, due_on, counted_from, precision, what in cycle_dates(
        bound, list(ReportingCycle.objects.all()), reviews, today
    ):
        if due_on > horizon or (instrument.next_report_due_on is not None and instrument.next_report_kind == what):
            continue
        report_items.append(computed_deadline(instrument, rule, due_on, counted_from, precision, what, today))
    by_instrument = {}
    for item in report_items:
        by_instrument.setdefault(item.pk, []).append(item)
    instrument_people = Instrument.focal_persons.through.objects.filter(
        instrument_id__in=by_instrument, user__is_active=True
    ).exclude(user__email="")
    for user_id, instrument_id, assigned_at in instrument_people.values_list("user_id", "instrument_id", "assigned_at"):
        for item in by_instrument[instrument_id]:
            links.append(_Link(user_id, item, _assigned_on(assigned_at, today)))
    return links


def _readable(links, users):
    """The links whose commitment the person may still read (a focal person who cannot is not told)."""
    by_user = {}
    for link in links:
        if not link.deadline.is_report:
            by_user.setdefault(link.user_id, set()).add(link.deadline.pk)
    readable = {}
    for user_id, ids in by_user.items():
        readable[user_id] = set(
            Commitment.objects.visible_to(users[user_id]).filter(pk__in=ids).values_list("pk", flat=True)
        )
    return [link for link in links if link.deadline.is_report or link.deadline.pk in readable.get(link.user_id, ())]


def _people(links):
    User = get_user_model()
    user_ids = {link.user_id for link in links}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=user_ids)}
    for pk, profile in profiles.items():
        if pk in users:
            users[pk]._tracker_profile = profile  # so that person_language() asks nothing more
    return users, profiles


def schedule_of(user_id, profiles):
    profile = profiles.get(user_id)
    return profile.reminder_schedule if profile else ReminderSchedule.AS_DUE


def _sent_key(user_id, deadline):
    return (user_id, deadline.kind, deadline.pk, deadline.what, deadline.due_on)


def due_reminders(*, today):
    """Every reminder due on `today` and not sent before, grouped by nothing: a flat list.

    People who chose the weekly digest get none of these: their deadlines go in the digest.
    """
    links = focal_deadlines(today=today)
    if not links:
        return []
    users, profiles = _people(links)
    links = _readable(links, users)
    sent = set()
    for row in ReminderSent.objects.filter(user_id__in=users).values_list(
        "user_id", "commitment_id", "instrument_id", "deadline_kind", "due_on", "threshold"
    ):
        user_id, commitment_id, instrument_id, what, due_on, threshold = row
        kind = Deadline.REPORT if instrument_id else Deadline.COMMITMENT
        sent.add((user_id, kind, instrument_id or commitment_id, what, due_on, threshold))

    reminders = []
    for link in sorted(links, key=lambda k: (k.user_id, k.deadline.due_on, k.deadline.reference)):
        user = users[link.user_id]
        if schedule_of(link.user_id, profiles) == ReminderSchedule.WEEKLY:
            continue
        since = reminders_on_since(user, profiles)
        if since is None:
            continue
        deadline = link.deadline
        threshold = threshold_reached(deadline.due_on, today)
        if threshold is None:
            continue
        reached_on = threshold_reached_on(deadline.due_on, threshold)
        if reached_on < since:
            # Reached before reminders were on: not sent, unless the person was made focal person of an
            # item already past it after turning reminders on. Then they are told once.
            if link.assigned_on is None or link.assigned_on < since or reached_on > link.assigned_on:
                continue
        if (*_sent_key(link.user_id, deadline), threshold) in sent:
            continue
        reminders.append(Reminder(user, deadline, threshold))
    return reminders


def due_digests(*, today):
    """[(user, [Deadline])] for the people on the weekly digest whose week has come round."""
    links = focal_deadlines(today=today)
    if not links:
        return []
    users, profiles = _people(links)
    links = _readable(links, users)
    by_user = {}
    for link in links:
        profile = profiles.get(link.user_id)
        if profile is None or profile.reminder_schedule != ReminderSchedule.WEEKLY or not profile.reminders_enabled:
            continue
        if profile.digest_sent_on is not None and today < profile.digest_sent_on + datetime.timedelta(days=7):
            continue
        by_user.setdefault(link.user_id, {})[_sent_key(link.user_id, link.deadline)] = link.deadline
    return [
        (users[user_id], sorted(items.values(), key=lambda d: (d.due_on, d.reference)))
        for user_id, items in sorted(by_user.items())
    ]


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
        deadline_kind=deadline.what,
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
                with translation.override(person_language(user)):
                    reminder_email(user, user_reminders, today, connection=connection).send()
        except IntegrityError:
            logger.warning("Reminders for user %s were sent by another run; skipped.", user.pk)
            continue
        except Exception:
            logger.exception("Could not send reminders to user %s; they will be tried on the next run.", user.pk)
            continue
        sent.extend(user_reminders)
    return sent


def digest_email(user, items, today, connection=None):
    """The weekly digest: every deadline the person follows that is overdue or coming up."""
    count = len(items)
    subject = ngettext("Weekly digest: %(count)d deadline", "Weekly digest: %(count)d deadlines", count) % {
        "count": count
    }
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
        "",
        _("The deadlines you are a focal person for that are overdue or coming up:"),
        "",
    ]
    for item in items:
        lines.append("- " + describe_deadline(item, today))
        lines.append("  " + item.url)
    lines += [
        "",
        _("To change how reminders come, or stop them, see your settings: %(url)s")
        % {"url": absolute_url(reverse("commitments:my_settings"))},
    ]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
    )


def send_due_digests(*, today, dry_run=False):
    """Send the weekly digests due on `today`; return [(user, items)] sent (or, in a dry run, that would be)."""
    digests = due_digests(today=today)
    if dry_run:
        return digests
    sent = []
    connection = get_connection()
    for user, items in digests:
        try:
            with transaction.atomic():
                # Claim the week first: of two runs at once, only one updates the row and sends.
                claimed = (
                    Profile.objects.filter(user=user)
                    .filter(Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lte=today - datetime.timedelta(days=7)))
                    .update(digest_sent_on=today)
                )
                if not claimed:
                    continue
                with translation.override(person_language(user)):
                    digest_email(user, items, today, connection=connection).send()
        except Exception:
            logger.exception("Could not send the weekly digest to user %s; it will be tried on the next run.", user.pk)
            continue
        sent.append((user, items))
    return sent
