"""A job and the downloads of its result (the models of commitments.jobs; see its __init__)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def job_result_path(job, filename):
    # Keyed by the job: an attempt that runs again writes over its own file, never beside it.
    return f"jobs/{job.pk}/{filename}"


class Job(models.Model):
    """Long work asked for by a person (or by the schedule), done by a worker, with its progress and result."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        LIST_EXPORT = "list_export", _("Commitment list export")
        IMPORT = "import", _("Spreadsheet import")
        BACKUP = "backup", _("Backup")
        REMINDERS = "reminders", _("Deadline reminders")
        HOUSEKEEPING = "housekeeping", _("Housekeeping")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # Empty for scheduled work (reminders, housekeeping, nightly backups).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("asked by")
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("out of"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.FileField(_("result file"), upload_to=job_result_path, max_length=300, blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_content_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(null=True, blank=True)
    # What the job found or did, for its page: counts, a summary, the rows an import refused.
    result_data = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    result_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="job_requester_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_total__isnull=True) | Q(progress_done__lte=models.F("progress_total")),
                name="job_progress_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(finished_at__isnull=False), name="job_done_has_finished_at"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("commitments:job", kwargs={"pk": self.pk})

    @property
    def is_finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self):
        if not self.progress_total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def has_result_file(self):
        return bool(self.result) and self.state == self.State.DONE


class JobDownload(models.Model):
    """One download of a job's result file: who, when, from where."""

    job = models.ForeignKey(Job, models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("job file download")
        verbose_name_plural = _("job file downloads")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} downloaded job {self.job_id} at {self.at:%Y-%m-%d %H:%M}"
