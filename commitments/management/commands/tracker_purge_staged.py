from django.core.management.base import BaseCommand

from commitments import services


class Command(BaseCommand):
    help = "Delete files kept from rejected submissions once TRACKER_STAGED_UPLOAD_HOURS have passed."

    def handle(self, **options):
        count = services.staged_uploads_purge_expired()
        self.stdout.write(f"Removed {count} staged file(s).")
