"""Import recommendations from a UHRI export, a UPR thematic list or a file of ILO comments."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from commitments.recommendation_import import run_recommendation_import


class Command(BaseCommand):
    help = (
        "Import recommendations from the Universal Human Rights Index “Export to Excel” workbook, the UPR "
        "thematic list of recommendations (CSV) or ILO supervisory comments (CSV). All rows or none; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument("--dry-run", action="store_true", help="Show what the import would do; save nothing.")
        parser.add_argument(
            "--user", help="List possible overlaps with the recommendations this user may read (a user name)."
        )

    def handle(self, *args, file, dry_run=False, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"No active user {user!r}.")
        result = run_recommendation_import(
            data=path.read_bytes(), user=account, dry_run=dry_run, progress=self._progress
        )
        if self.stderr.isatty():
            self.stderr.write("")  # end the progress line
        for message in result.file_errors:
            self.stderr.write(message)
        for number, column, message in result.errors:
            self.stderr.write(f"row {number}{f' ({column})' if column else ''}: {message}")
        if not result.is_valid:
            raise CommandError("Nothing was imported: correct the file and try again.")
        self.stdout.write(f"Read as: {result.layout_label}.")
        for kind, name in result.created_reference:
            self.stdout.write(f"New {kind}: {name}")
        for label, matches in result.overlaps:
            listed = "; ".join(f"{match.label} ({match.score}%)" for match, _new in matches)
            self.stdout.write(f"Possible overlap: {label} is like {listed}")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb}: {result.count('create')} created, {result.count('update')} changed, "
            f"{result.count('unchanged')} unchanged."
        )

    def _progress(self, done, total, what):
        line = f"{done:,} / {total:,} {what}"
        if self.stderr.isatty():
            self.stderr.write("\r" + line, ending="")
        else:
            self.stderr.write(line)
