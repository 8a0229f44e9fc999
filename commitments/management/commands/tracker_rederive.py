from django.core.management.base import BaseCommand

from commitments.derived import rederive_all


class Command(BaseCommand):
    help = (
        "Recompute every commitment's headline, since and last-confirmed dates, each source's view, "
        "the counts and the trend from its history (safe to run again)."
    )

    def handle(self, **options):
        changed = rederive_all()
        self.stdout.write(f"Recomputed the derived data; {changed} commitment(s) changed.")
