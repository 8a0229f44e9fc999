"""What each kind of job does: the parameters it takes, its work, and what it writes.

A kind has
- clean(user, parameters): the parameters as stored, checked now so that a bad request is
  refused at once (ValidationError) instead of failing later in the worker;
- describe(parameters): one line saying what was asked, for the job's page and email;
- run(job, progress): the work. It reads as the requester (a result holds only what they
  may see) and returns an Outcome: the file it wrote, if any, and `commit`, the database
  writes (logs, kept reports, an import) that services.jobs.job_finish() makes in the same
  transaction that marks the job done, so that a job run again after its worker died
  writes them once.

Restricted items: reports hold none, and a list export holds what its requester may see;
either way only the requester may download the file (access.may_download_job_result).
"""

import dataclasses
import datetime
import os
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import backup, import_kinds
from ..choices import Audience
from ..exports import export_log
from ..exports.commitment_list import CONTENT_TYPES as LIST_CONTENT_TYPES
from ..exports.commitment_list import FORMATS as LIST_FORMATS
from ..exports.commitment_list import commitment_list_filename, commitment_list_write
from ..forms import ImportForm, ReportForm
from ..models import StagedUpload
from ..reminders import send_due_reminders
from ..reports import ReportKind, build_report, output
from ..reports.runs import report_log, report_run_keep, write_to_tempfile
from ..selectors.commitment_list import commitment_list_queryset
from ..services import job_upkeep, uploads
from .models import Job

# How many refused rows of an import its page lists.
IMPORT_ERRORS_SHOWN = 200


class JobError(Exception):
    """The job cannot be done, for a reason its requester can act on; it is not tried again.

    `data` goes to the job's result_data (an import's refused rows, for instance).
    """

    def __init__(self, message, data=None):
        super().__init__(message)
        self.data = data or {}


@dataclasses.dataclass
class Outcome:
    """What a job's work produced."""

    file: object = None  # a binary file, to be kept as the job's result
    filename: str = ""
    content_type: str = ""
    data: dict = dataclasses.field(default_factory=dict)
    # Database writes made in the transaction that marks the job done; returns more data.
    commit: Callable[[], dict] | None = None

    def close(self):
        if self.file is not None:
            self.file.close()


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------


class ReportJob:
    """A report in PDF, Excel or CSV, as the reports page makes it."""

    FIELDS = ("kind", "scope", "date_from", "date_to", "known_on", "run", "group_by", "format", "audience")

    def _form(self, user, parameters):
        """The reports page's form, so that a job asks exactly what the page asks."""
        # What is not given takes the page's default (group by instrument, for instance).
        data = {key: ReportForm.base_fields[key].initial for key in self.FIELDS if ReportForm.base_fields[key].initial}
        data.update({key: parameters[key] for key in self.FIELDS + ("keep",) if parameters.get(key) not in (None, "")})
        form = ReportForm(data=data, user=user)
        if not form.is_valid():
            raise ValidationError(
                [
                    " ".join(errors) if field == "__all__" else f"{form.fields[field].label}: {' '.join(errors)}"
                    for field, errors in form.errors.items()
                ]
            )
        return form

    def clean(self, *, user, parameters):
        form = self._form(user, parameters)
        data = form.cleaned_data
        if data["format"] == "html":
            raise ValidationError(
                _("A web-page report is shown at once; choose PDF, Excel or CSV to have it prepared.")
            )
        return {
            "kind": data["kind"],
            "scope": data["scope"],
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
            "known_on": data["known_on"].isoformat() if data.get("known_on") else "",
            "run": data["run"].pk if data.get("run") else "",
            "group_by": data["group_by"],
            "format": data["format"],
            "audience": data.get("audience") or "",
            "keep": bool(data.get("keep")),
        }

    def describe(self, parameters):
        kind = parameters.get("kind")
        parts = [str(ReportKind(kind).label) if kind in ReportKind.values else "", parameters.get("scope", "")]
        if parameters.get("date_from") or parameters.get("date_to"):
            parts.append(f"{parameters.get('date_from') or '…'} – {parameters.get('date_to') or '…'}")
        parts.append(str(parameters.get("format", "")).upper())
        return " · ".join(part for part in parts if part)

    def summary(self, data):
        lines = [(_("Report"), data.get("title", "")), (_("Commitments"), data.get("commitments", ""))]
        if data.get("kept_report"):
            lines.append((_("Kept as report"), data["kept_report"]))
        return lines

    def run(self, job, progress):
        user = job.requested_by
        try:
            form = self._form(user, job.parameters)
            report = build_report(user=user, **form.report_arguments())
        except ValidationError as error:
            raise JobError(" ".join(error.messages)) from error
        except (output.TooLarge, ValueError) as error:
            raise JobError(str(error)) from error
        format = form.cleaned_data["format"]
        # Excel and CSV count commitments as they go; a PDF is laid out in one go (no count to show).
        progress(0, None if format == "pdf" else report.total)
        written, sha256 = write_to_tempfile(report, format, progress)
        filename = output.filename(report, format)
        keep = form.cleaned_data.get("keep")

        def commit():
            report_log(user=user, report=report, format=format, job=job)
            data = {"title": report.title, "commitments": report.total, "sha256": sha256}
            if keep:
                written.seek(0)
                run = report_run_keep(
                    user=user,
                    report=report,
                    format=format,
                    output=written,
                    sha256=sha256,
                    name=f"job-{job.pk}-{filename}",
                )
                data["kept_report"] = run.pk
            return data

        return Outcome(file=written, filename=filename, content_type=output.CONTENT_TYPES[format], commit=commit)


# ---------------------------------------------------------------------------------------
# The commitment list's export
# ---------------------------------------------------------------------------------------


class ListExportJob:
    """The commitment list's rows for a query string, as CSV, Excel or JSON."""

    def clean(self, *, user, parameters):
        query = parameters.get("query") or {}
        if not isinstance(query, dict) or not all(isinstance(v, (str, int)) for v in query.values()):
            raise ValidationError(_("The list's filters must be given as names and values."))
        format = parameters.get("format")
        if format not in LIST_FORMATS:
            raise ValidationError(_("Export as one of: %(formats)s.") % {"formats": ", ".join(LIST_FORMATS)})
        audience = parameters.get("audience") or Audience.INTERNAL
        if audience not in Audience.values:
            raise ValidationError(_("Unknown audience."))
        query = {str(k): str(v) for k, v in query.items() if k not in ("export", "page")}
        return {"query": query, "format": format, "audience": audience}

    def describe(self, parameters):
        filters = ", ".join(f"{k}={v}" for k, v in sorted(parameters.get("query", {}).items()) if k != "audience")
        return " · ".join(
            part
            for part in (
                _("Commitment list"),
                filters or _("every commitment"),
                str(Audience(parameters.get("audience", Audience.INTERNAL)).label),
                parameters.get("format", "").upper(),
            )
            if part
        )

    def summary(self, data):
        return [(_("Rows"), data.get("rows", ""))]

    def run(self, job, progress):
        user = job.requested_by
        parameters = job.parameters
        query = QueryDict(mutable=True)
        query.update(parameters["query"])
        rows = commitment_list_queryset(user=user, params=query)
        total = rows.count()
        progress(0, total)
        written = tempfile.TemporaryFile()
        commitment_list_write(
            rows,
            user=user,
            format=parameters["format"],
            audience=parameters["audience"],
            output=written,
            progress=progress,
            total=total,
        )
        written.seek(0)

        def commit():
            export_log(
                user=user,
                kind="commitment_list",
                format=parameters["format"],
                scope={**parameters["query"], "job": job.pk},
                audience=parameters["audience"],
                rows=total,
            )
            return {"rows": total}

        return Outcome(
            file=written,
            filename=commitment_list_filename(parameters["format"]),
            content_type=LIST_CONTENT_TYPES[parameters["format"]],
            commit=commit,
        )


# ---------------------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------------------


class ImportJob:
    """A spreadsheet, kept as a staged upload: previewed (what each row would do, nothing saved), or
    imported (all its rows, or none)."""

    # Rows of a preview whose changes its page lists (every problem is counted; IMPORT_ERRORS_SHOWN listed).
    CHANGES_SHOWN = 500

    def _staged(self, user, token):
        return StagedUpload.objects.filter(token=token, user=user).first()

    def clean(self, *, user, parameters):
        kind = parameters.get("kind")
        if kind not in import_kinds.KINDS:
            raise ValidationError(_("Unknown kind of import."))
        token = str(parameters.get("token") or "")
        try:
            staged = self._staged(user, token)
        except ValidationError:
            staged = None
        if staged is None:
            raise ValidationError(_("The previewed file is no longer kept: upload it again."))
        return {
            "kind": kind,
            "token": token,
            "filename": staged.original_filename,
            "preview": bool(parameters.get("preview")),
        }

    def describe(self, parameters):
        kind = dict(ImportForm.base_fields["kind"].choices).get(parameters.get("kind"), "")
        what = _("preview") if parameters.get("preview") else ""
        return " · ".join(part for part in (str(kind), parameters.get("filename", ""), what) if part)

    def summary(self, data):
        if data.get("preview"):
            return [
                (_("Rows"), data.get("rows", "")),
                (_("Would be created"), data.get("created", "")),
                (_("Would be changed"), data.get("updated", "")),
                (_("Unchanged"), data.get("unchanged", "")),
                (_("Problems"), data.get("error_count", 0)),
            ]
        return [
            (_("Rows"), data.get("rows", "")),
            (_("Created"), data.get("created", "")),
            (_("Changed"), data.get("updated", "")),
            (_("Unchanged"), data.get("unchanged", "")),
        ]

    @staticmethod
    def _errors(result):
        errors = [{"row": "", "column": "", "message": message} for message in result.file_errors]
        errors += [
            {"row": row, "column": column, "message": message}
            for row, column, message in result.errors[:IMPORT_ERRORS_SHOWN]
        ]
        return errors, len(result.errors) + len(result.file_errors)

    @staticmethod
    def _counts(result):
        return {
            "rows": len(result.rows),
            "created": result.count("create"),
            "updated": result.count("update"),
            "unchanged": result.count("unchanged"),
        }

    def run(self, job, progress):
        user = job.requested_by
        staged = self._staged(user, job.parameters["token"])
        if staged is None:
            raise JobError(_("The previewed file is no longer kept: upload it again."))
        with staged.file.open("rb") as handle:
            data = handle.read()
        if job.parameters.get("preview"):
            return self._preview(job, user, staged, data)

        def commit():
            # Inside the transaction that marks the job done: the import and "done" are saved
            # together, so an import run again after its worker died cannot be half-applied or
            # reported as "unchanged".
            result = import_kinds.run(kind=job.parameters["kind"], data=data, user=user, dry_run=False)
            if not result.is_valid:
                errors, count = self._errors(result)
                raise JobError(
                    _("Nothing was imported: the file has changed or the data no longer allows it."),
                    data={"errors": errors, "error_count": count},
                )
            transaction.on_commit(lambda: uploads.staged_upload_discard(staged=staged))
            return self._counts(result)

        return Outcome(commit=commit)

    def _preview(self, job, user, staged, data):
        # run_import rolls back whatever a preview would have written.
        result = import_kinds.run(kind=job.parameters["kind"], data=data, user=user, dry_run=True)
        errors, count = self._errors(result)
        changes = [
            {"row": row.number, "label": row.label, "action": row.action, "changes": row.changes}
            for row in result.rows
            if row.action in ("create", "update") and not row.errors
        ][: self.CHANGES_SHOWN]

        def commit():
            if not result.is_valid:
                # Nothing can be confirmed from this file: once the preview is saved, it is not kept.
                transaction.on_commit(lambda: uploads.staged_upload_discard(staged=staged))
            return {}

        return Outcome(
            commit=commit,
            data={
                "preview": True,
                "valid": result.is_valid,
                **self._counts(result),
                "changes": changes,
                "errors": errors,
                "error_count": count,
            },
        )


# ---------------------------------------------------------------------------------------
# Scheduled work: backups, reminders, housekeeping
# ---------------------------------------------------------------------------------------


class BackupJob:
    """An archive of every row and file in TRACKER_BACKUP_DIR on the worker's machine.

    It holds everything, restricted items included, so it is never offered for download.
    """

    def clean(self, *, user, parameters):
        if not settings.TRACKER_BACKUP_DIR:
            raise ValidationError(_("No backup folder is configured (TRACKER_BACKUP_DIR)."))
        return {}

    def describe(self, parameters):
        return _("Every row and file")

    def summary(self, data):
        return [
            (_("Archive"), data.get("archive", "")),
            (_("Rows"), data.get("rows", "")),
            (_("Files"), data.get("files", "")),
            (_("Files missing from storage"), data.get("missing_files", "")),
            (_("Encrypted"), _("yes") if data.get("encrypted") else _("no")),
        ]

    def run(self, job, progress):
        folder = settings.TRACKER_BACKUP_DIR
        if not folder:
            raise JobError(_("No backup folder is configured (TRACKER_BACKUP_DIR)."))
        key = settings.TRACKER_BACKUP_KEY
        stamp = job.created_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"tracker-{stamp}-job{job.pk}.tar.gz" + (".enc" if key else "")
        path = os.path.join(folder, name)
        partial = path + ".partial"
        # Written aside, then renamed: a try cut short leaves no archive that looks whole, and
        # a try run again replaces its own file (the name is the job's).
        try:
            with open(partial, "wb") as out:
                manifest = backup.backup_write(out=out, key=key)
            os.replace(partial, path)
        except backup.BackupError as error:
            raise JobError(str(error)) from error
        except OSError as error:
            raise JobError(
                _("The backup could not be written to %(folder)s: %(reason)s")
                % {"folder": folder, "reason": error.strerror or error}
            ) from error
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return Outcome(
            data={
                "archive": name,
                "rows": sum(manifest["counts"].values()),
                "files": len(manifest["files"]),
                "missing_files": len(manifest["missing_files"]),
                "encrypted": bool(key),
            }
        )


class RemindersJob:
    """The day's deadline reminders (each is recorded as sent, so a run again sends none twice)."""

    def clean(self, *, user, parameters):
        today = parameters.get("today") or timezone.localdate().isoformat()
        try:
            datetime.date.fromisoformat(today)
        except (TypeError, ValueError) as error:
            raise ValidationError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": today}) from error
        return {"today": today}

    def describe(self, parameters):
        return parameters.get("today", "")

    def summary(self, data):
        return [(_("Reminders sent"), data.get("reminders", "")), (_("People"), data.get("people", ""))]

    def run(self, job, progress):
        sent = send_due_reminders(today=datetime.date.fromisoformat(job.parameters["today"]))
        return Outcome(data={"reminders": len(sent), "people": len({reminder.user.pk for reminder in sent})})


class HousekeepingJob:
    """Expired staged uploads and job results removed; jobs that lost their worker queued again."""

    def clean(self, *, user, parameters):
        return {}

    def describe(self, parameters):
        return _("Expired files removed, stalled jobs queued again")

    def summary(self, data):
        return [
            (_("Staged uploads removed"), data.get("staged_uploads_removed", "")),
            (_("Job files removed"), data.get("job_results_removed", "")),
            (_("Jobs queued again"), data.get("jobs_queued_again", "")),
        ]

    def run(self, job, progress):
        return Outcome(
            data={
                "staged_uploads_removed": uploads.staged_uploads_purge_expired(),
                "job_results_removed": job_upkeep.job_results_purge_expired(),
                "jobs_queued_again": job_upkeep.jobs_requeue_stalled(exclude=job),
            }
        )


KINDS = {
    Job.Kind.REPORT: ReportJob(),
    Job.Kind.LIST_EXPORT: ListExportJob(),
    Job.Kind.IMPORT: ImportJob(),
    Job.Kind.BACKUP: BackupJob(),
    Job.Kind.REMINDERS: RemindersJob(),
    Job.Kind.HOUSEKEEPING: HousekeepingJob(),
}

# Work nobody asks for: Celery beat starts it (or an administrator, for a backup).
SCHEDULED = (Job.Kind.BACKUP, Job.Kind.REMINDERS, Job.Kind.HOUSEKEEPING)
