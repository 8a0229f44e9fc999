"""Say whether the job broker (CELERY_BROKER_URL) answers; `./run` falls back to a folder queue when it does not."""

import os

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kombu.utils.url import maybe_sanitize_url


class Command(BaseCommand):
    help = (
        "Check that the broker the job workers use (CELERY_BROKER_URL) answers; for a folder queue "
        "(filesystem://), make its folders. Exits with status 1 when it does not answer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=2.0, help="Seconds to wait for the broker.")

    def handle(self, *args, timeout, **options):
        url = settings.CELERY_BROKER_URL
        if url.startswith("filesystem://"):
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]
                os.makedirs(folder, exist_ok=True)
            self.stdout.write(f"Jobs queue in the folder {settings.CELERY_FILESYSTEM_FOLDER}.")
            return
        shown = maybe_sanitize_url(url)
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=timeout)
        except Exception as error:
            raise CommandError(f"The job broker at {shown} does not answer: {error}") from error
        self.stdout.write(f"Jobs go through {shown}.")
