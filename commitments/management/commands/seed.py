"""python manage.py seed [--demo N [--force]] [--clear-demo]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commitments import demo as demo_data
from commitments import seeding


class Command(BaseCommand):
    help = (
        "Load the seeded data (fixtures/, built from seeds/) idempotently, in one transaction. "
        "--demo N adds N synthetic demo commitments with histories; --clear-demo removes all demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", type=int, metavar="N", help="add N synthetic demo commitments")
        parser.add_argument("--clear-demo", action="store_true", help="remove all demo data (and nothing else)")
        parser.add_argument("--force", action="store_true", help="allow --demo when DEBUG is off")
        parser.add_argument("--random-seed", type=int, default=None, help="make the demo data reproducible")

    def handle(self, *args, demo=None, clear_demo=False, force=False, random_seed=None, verbosity=1, **options):
        if demo is not None and demo < 1:
            raise CommandError("--demo needs a positive number of commitments.")
        if demo and not settings.DEBUG and not force:
            raise CommandError("Refusing to add demo data with DEBUG off; pass --force if you mean it.")
        if clear_demo:
            removed = demo_data.demo_clear()
            self.stdout.write(
                f"Removed demo data: {removed['commitments']} commitments, "
                f"{removed['updates']} status updates, {removed['evidence']} evidence items."
            )
            if not demo:
                return
        result = seeding.seed_load()
        if verbosity >= 1:
            for line in result.summary():
                self.stdout.write(line)
        if demo:
            created = demo_data.demo_add(count=demo, random_seed=random_seed, progress=self.stdout.write)
            self.stdout.write(
                f"Added {created['commitments']} demo commitments with {created['updates']} "
                f"status updates and {created['evidence']} evidence items."
            )
