"""Reads: every list, count, export, email and feed starts from `visible_to(user)`."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import access


def _sensitivity():
    from .models import Sensitivity

    return Sensitivity


def stale_cutoff(now=None):
    """The first day that is recent enough: an update effective before it is TRACKER_STALE_DAYS old."""
    return timezone.localdate(now or timezone.now()) - datetime.timedelta(days=settings.TRACKER_STALE_DAYS)


class InstrumentQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class CommitmentQuerySet(models.QuerySet):
    def get_by_natural_key(self, instrument_code, reference):
        return self.get(instrument__code=instrument_code, reference=reference)

    def visible_to(self, user):
        """Commitments in the jurisdictions the user may read."""
        return self.filter(access.readable_jurisdictions_q(user))

    def writable_by(self, user):
        return self.filter(access.writable_jurisdictions_q(user))

    @staticmethod
    def overdue_q(today=None, status_field="status"):
        """Has a due date in the past and is not implemented (see Commitment.is_overdue).

        Reports ask it of an as-of status: status_field="status_as_of" with today=the end date.
        """
        from .models import Status

        today = today or timezone.localdate()
        return Q(due_on__lt=today) & ~Q(**{status_field: Status.IMPLEMENTED})

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today))

    @staticmethod
    def stale_q(now=None):
        """No unrestricted update has taken effect for TRACKER_STALE_DAYS days (see Commitment.is_stale).

        Measured by effective date, not by when the update was recorded: an update recorded
        today about 2019 does not make a commitment current.
        """
        cutoff = stale_cutoff(now)
        return Q(last_effective_on__isnull=True) | Q(last_effective_on__lt=cutoff)

    def stale(self, now=None):
        return self.filter(self.stale_q(now))

    def for_jurisdiction(self, jurisdiction):
        return self.filter(jurisdiction=jurisdiction)

    def with_related(self):
        return self.select_related("instrument", "jurisdiction", "responsible_body").prefetch_related("themes")

    def with_status_as_of(self, date, sensitivities=None, name="status_as_of"):
        """Annotate `name` (default `status_as_of`): the headline status on `date`, from the history.

        The one as-of implementation: the latest update (by effective date, recorded at, id)
        effective on or before `date` of the organisation running the tracker, or of any
        source where it has none. Restricted updates never move a headline; an external
        audience passes sensitivities=("public",). `date` may be an expression on the
        commitment (e.g. OuterRef("last_review_on")) so that each row has its own date.
        """
        from .models import Status, StatusUpdate

        Sensitivity = _sensitivity()
        if sensitivities is None:
            sensitivities = (Sensitivity.PUBLIC, Sensitivity.INTERNAL)
        candidates = StatusUpdate.objects.filter(
            commitment=OuterRef("pk"), effective_on__lte=date, sensitivity__in=sensitivities
        ).order_by("-effective_on", "-recorded_at", "-id")
        own = candidates.filter(assessor__slug=settings.TRACKER_ORGANISATION).values("status")[:1]
        anyone = candidates.values("status")[:1]
        return self.annotate(
            **{name: Coalesce(Subquery(own), Subquery(anyone), Value(Status.NO_INFORMATION))}
        )


class StatusUpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Updates of visible commitments; restricted ones only for the people named on them."""
        Sensitivity = _sensitivity()
        qs = self.filter(access.readable_jurisdictions_q(user, prefix="commitment__jurisdiction"))
        if not user.is_authenticated:
            return qs.none()
        named = self.model.restricted_to.through.objects.filter(statusupdate_id=OuterRef("pk"), user_id=user.pk)
        return qs.filter(~Q(sensitivity=Sensitivity.RESTRICTED) | Exists(named))

    def public(self):
        return self.filter(sensitivity=_sensitivity().PUBLIC)

    def unrestricted(self):
        return self.exclude(sensitivity=_sensitivity().RESTRICTED)

    def in_order(self):
        return self.order_by("effective_on", "recorded_at", "id")

    def latest_per_source_as_of(self, date, sensitivities=None):
        """Each source's view on `date`: per (commitment, assessor), the latest update effective by then.

        The per-source companion of CommitmentQuerySet.with_status_as_of (same order, same
        sensitivity rule), used where reports show who says what.
        """
        Sensitivity = _sensitivity()
        if sensitivities is None:
            sensitivities = (Sensitivity.PUBLIC, Sensitivity.INTERNAL)
        candidates = self.model.objects.filter(effective_on__lte=date, sensitivity__in=sensitivities)
        later = candidates.filter(
            commitment_id=OuterRef("commitment_id"), assessor_id=OuterRef("assessor_id")
        ).filter(
            Q(effective_on__gt=OuterRef("effective_on"))
            | Q(effective_on=OuterRef("effective_on"), recorded_at__gt=OuterRef("recorded_at"))
            | Q(effective_on=OuterRef("effective_on"), recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
        )
        return self.filter(effective_on__lte=date, sensitivity__in=sensitivities).filter(~Exists(later))


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evidence of visible commitments; restricted items (or items of a restricted update) only for those named."""
        Sensitivity = _sensitivity()
        qs = self.filter(access.readable_jurisdictions_q(user, prefix="commitment__jurisdiction"))
        if not user.is_authenticated:
            return qs.none()
        from .models import StatusUpdate

        named = self.model.restricted_to.through.objects.filter(evidence_id=OuterRef("pk"), user_id=user.pk)
        update_named = StatusUpdate.restricted_to.through.objects.filter(
            statusupdate_id=OuterRef("status_update_id"), user_id=user.pk
        )
        return qs.filter(
            ~Q(sensitivity=Sensitivity.RESTRICTED) | Exists(named),
        ).filter(
            Q(status_update__isnull=True)
            | ~Q(status_update__sensitivity=Sensitivity.RESTRICTED)
            | Exists(update_named)
        )

    def public(self):
        Sensitivity = _sensitivity()
        return self.filter(sensitivity=Sensitivity.PUBLIC).filter(
            Q(status_update__isnull=True) | Q(status_update__sensitivity=Sensitivity.PUBLIC)
        )
