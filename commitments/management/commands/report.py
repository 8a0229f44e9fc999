"""Write a report from the command line (for scheduled reports).

    python manage.py report --as-user amina --scope jurisdiction:kp --from 2020-01-01 --to 2025-06-30 \\
        --format pdf --output kp.pdf
    python manage.py report --as-user amina --scope jurisdiction:kp,gsp_group:human_rights ...
    python manage.py report --as-user amina --kind gsp-scorecard --cycle 2020-2022 --format docx --output reply.docx

The report holds only what --as-user may see, and is logged in their name.
"""

import datetime
import shutil

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.choices import Audience
from commitments.models import GSPCycle, ReportRun
from commitments.reports import GROUP_BY, ReportKind, Scope, build_report, output
from commitments.reports.runs import report_log, report_run_keep, write_to_tempfile


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Write a progress report (or the change since the last review or a kept report) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--as-user", required=True, help="Username the report is made for and logged as.")
        parser.add_argument(
            "--kind",
            choices=["progress", "since-review", "since-run", "gsp-scorecard"],
            help="The kind of report (default: progress, or what --since-last-review / --since-run say).",
        )
        parser.add_argument(
            "--scope",
            default="all",
            help="all, or one or more of jurisdiction:CODE, gsp_group:GROUP, theme:SLUG, instrument:CODE, kind:KIND "
            "separated by commas (all must hold), e.g. jurisdiction:kp,gsp_group:human_rights",
        )
        parser.add_argument(
            "--cycle",
            help="The GSP+ monitoring cycle of a gsp-scorecard report: its id, its title (e.g. 2020-2022) or "
            "its first day; default the latest.",
        )
        parser.add_argument("--from", dest="date_from", help="First day of the period (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", help="Last day of the period (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--since-last-review",
            action="store_true",
            help="Compare each commitment with its instrument's last review.",
        )
        parser.add_argument("--since-run", type=int, help="Compare with a kept report (its id).")
        parser.add_argument("--format", choices=output.FORMATS, required=True)
        parser.add_argument(
            "--audience", choices=Audience.values, help="Default: external for pdf, internal otherwise."
        )
        parser.add_argument("--group-by", choices=list(GROUP_BY), default="instrument")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--keep", action="store_true", help="Keep the report so later ones can compare against it.")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {options['as_user']}.")
        format = options["format"]
        run = None
        cycle = None
        if options["kind"] == "gsp-scorecard":
            kind = ReportKind.GSP_SCORECARD
            cycle = self._cycle(options["cycle"])
        elif options["since_run"] or options["kind"] == "since-run":
            if not options["since_run"]:
                raise CommandError("Give --since-run with the kept report's id.")
            kind = ReportKind.SINCE_RUN
            run = ReportRun.objects.filter(pk=options["since_run"]).first()
            if run is None:
                raise CommandError(f"No kept report {options['since_run']}.")
        elif options["since_last_review"] or options["kind"] == "since-review":
            kind = ReportKind.SINCE_REVIEW
        else:
            kind = ReportKind.PROGRESS
            if not options["date_from"]:
                raise CommandError("Give --from (or --since-last-review, or --since-run).")
        try:
            report = build_report(
                kind=kind,
                user=user,
                scope=Scope.parse(options["scope"]),
                date_from=_date(options["date_from"]) if options["date_from"] else None,
                date_to=_date(options["date_to"]) if options["date_to"] else timezone.localdate(),
                run=run,
                audience=options["audience"],
                format=format,
                group_by=options["group_by"],
                cycle=cycle,
            )
        except output.TooLarge as error:
            raise CommandError(str(error)) from error
        except ValueError as error:
            raise CommandError(str(error)) from error

        self.stderr.write(f"{report.title}: {report.total} commitments, {report.period_label}")

        def progress(done, total):
            self.stderr.write(f"  {done} / {total} commitments")

        written, sha256 = write_to_tempfile(report, format, progress=progress)
        with written:
            with open(options["output"], "wb") as target:
                shutil.copyfileobj(written, target)
            written.seek(0)
            report_log(user=user, report=report, format=format)
            if options["keep"]:
                run = report_run_keep(user=user, report=report, format=format, output=written, sha256=sha256)
                self.stderr.write(f"Kept as report {run.pk}.")
        self.stdout.write(f"Wrote {options['output']} (SHA-256 {sha256})")

    def _cycle(self, value):
        cycles = GSPCycle.objects.order_by("-starts_on")
        if not value:
            found = cycles.first()
        elif value.isdecimal() and len(value) < 12:
            found = cycles.filter(pk=int(value)).first()
        else:
            found = cycles.filter(title=value).first()
            if found is None:
                try:
                    found = cycles.filter(starts_on=datetime.date.fromisoformat(value)).first()
                except ValueError:
                    found = None
        if found is None:
            raise CommandError(f"No GSP+ monitoring cycle {value or '(none recorded)'}.")
        return found
