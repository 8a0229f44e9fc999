"""Reads: named filters, and `visible_to(user)`, which every list, count, export, email and feed starts from.

The rules with a Python twin are written here as the `x_q()` half of a tested pair
(`Commitment.is_overdue()` / `overdue_q()`, `is_stale()` / `stale_q()`).
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import access
from .choices import Audience, Sensitivity, Status

# The order of a commitment's history (the rule register's "history order"): the later date it
# takes effect (a year or a month takes effect at its end: dates.takes_effect_on) decides; on
# the same day, the later recorded; then the later id.
HISTORY_ORDER = ("takes_effect_on", "recorded_at", "id")
HISTORY_ORDER_DESC = tuple(f"-{field}" for field in HISTORY_ORDER)


def _model(name):
    # Models are looked up by name: this module sits below models.py and cannot import it.
    return apps.get_model("commitments", name)


def tracker_organisation_id():
    """The id of the organisation running the tracker (TRACKER_ORGANISATION), or None.

    Its latest view is a commitment's headline. Found ids are kept per slug for the life of
    the process (an organisation's slug is its natural key and does not change); a missing
    organisation is looked up again next time, so creating it later takes effect at once.
    """
    slug = settings.TRACKER_ORGANISATION
    cache = tracker_organisation_id.__dict__.setdefault("cache", {})
    if slug not in cache:
        found = _model("Organisation").objects.filter(slug=slug).values_list("pk", flat=True).first()
        if found is None:
            return None
        cache[slug] = found
    return cache[slug]


def forget_tracker_organisation():
    """Drop the kept id (after the organisation table was reloaded, in seeding and tests)."""
    tracker_organisation_id.__dict__.get("cache", {}).clear()


def known_by_q(known_on, prefix=""):
    """Entries recorded on or before the day `known_on` (in the tracker's time zone): what was known then."""
    if known_on is None:
        return Q()
    start = datetime.datetime.combine(known_on + datetime.timedelta(days=1), datetime.time.min)
    return Q(**{f"{prefix}recorded_at__lt": timezone.make_aware(start)})


def stale_cutoff(now=None):
    """The first day that is recent enough: an update effective before it is TRACKER_STALE_DAYS old."""
    return timezone.localdate(now or timezone.now()) - datetime.timedelta(days=settings.TRACKER_STALE_DAYS)


# --- Jurisdictions: what a person may read and write ------------------------------------


class JurisdictionQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def readable_by(self, user):
        """The jurisdictions on the user's profile (write implies read); all of them for administrators."""
        if not access.is_signed_in(user):
            return self.none()
        if access.is_administrator(user):
            return self.all()
        return self.filter(Q(readers__user=user) | Q(writers__user=user)).distinct()

    def writable_by(self, user):
        if access.is_administrator(user):
            return self.all()
        if not access.is_editor(user):
            return self.none()
        return self.filter(writers__user=user)


def readable_jurisdictions_q(user, prefix="jurisdiction"):
    """A Q matching records in the jurisdictions `user` may read."""
    if not access.is_signed_in(user):
        return Q(pk__in=[])
    if access.is_administrator(user):
        return Q()
    readable = _model("Jurisdiction").objects.filter(Q(readers__user=user) | Q(writers__user=user)).values("pk")
    return Q(**{f"{prefix}__in": readable})


def readers_of_jurisdiction(jurisdiction_id):
    """The active people who may read records of a jurisdiction (the pair of readable_by, seen from the people).

    Administrators read every jurisdiction; anyone else through their profile (write implies read).
    """
    profiles = (
        _model("Profile")
        .objects.filter(Q(read_jurisdictions=jurisdiction_id) | Q(write_jurisdictions=jurisdiction_id))
        .values("user_id")
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=access.ADMINISTRATOR) | Q(pk__in=profiles))
        .distinct()
    )


def writable_jurisdictions_q(user, prefix="jurisdiction"):
    if access.is_administrator(user):
        return Q()
    if not access.is_editor(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}__in": _model("Jurisdiction").objects.filter(writers__user=user).values("pk")})


# --- Instruments and commitments --------------------------------------------------------


class InstrumentQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    @staticmethod
    def report_overdue_q(today=None):
        """The next report is past its due date (the pair of Instrument.is_report_overdue)."""
        return Q(next_report_due_on__lt=today or timezone.localdate())

    def report_overdue(self, today=None):
        return self.filter(self.report_overdue_q(today))

    def published(self):
        """Instruments an administrator chose to show on the public portal."""
        return self.filter(published=True)


class GSPRequirementQuerySet(models.QuerySet):
    def get_by_natural_key(self, scheme_code, instrument_code):
        return self.get(scheme__code=scheme_code, instrument__code=instrument_code)

    @staticmethod
    def in_force_q(on=None):
        """The requirement's list applies on `on` (the pair of GSPRequirementList.is_in_force); no list: always."""
        on = on or timezone.localdate()
        return Q(scheme__requirement_list__isnull=True) | (
            Q(scheme__requirement_list__valid_from__lte=on)
            & (Q(scheme__requirement_list__valid_until__isnull=True) | Q(scheme__requirement_list__valid_until__gte=on))
        )

    def in_force(self, on=None):
        return self.filter(self.in_force_q(on))


class CommitmentQuerySet(models.QuerySet):
    def get_by_natural_key(self, instrument_code, reference):
        return self.get(instrument__code=instrument_code, reference=reference)

    def visible_to(self, user):
        """Commitments in the jurisdictions the user may read."""
        return self.filter(readable_jurisdictions_q(user))

    def writable_by(self, user):
        return self.filter(writable_jurisdictions_q(user))

    @staticmethod
    def overdue_q(today=None, status_field="status"):
        """Has a due date in the past and is not implemented (the pair of Commitment.is_overdue).

        Reports ask it of an as-of status: status_field="status_end" with today=the end date.
        """
        today = today or timezone.localdate()
        return Q(due_on__lt=today) & ~Q(**{status_field: Status.IMPLEMENTED})

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today))

    @staticmethod
    def open_deadline_q():
        """Has a due date and is not implemented: a deadline still to meet (overdue or not)."""
        return Q(due_on__isnull=False) & ~Q(status=Status.IMPLEMENTED)

    def with_open_deadline(self):
        return self.filter(self.open_deadline_q())

    @staticmethod
    def stale_q(now=None):
        """No unrestricted update has taken effect for TRACKER_STALE_DAYS days (the pair of Commitment.is_stale).

        Measured by effective date, not by when the update was recorded: an update recorded
        today about 2019 does not make a commitment current.
        """
        cutoff = stale_cutoff(now)
        return Q(last_effective_on__isnull=True) | Q(last_effective_on__lt=cutoff)

    def stale(self, now=None):
        return self.filter(self.stale_q(now))

    @staticmethod
    def published_q(prefix=""):
        """On the public portal: it and its instrument are published (the pair of Commitment.is_published)."""
        return Q(**{f"{prefix}published": True, f"{prefix}instrument__published": True})

    def published(self):
        return self.filter(self.published_q())

    def with_related(self):
        return self.select_related("instrument", "jurisdiction", "responsible_body", "recommendation").prefetch_related(
            "themes", "recommendation__sdg_targets"
        )

    def with_headline_as_of(self, date, *, sensitivities=None, fields=None, known_on=None):
        """Annotate fields of the update deciding each commitment's headline on `date`.

        `known_on`: the headline on `date` as it was known on that day (bitemporal): only the
        entries recorded by then count, so "what did we say in 2022" does not change when an
        entry about 2021 is recorded in 2024.

        `fields` maps annotation names to StatusUpdate fields, e.g. {"status_as_of": "status"}.
        The deciding update is the first of StatusUpdateQuerySet.headline_candidates(): the
        latest (in history order) effective on or before `date` of the organisation running
        the tracker, or of any source where it has none. A name is None where there is no
        update (`status` fields fall back to "no information"). `date` may be an expression
        on the commitment (e.g. OuterRef("report_baseline")) so that each row has its own date.
        """
        candidates = _model("StatusUpdate").objects.headline_candidates(
            date, sensitivities=sensitivities, known_on=known_on
        )
        own_id = tracker_organisation_id()
        own = candidates.filter(assessor_id=own_id) if own_id is not None else candidates.none()
        annotations = {}
        for name, field in (fields or {}).items():
            if field == "status":
                # Never null: the first candidate of the organisation, else of anyone.
                annotations[name] = Coalesce(
                    Subquery(own.values(field)[:1]),
                    Subquery(candidates.values(field)[:1]),
                    Value(Status.NO_INFORMATION),
                )
            else:
                annotations[name] = Case(
                    When(Exists(own), then=Subquery(own.values(field)[:1])),
                    default=Subquery(candidates.values(field)[:1]),
                )
        return self.annotate(**annotations)

    def with_follow_up_grade(self, date=None, *, sensitivities=None, name="follow_up_grade"):
        """Annotate `name`: the latest A–E grade a treaty body gave the follow-up on each commitment (by `date`).

        Read from the history in history order; restricted updates never show (as for the headline).
        """
        if sensitivities is None:
            sensitivities = Audience.INTERNAL.sensitivities
        graded = (
            _model("StatusUpdate")
            .objects.filter(commitment=OuterRef("pk"), sensitivity__in=sensitivities)
            .exclude(follow_up_grade="")
        )
        if date is not None:
            graded = graded.filter(takes_effect_on__lte=date)
        return self.annotate(**{name: Subquery(graded.order_by(*HISTORY_ORDER_DESC).values("follow_up_grade")[:1])})

    def with_status_as_of(self, date, sensitivities=None, name="status_as_of", known_on=None):
        """Annotate `name`: the headline status on `date`, from the history (the one as-of implementation).

        `known_on`: as it was known on that day (see with_headline_as_of).
        """
        return self.with_headline_as_of(date, sensitivities=sensitivities, fields={name: "status"}, known_on=known_on)


# --- The history ------------------------------------------------------------------------


class StatusUpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Updates of visible commitments; restricted ones only for the people named on them."""
        qs = self.filter(readable_jurisdictions_q(user, prefix="commitment__jurisdiction"))
        if not access.is_signed_in(user):
            return qs.none()
        named = self.model.restricted_to.through.objects.filter(statusupdate_id=OuterRef("pk"), user_id=user.pk)
        return qs.filter(~Q(sensitivity=Sensitivity.RESTRICTED) | Exists(named))

    def public(self):
        return self.filter(sensitivity=Sensitivity.PUBLIC)

    def unrestricted(self):
        return self.exclude(sensitivity=Sensitivity.RESTRICTED)

    @staticmethod
    def superseded_q(prefix=""):
        """A later entry corrects this one (the SQL half of StatusUpdate.is_superseded())."""
        return Exists(_model("StatusUpdate").objects.filter(corrects_id=OuterRef(f"{prefix}pk")))

    def in_force(self):
        """The entries that count: every one no correction supersedes (corrected ones stay in the history)."""
        return self.filter(~self.superseded_q())

    def public_verified(self):
        """Public material: marked public, verified by a reviewer, holding no personal data, in force.

        The public headline (derived.refresh_public) and every public page read only these.
        """
        return self.in_force().filter(sensitivity=Sensitivity.PUBLIC, verified_at__isnull=False, personal_data=False)

    def published(self):
        """The public updates of published commitments: what the public portal shows of a history."""
        return self.public_verified().filter(CommitmentQuerySet.published_q("commitment__"))

    def headline_candidates(self, date=None, *, sensitivities=None, known_on=None):
        """The updates of the commitment OuterRef("pk") that may decide its headline on `date`, best first.

        "No information" is never a view, so it is never a candidate (derived.is_view); an
        update counts from the day it takes effect (the end of a year or a month it names).
        Restricted updates never move a headline (everyone who may see the commitment sees
        its headline); an external audience passes sensitivities=("public",). With no
        date, every update counts, whatever its effective date. With `known_on`, only the
        updates recorded by that day (known_by_q).
        """
        if sensitivities is None:
            sensitivities = Audience.INTERNAL.sensitivities
        candidates = (
            self.model.objects.in_force()
            .filter(known_by_q(known_on), commitment=OuterRef("pk"), sensitivity__in=sensitivities)
            .exclude(status=Status.NO_INFORMATION)
        )
        if date is not None:
            candidates = candidates.filter(takes_effect_on__lte=date)
        return candidates.order_by(*HISTORY_ORDER_DESC)

    def latest_per_source_as_of(self, date, sensitivities=None, known_on=None):
        """Each source's view on `date`: per (commitment, assessor), the latest real view in effect by then.

        The per-source companion of CommitmentQuerySet.with_status_as_of (same order, same
        sensitivity rule, the same `known_on`), used where reports show who says what.
        """
        if sensitivities is None:
            sensitivities = Audience.INTERNAL.sensitivities
        known = known_by_q(known_on)
        candidates = (
            self.model.objects.in_force()
            .filter(known, takes_effect_on__lte=date, sensitivity__in=sensitivities)
            .exclude(status=Status.NO_INFORMATION)
        )
        later = candidates.filter(commitment_id=OuterRef("commitment_id"), assessor_id=OuterRef("assessor_id")).filter(
            Q(takes_effect_on__gt=OuterRef("takes_effect_on"))
            | Q(takes_effect_on=OuterRef("takes_effect_on"), recorded_at__gt=OuterRef("recorded_at"))
            | Q(
                takes_effect_on=OuterRef("takes_effect_on"),
                recorded_at=OuterRef("recorded_at"),
                id__gt=OuterRef("id"),
            )
        )
        return (
            self.in_force()
            .filter(known, takes_effect_on__lte=date, sensitivity__in=sensitivities)
            .exclude(status=Status.NO_INFORMATION)
            .filter(~Exists(later))
        )


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evidence of visible commitments; restricted items (or items of a restricted update) only for those named."""
        qs = self.filter(readable_jurisdictions_q(user, prefix="commitment__jurisdiction"))
        if not access.is_signed_in(user):
            return qs.none()
        named = self.model.restricted_to.through.objects.filter(evidence_id=OuterRef("pk"), user_id=user.pk)
        update_named = _model("StatusUpdate").restricted_to.through.objects.filter(
            statusupdate_id=OuterRef("status_update_id"), user_id=user.pk
        )
        return qs.filter(
            ~Q(sensitivity=Sensitivity.RESTRICTED) | Exists(named),
        ).filter(
            Q(status_update__isnull=True) | ~Q(status_update__sensitivity=Sensitivity.RESTRICTED) | Exists(update_named)
        )

    def public(self):
        return self.filter(sensitivity=Sensitivity.PUBLIC).filter(
            Q(status_update__isnull=True) | Q(status_update__sensitivity=Sensitivity.PUBLIC)
        )

    def public_material(self):
        """Public evidence: marked public, unredacted, free of personal data, attached to its commitment itself
        or to a public update (StatusUpdateQuerySet.public_verified)."""
        public_updates = _model("StatusUpdate").objects.public_verified().values("pk")
        return self.filter(sensitivity=Sensitivity.PUBLIC, redacted_at__isnull=True, personal_data=False).filter(
            Q(status_update__isnull=True) | Q(status_update__in=public_updates)
        )

    def published(self):
        """Evidence the public portal shows: public material of a published commitment."""
        return self.public_material().filter(CommitmentQuerySet.published_q("commitment__"))


class IssueUpdateQuerySet(models.QuerySet):
    def get_by_natural_key(self, submission_key):
        return self.get(submission_key=submission_key)

    def visible_to(self, user):
        """Public updates to everyone signed in; internal ones to those who may read the convention's jurisdiction."""
        if not access.is_signed_in(user):
            return self.none()
        if access.is_administrator(user):
            return self.all()  # (an empty Q would drop out of the "or" below)
        return self.filter(
            Q(sensitivity=Sensitivity.PUBLIC) | readable_jurisdictions_q(user, prefix="issue__convention__jurisdiction")
        )


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries about records the user may read: an entry about a restricted item only for those named on it."""
        if not access.is_signed_in(user):
            return self.none()
        updates = _model("StatusUpdate").objects.visible_to(user).values("pk")
        evidence = _model("Evidence").objects.visible_to(user).values("pk")
        commitments = _model("Commitment").objects.visible_to(user).values("pk")
        return self.filter(
            Q(status_update__isnull=True) | Q(status_update__in=updates),
            Q(evidence__isnull=True) | Q(evidence__in=evidence),
            Q(commitment__isnull=True) | Q(commitment__in=commitments),
            Q(related_commitment__isnull=True) | Q(related_commitment__in=commitments),
        )

    def about_commitment(self, commitment):
        """Entries shown on a commitment's page: its own, and the links that reach it from another."""
        return self.filter(Q(commitment=commitment) | Q(related_commitment=commitment))
