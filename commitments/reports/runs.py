"""Producing a report file, logging it, and keeping it as a ReportRun: shared by the reports
page and the `report` command so that both log and keep the same way."""

import hashlib
import tempfile

from django.core.files import File
from django.db import transaction

from .. import access
from ..exports import export_log
from ..models import ReportRun, ReportRunResult
from . import output as formats


def report_log(*, user, report, format, job=None):
    """Every report and export leaves a line in the export log: who, scope, format, when, audience
    (and the background job that wrote it, if one did)."""
    return export_log(
        user=user,
        kind=f"report_{report.kind}",
        format=format,
        scope={**report.export_scope(), "job": job.pk} if job else report.export_scope(),
        audience=report.audience,
        rows=report.total,
    )


def write_to_tempfile(report, format, progress=None):
    """The report in a temporary file (rewound), and its SHA-256."""
    output = tempfile.TemporaryFile()
    formats.write(report, format, output, progress)
    output.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: output.read(1 << 20), b""):
        digest.update(chunk)
    output.seek(0)
    return output, digest.hexdigest()


def report_run_keep(*, user, report, format, output, sha256, name=None):
    """Keep a generated report so that a later one can say what changed since.

    `name`: the file's name, when it must be the same on every try (a background job's);
    a file left under that name by an earlier try is replaced, not kept beside it.
    """
    with transaction.atomic():
        run = ReportRun(
            created_by=user if getattr(user, "is_authenticated", False) else None,
            scope={**report.scope.as_dict(), "report": report.kind, "group_by": report.group_by},
            period_from=report.date_from or report.date_to,
            period_to=report.date_to,
            format=format,
            audience=report.audience,
            sha256=sha256,
        )
        if name:
            run.file.storage.delete(run.file.field.generate_filename(run, name))
        run.file.save(name or formats.filename(report, format), File(output), save=False)
        run.full_clean(exclude=["file"])
        run.save()
        _keep_results(run, report)
    output.seek(0)
    return run


RESULTS_BATCH = 1000


def _keep_results(run, report):
    """Store what the report says of each commitment at its end, so a later report compares against it.

    A report without per-commitment statuses (the GSP+ scorecard reply) stores none.
    """
    results = getattr(report, "results", None)
    if results is None:
        return
    batch = []
    for pk, status, status_on, precision, assessor_id in results().iterator(chunk_size=RESULTS_BATCH):
        batch.append(
            ReportRunResult(
                run=run,
                commitment_id=pk,
                status=status,
                status_on=status_on,
                status_precision=precision or "",
                assessor_id=assessor_id,
            )
        )
        if len(batch) == RESULTS_BATCH:
            ReportRunResult.objects.bulk_create(batch)
            batch = []
    ReportRunResult.objects.bulk_create(batch)


def report_runs_visible_to(user):
    """Kept runs a user may compare against: their own; an administrator's view is all of them."""
    runs = ReportRun.objects.select_related("created_by")
    if access.may_see_every_kept_report(user):
        return runs
    return runs.filter(created_by=user)
