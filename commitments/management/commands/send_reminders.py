"""Email focal persons about their deadlines. Run daily (cron or a systemd timer; see the README)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.reminders import send_due_digests, send_due_reminders


class Command(BaseCommand):
    help = (
        "Email each focal person once per threshold about their commitments and reports that fall due, "
        "and the weekly digests due."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="Run as if today were this date (YYYY-MM-DD). Defaults to today in the tracker's time zone.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")

    def handle(self, *args, today=None, dry_run=False, **options):
        if today:
            try:
                today = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today must be a date like 2025-01-05, not {today!r}.")
        else:
            today = timezone.localdate()
        reminders = send_due_reminders(today=today, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for reminder in reminders:
            self.stdout.write(
                f"{verb} to {reminder.user.email} [threshold {reminder.threshold}]: "
                f"{reminder.describe(today)} {reminder.deadline.url}"
            )
        people = len({r.user.pk for r in reminders})
        self.stdout.write(f"{verb} {len(reminders)} reminder(s) to {people} person(s) for {today.isoformat()}.")
        digests = send_due_digests(today=today, dry_run=dry_run)
        for user, items in digests:
            self.stdout.write(f"{verb} the weekly digest to {user.email}: {len(items)} deadline(s).")
        if digests:
            self.stdout.write(f"{verb} {len(digests)} weekly digest(s).")
