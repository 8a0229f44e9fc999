"""The public portal's own records: the public data version, and civil-society submissions.

- PublicDataVersion: one row, bumped (services.publishing.public_data_changed) in the same
  transaction as every write that changes what the portal shows; its number and time are the
  public pages' ETag and Last-Modified.
- Submission: evidence or a view sent by anyone on a published commitment. Never public: a
  reviewer of the commitment's jurisdiction accepts it (as a status update attributed to the
  submitting organisation, recorded by the reviewer), asks for more, or rejects it.
- SubmissionFile: a file sent with a submission, checked by content like any evidence.

The models are registered with the app by models.py, which imports this module.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# models.py imports this module at its end, once the classes below are defined.
from .models import Commitment, Organisation, StatusUpdate  # noqa: E402


class PublicDataVersion(models.Model):
    """How many times published data changed, and when it last did."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("public data version")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="public_data_version_one_row")]

    def __str__(self):
        return f"{self.version} ({self.changed_at:%Y-%m-%d %H:%M})"


def submission_upload_to(instance, filename):
    """Stored under a generated name; the original name is kept as data only."""
    suffix = uuid.uuid4().hex
    return f"submissions/{suffix[:2]}/{suffix}"


class SubmissionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=[Submission.State.RECEIVED, Submission.State.MORE_ASKED])


class Submission(models.Model):
    """What someone outside the tracker sent about a published commitment (never shown in public)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Waiting for moderation")
        MORE_ASKED = "more_asked", _("More information asked for")
        ACCEPTED = "accepted", _("Accepted as a status update")
        REJECTED = "rejected", _("Rejected")

    commitment = models.ForeignKey(Commitment, models.PROTECT, related_name="submissions", verbose_name=_("commitment"))
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), max_length=254, blank=True)
    statement = models.TextField(_("what they say"))
    links = models.JSONField(_("links"), default=list, blank=True)
    consent_to_attribution = models.BooleanField(_("agrees to be named as the source"), default=False)
    submitted_at = models.DateTimeField(_("sent at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.RECEIVED)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("moderator")
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderator_message = models.TextField(_("message to the sender"), blank=True)
    status_update = models.OneToOneField(
        StatusUpdate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="submission",
        verbose_name=_("status update"),
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who says so")
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("submission")
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="submission_statement_not_empty"),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(status_update__isnull=False),
                name="submission_accepted_has_update",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="submission_state_idx")]

    def __str__(self):
        return f"{self.commitment.reference}: {self.organisation_name or _('anonymous')} ({self.submitted_at:%Y-%m-%d})"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, models.CASCADE, related_name="files")
    file = models.FileField(upload_to=submission_upload_to, max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    location_metadata = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "id"]
        verbose_name = _("submitted file")

    def __str__(self):
        return self.original_filename
