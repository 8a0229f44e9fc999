from django.core.management.base import BaseCommand

from ...catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) to .mo files, without gettext."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even the catalogues that are up to date.")

    def handle(self, *args, force=False, **options):
        for po_path in compile_catalogues(force=force):
            self.stdout.write(f"Compiled {po_path.parent.parent.name}")
