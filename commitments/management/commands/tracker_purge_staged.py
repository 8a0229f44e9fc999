from django.core.management.base import BaseCommand

from commitments.services.uploads import staged_uploads_purge_expired


class Command(BaseCommand):
    help = "Delete files kept from rejected submissions once TRACKER_STAGED_UPLOAD_HOURS have passed."

    def handle(self, **options):
        count = staged_uploads_purge_expired()
        self.stdout.write(f"Removed {count} staged file(s).")
