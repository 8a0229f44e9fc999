"""Keeping the job queue tidy (the housekeeping job): results past their days, jobs whose message was lost."""

import datetime
import logging

from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from ..jobs.models import Job

logger = logging.getLogger(__name__)

JOB_RUN_TASK = "commitments.jobs.tasks.job_run"


def job_enqueue(*, job):
    """Hand a job to the workers; if the queue cannot be reached the job fails, saying so."""
    try:
        current_app.tasks[JOB_RUN_TASK].apply_async(args=(job.pk,))
    except Exception:  # kombu raises its own OperationalError, or the transport's
        logger.exception("Could not queue job %s", job.pk)
        Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            error="The job queue could not be reached, so the job was not started. Try again in a while.",
        )


def job_result_files_delete(job):
    """Every file under the job's own folder (jobs/<id>/): what an earlier try of it may have left."""
    folder = f"jobs/{job.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


def job_results_purge_expired(*, now=None):
    """Delete result files of jobs finished more than TRACKER_JOB_RESULT_DAYS ago. Returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TRACKER_JOB_RESULT_DAYS)
    expired = Job.objects.filter(finished_at__lt=cutoff, result_removed_at__isnull=True).exclude(result="")
    count = 0
    for job in expired.only("pk", "result"):
        job_result_files_delete(job)
        Job.objects.filter(pk=job.pk).update(result="", result_removed_at=now)
        count += 1
    return count


def jobs_requeue_stalled(*, now=None, exclude=None):
    """Queue again the jobs nobody is working on: waiting, or running without a sign of life, for
    longer than the lease (their message was lost with a worker, say). Returns how many.

    Queuing a job twice is harmless: job_start() lets one try run and turns the other away.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.TRACKER_JOB_LEASE_SECONDS)
    stalled = Job.objects.filter(
        Q(state=Job.State.QUEUED, created_at__lt=cutoff) | Q(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
    )
    if exclude is not None:
        stalled = stalled.exclude(pk=exclude.pk)
    count = 0
    for job in stalled.only("pk"):
        job_enqueue(job=job)
        count += 1
    return count
