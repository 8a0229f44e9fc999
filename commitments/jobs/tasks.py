"""The Celery tasks: run one try of a job; start the scheduled work (Celery beat sends these)."""

from celery import shared_task

from ..services import jobs


@shared_task(bind=True, name="commitments.jobs.tasks.job_run", acks_late=True, reject_on_worker_lost=True)
def job_run(self, job_id):
    """Run the job (acknowledged only once it has finished, so a lost worker's job is run again)."""
    try:
        jobs.job_execute(job_id=job_id)
    except jobs.JobBusy as busy:
        if self.request.is_eager:
            return
        # Delivered again while another try holds the job: look again once its lease may have lapsed.
        raise self.retry(countdown=busy.retry_in, max_retries=None)


@shared_task(name="commitments.jobs.tasks.job_scheduled")
def job_scheduled(kind):
    """Start scheduled work of `kind` (reminders, housekeeping, backup) as a job of its own."""
    jobs.job_request(user=None, kind=kind, parameters={})
