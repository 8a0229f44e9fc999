"""Background jobs: asking for one, and each step of its life on a worker.

The way in, for pages, commands and the API alike:

    job = job_request(user=request.user, kind=Job.Kind.REPORT, parameters={
        "kind": "progress", "scope": "jurisdiction:kp", "date_from": "2024-01-01",
        "date_to": "2024-12-31", "format": "pdf"})
    # then send the person to job.get_absolute_url(): its page shows progress and the file

The parameters of each kind are described in commitments/jobs/kinds.py; they are checked
here, so a bad request is refused at once (ValidationError) and one the person may not make
raises PermissionDenied.

On the worker (commitments/jobs/tasks.py), job_execute() runs one try: job_start() takes
the job (or turns the try away: done already, or another try holds its lease),
the kind's work runs as the requester, and job_finish() keeps the file under the job's own
name and makes the kind's database writes in the transaction that marks the job done.
A worker killed at any point leaves the job to be run again by the next try (the message is
acknowledged only at the end), and whatever the earlier try wrote is replaced, not doubled.
"""

import datetime
import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import access
from ..jobs.kinds import KINDS, SCHEDULED, JobError
from ..jobs.models import Job, job_result_path
from ..selectors.deadlines import absolute_url
from .job_upkeep import job_enqueue, job_result_files_delete
from .people import person_language

logger = logging.getLogger(__name__)

# The parameter naming the language of the page a job was asked from (absent: the site's).
JOB_LANGUAGE = "language"

# Progress is written at most this often (seconds), and always at the end.
PROGRESS_EVERY = 1.0


class JobBusy(Exception):
    """Another try holds the job's lease; ask again in `retry_in` seconds."""

    def __init__(self, retry_in):
        super().__init__(f"job is running elsewhere; retry in {retry_in} s")
        self.retry_in = retry_in


class JobSuperseded(Exception):
    """This try lost the job to a later one (it was taken to have lost its worker): it stops, writing nothing."""


def job_request(*, user, kind, parameters):
    """Ask for a job of `kind` with `parameters` for `user` (None: scheduled work); returns the queued Job.

    It is handed to the workers when the current transaction commits.
    """
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of job: %(kind)s") % {"kind": kind})
    if user is None:
        if kind not in SCHEDULED:
            raise PermissionDenied(_("Only scheduled work runs without someone asking for it."))
    elif not access.may_request_job(user, kind):
        raise PermissionDenied(_("You may not ask for this."))
    if not isinstance(parameters, dict):
        raise ValidationError(_("The parameters must be names and values."))
    cleaned = KINDS[kind].clean(user=user, parameters=parameters)
    # Asked for from a page in another language than the site's: the job's file and email follow it.
    language = translation.get_language()
    if user is not None and language != settings.LANGUAGE_CODE and language in dict(settings.LANGUAGES):
        cleaned = {**cleaned, JOB_LANGUAGE: language}
    with transaction.atomic():
        job = Job(kind=kind, requested_by=user, parameters=cleaned)
        job.full_clean()
        job.save()
        transaction.on_commit(lambda: job_enqueue(job=job))
    return job


def job_description(job):
    """One line saying what was asked (for the job's page and its email); empty for parameters it cannot read."""
    kind = KINDS.get(job.kind)
    try:
        return kind.describe(job.parameters) if kind else ""
    except (AttributeError, KeyError, TypeError, ValueError):
        # Parameters stored by another version must not break a page.
        return ""


def job_summary(job):
    """(label, value) pairs of what a finished job found or did, for its page."""
    kind = KINDS.get(job.kind)
    if kind is None or job.state != Job.State.DONE or not isinstance(job.result_data, dict):
        return []
    try:
        return kind.summary(job.result_data)
    except (AttributeError, KeyError, TypeError, ValueError):
        return []


# ---------------------------------------------------------------------------------------
# On the worker
# ---------------------------------------------------------------------------------------


def job_start(*, job_id, now=None):
    """Take the job for a new try and return it (its `attempts` is this try's number), or None
    when there is nothing to do: it no longer exists, it is finished, or it has been tried too often.

    Raises JobBusy while another try holds the lease (reported progress within
    TRACKER_JOB_LEASE_SECONDS): a message delivered twice never runs the job twice at once.
    """
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.TRACKER_JOB_LEASE_SECONDS)
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        if job.is_finished:
            finished = job
        elif job.state == Job.State.RUNNING and job.heartbeat_at and job.heartbeat_at > now - lease:
            raise JobBusy(retry_in=int((job.heartbeat_at + lease - now).total_seconds()) + 1)
        elif job.attempts >= settings.TRACKER_JOB_MAX_ATTEMPTS:
            job.state = Job.State.FAILED
            job.finished_at = now
            job.error = _("The job was stopped after %(count)d tries: its worker stopped each time.") % {
                "count": job.attempts
            }
            job.save()
            finished = job
        else:
            job.attempts += 1
            job.state = Job.State.RUNNING
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.progress_done = 0
            job.save()
            return job
    # A try that finds the job finished still sends the email the earlier try may not have.
    job_notify(job=finished)
    return None


class JobProgress:
    """The callback a job's work calls with (done, total): written to the job now and then, as its heartbeat."""

    def __init__(self, job):
        self.job = job
        self.attempt = job.attempts
        self.last = 0.0

    def __call__(self, done, total=None):
        if total is not None and done > total:
            done = total
        moment = time.monotonic()
        if moment - self.last < PROGRESS_EVERY and done != total:
            return
        self.last = moment
        changes = {"progress_done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            changes["progress_total"] = total
        updated = Job.objects.filter(pk=self.job.pk, attempts=self.attempt, state=Job.State.RUNNING).update(**changes)
        if not updated:
            raise JobSuperseded()


def job_finish(*, job, outcome):
    """Keep the result and mark the job done, with the kind's writes, in one transaction.

    The file goes first (storage is not transactional), under the job's own folder, replacing
    whatever an earlier try left there; then the row, the logs and any kept report commit
    together, once: a try that finds the job no longer its own writes nothing.
    """
    attempt = job.attempts
    name = ""
    size = None
    if outcome.file is not None:
        job_result_files_delete(job)
        outcome.file.seek(0)
        name = default_storage.save(job_result_path(job, outcome.filename), File(outcome.file))
        size = default_storage.size(name)
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.state != Job.State.RUNNING or locked.attempts != attempt:
            raise JobSuperseded()
        data = dict(outcome.data)
        if outcome.commit is not None:
            data.update(outcome.commit() or {})
        locked.state = Job.State.DONE
        locked.finished_at = timezone.now()
        locked.heartbeat_at = locked.finished_at
        if locked.progress_total is not None:
            locked.progress_done = locked.progress_total
        locked.result = name
        locked.result_name = outcome.filename if name else ""
        locked.result_content_type = outcome.content_type if name else ""
        locked.result_size = size
        locked.result_data = data
        locked.error = ""
        locked.full_clean()
        locked.save()
    return locked


def job_fail(*, job, error, data=None):
    """Mark this try's job failed with a message for its requester (unless a later try took it over)."""
    changes = {"state": Job.State.FAILED, "finished_at": timezone.now(), "error": str(error)}
    if data:
        changes["result_data"] = data
    Job.objects.filter(pk=job.pk, attempts=job.attempts, state=Job.State.RUNNING).update(**changes)
    return Job.objects.get(pk=job.pk)


def job_execute(*, job_id):
    """One try of a job, as the worker's task runs it. Returns the finished job, or None if this try did nothing."""
    job = job_start(job_id=job_id)
    if job is None:
        return None
    with translation.override(job_language(job)):
        return _job_execute(job)


def job_language(job):
    """A job's file and email are in the language of the page that asked for it, else in the one
    on its requester's profile, else in the site's."""
    language = job.parameters.get(JOB_LANGUAGE) if isinstance(job.parameters, dict) else None
    if language in dict(settings.LANGUAGES):
        return language
    return person_language(job.requested_by) if job.requested_by_id else settings.LANGUAGE_CODE


def _job_execute(job):
    outcome = None
    try:
        outcome = KINDS[job.kind].run(job, JobProgress(job))
        job = job_finish(job=job, outcome=outcome)
    except JobSuperseded:
        logger.warning("Job %s: this try was superseded by a later one and stopped.", job.pk)
        return None
    except JobError as error:
        job = job_fail(job=job, error=error, data=error.data)
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        job = job_fail(
            job=job,
            error=_(
                "The job stopped on an unexpected error. Administrators can find the details in the log (job %(id)d)."
            )
            % {"id": job.pk},
        )
    finally:
        if outcome is not None:
            outcome.close()
    job_notify(job=job)
    return job


def job_notify(*, job):
    """Email the requester that their job is done (or failed), once: a link to its page, never its content."""
    if not job.is_finished or job.requested_by_id is None or job.notified_at is not None:
        return
    user = get_user_model().objects.filter(pk=job.requested_by_id, is_active=True).first()
    if user is None or not user.email:
        return
    with translation.override(job_language(job)):
        _job_notify(job, user)


def _job_notify(job, user):
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            if locked.notified_at is not None:
                return
            locked.notified_at = timezone.now()
            locked.save(update_fields=["notified_at"])
            # Sent inside the transaction: if sending fails, the job is not marked as notified.
            job_email(locked, user).send()
    except Exception:
        logger.exception("Could not email the requester of job %s", job.pk)


def job_email(job, user):
    kind = job.get_kind_display()
    if job.state == Job.State.DONE:
        subject = _("Ready: %(kind)s") % {"kind": kind}
        first = _("What you asked for is ready:")
        after = (
            _("Download it from its page within %(days)d days.") % {"days": settings.TRACKER_JOB_RESULT_DAYS}
            if job.result
            else _("See the outcome on its page.")
        )
    else:
        subject = _("Failed: %(kind)s") % {"kind": kind}
        first = _("What you asked for could not be done:")
        after = _("Its page says why.")
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.get_username()},
        "",
        first,
        f"{kind}: {job_description(job)}",
        "",
        after,
        absolute_url(job.get_absolute_url()),
    ]
    return EmailMessage(
        subject=subject, body="\n".join(lines) + "\n", from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
