import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commitments import backup


class Command(BaseCommand):
    help = "Write every row and every evidence file to one archive (encrypted when TRACKER_BACKUP_KEY is set)."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="Archive to write ('-' for standard output).")
        parser.add_argument("--new-key", action="store_true", help="Print a new random backup key and stop.")

    def handle(self, *args, output=None, new_key=False, **options):
        if new_key:
            self.stdout.write(backup.new_key())
            return
        if not output:
            raise CommandError("Name the archive to write, e.g. `manage.py backup tracker-2026-01-31.tar.gz.enc`.")
        key = settings.TRACKER_BACKUP_KEY
        try:
            if output == "-":
                manifest = backup.backup_write(out=sys.stdout.buffer, key=key)
            else:
                with open(output, "xb") as out:
                    manifest = backup.backup_write(out=out, key=key)
        except FileExistsError:
            raise CommandError(f"{output} exists already; backups never overwrite one another.")
        except backup.BackupError as error:
            raise CommandError(str(error))
        rows = sum(manifest["counts"].values())
        for name in manifest["missing_files"]:
            self.stderr.write(f"warning: {name} is referenced by a row but missing from storage")
        if output != "-":
            self.stdout.write(
                f"{output}: {rows} rows, {len(manifest['files'])} files"
                + (", encrypted" if key else ", NOT encrypted (set TRACKER_BACKUP_KEY)")
            )
