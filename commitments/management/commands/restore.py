from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commitments import backup


class Command(BaseCommand):
    help = "Replace all data and evidence files with those of a backup archive (checked in full first)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--check", action="store_true", help="Only check that the archive is complete and readable."
        )
        parser.add_argument("--yes", action="store_true", help="Replace the current data without asking.")

    def handle(self, *args, archive, check=False, yes=False, **options):
        key = settings.TRACKER_BACKUP_KEY
        try:
            if check:
                manifest = backup.backup_verify(archive, key=key)
                self.stdout.write(
                    f"{archive}: complete ({sum(manifest['counts'].values())} rows, {len(manifest['files'])} files)"
                )
                return
            if not yes:
                answer = input("This deletes every row and replaces it with the backup's. Type 'yes' to go on: ")
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing changed.")
            manifest = backup.backup_restore(archive, key=key)
        except FileNotFoundError:
            raise CommandError(f"{archive} does not exist.")
        except backup.BackupError as error:
            raise CommandError(str(error))
        self.stdout.write(
            f"Restored {sum(manifest['counts'].values())} rows and {len(manifest['files'])} files "
            f"from a backup made {manifest['created_at']}."
        )
