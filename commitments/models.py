"""The tracker's domain: instruments, the commitments made under them, and the
append-only history of what each source says has been done.

The rule register: every business rule, and its one home. A rule needed both per object
and in SQL is a named pair x() / x_q(), and a test checks that the two agree.

| rule                         | home                                                                 |
|------------------------------|----------------------------------------------------------------------|
| overdue                      | Commitment.is_overdue() / CommitmentQuerySet.overdue_q()             |
| open deadline                | CommitmentQuerySet.open_deadline_q() (due date, not implemented)     |
| report overdue               | Instrument.is_report_overdue() / InstrumentQuerySet.report_overdue_q() |
| stale                        | Commitment.is_stale() / CommitmentQuerySet.stale_q()                 |
| history order                | querysets.HISTORY_ORDER (derived.history_key() for objects)          |
| when an update takes effect  | dates.takes_effect_on() (end of a year or month), stored as StatusUpdate.takes_effect_on |
| "no information" is no view  | derived.is_view(); StatusUpdateQuerySet.headline_candidates() / latest_per_source_as_of() in SQL |
| headline, views, contested   | derived.derive() on a history; StatusUpdateQuerySet.headline_candidates() in SQL |
| since, last confirmed        | derived.status_run() (the deciding source's unbroken run), stored by derive() |
| status as of a date          | CommitmentQuerySet.with_headline_as_of() / with_status_as_of()       |
| earliest date of a history   | services.history.earliest_allowed_date() (Commitment.history_starts_on, else the instrument's) |
| recompute derived data       | derived.rederive_all() (manage.py tracker_rederive)                  |
| government bars              | selectors.dashboard.jurisdiction_bars() leaves out Commitment.is_own_project |
| audience → sensitivities     | choices.Audience.sensitivities                                       |
| the tracker's organisation   | querysets.tracker_organisation_id()                                  |
| visibility                   | <Model>.objects.visible_to(user); jurisdictions in querysets         |
| administrator, roles, rights | access.py                                                            |
| a person's profile           | services.people.profile_for()                                        |
| a person's language          | services.people.profile_language() / person_language()               |
| a content field's language   | models.in_page_language() (shown_title, shown_description)           |
| client address               | auth.client_ip_address()                                             |
| contribution links acyclic   | services.commitments.commitment_link_add()                           |
| who sees a job and its file  | access.may_see_job() / access.may_download_job_result()              |
| a job's work happens once    | services.jobs.job_start() (lease) / job_finish() (keyed by job id)   |
| contributes at any depth     | CommitmentRollUp rows, written by services.commitments via derived.rollup_*() |
| GSP+ requirements in force   | GSPRequirementList.is_in_force() / GSPRequirementQuerySet.in_force_q() |
| an issue's state in a cycle  | derived.derive() on the cycle's IssueUpdates (the headline rule)     |
| API token accepted           | access.api_token_refusal() (ApiToken.is_expired() / is_revoked)      |
| a cluster shares its actions | services.recommendations (and commitment_link_add for a new link)    |
| deadline passed              | models.deadline_passed() (report, computed and follow-up deadlines)  |
| follow-up reply overdue      | Recommendation.is_follow_up_overdue() / follow_up_overdue_q()        |
| next due date by the cycle   | ReportingCycle.next_due(); selectors.deadlines.computed_deadlines()  |
| what a deadline is           | choices.DeadlineKind, on every Deadline (selectors.deadlines)        |
| similar recommendations      | overlaps.similar_recommendations()                                   |
| sane date range              | dates.validate_sane_date() (model fields, forms, import)             |
| who manages whom             | access.may_manage_person() / access.grantable_roles()                |
| who may record in whose name | access.may_record_for() (else the claim's document is required)       |
| who may correct an entry     | access.may_correct()                                                 |
| a superseded (corrected) entry | StatusUpdate.is_superseded() / StatusUpdateQuerySet.superseded_q() |
| a step down in status        | choices.Status.is_step_down()                                        |
| audit trail                  | services.audit.audit_entry_add(); AuditEntry.objects.visible_to(user) |
| what is public               | Commitment.is_published() / CommitmentQuerySet.published_q();        |
|                              | StatusUpdateQuerySet.public_verified() / EvidenceQuerySet.published() |
| the public headline          | derived.refresh_public() (derive() over public updates), by services |
| public data version          | services.publishing.public_data_changed() (ETag, Last-Modified)     |
| who moderates a submission   | access.may_moderate_submission()                                     |

Derived data (headline, each source's view, contested, counts, trend) is written only by
services.history through derived.py, in the transaction that changes the history.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Audience, DeadlineKind, Precision, Sensitivity, Status
from .dates import format_partial_date, takes_effect_on, validate_sane_date
from .querysets import (
    HISTORY_ORDER,
    AuditEntryQuerySet,
    CommitmentQuerySet,
    EvidenceQuerySet,
    GSPRequirementQuerySet,
    InstrumentQuerySet,
    IssueUpdateQuerySet,
    JurisdictionQuerySet,
    StatusUpdateQuerySet,
    stale_cutoff,
)


def in_page_language(obj, field):
    """A content field in the page's language: its Urdu version when the page is in Urdu and
    one is given, otherwise the English one."""
    if get_language() == "ur":
        return getattr(obj, f"{field}_ur", "") or getattr(obj, field)
    return getattr(obj, field)


def deadline_passed(due_on, today=None):
    """A deadline is passed (overdue, if not met) from the day after its due date."""
    today = today or timezone.localdate()
    return due_on is not None and due_on < today


# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------


class SourceManager(models.Manager):
    def get_by_natural_key(self, url):
        return self.get(url=url)


class Source(models.Model):
    """A public document a record rests on: the seed article, a UN page, a news report."""

    url = models.URLField(_("address"), max_length=500, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)

    # Declared in the class so that it is the default manager, which fixtures use for natural keys.
    objects = SourceManager()

    class Meta:
        ordering = ["url"]
        verbose_name = _("source")

    def __str__(self):
        return self.title or self.url

    def natural_key(self):
        return (self.url,)


class Sourced(models.Model):
    """Where a record comes from: one or more public sources, and the article passage it rests on."""

    sources = models.ManyToManyField(Source, blank=True, related_name="+", verbose_name=_("sources"))
    source_quote = models.TextField(
        _("source passage"),
        blank=True,
        help_text=_("The short passage of the source this record rests on, word for word."),
    )

    class Meta:
        abstract = True


class NaturalKeyManager(models.Manager):
    """Fixtures refer to records by a stable key, not by their database id."""

    key_field = "slug"

    def get_by_natural_key(self, key):
        return self.get(**{self.key_field: key})


# ---------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------


class Jurisdiction(models.Model):
    class Kind(models.TextChoices):
        FEDERAL = "federal", _("Federal")
        PROVINCE = "province", _("Province")
        TERRITORY = "territory", _("Territory")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("jurisdiction")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Organisation(Sourced):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        NHRI = "nhri", _("National human rights institution")
        LEGISLATURE = "legislature", _("Legislature or caucus")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        INTERNATIONAL = "international", _("International body")
        TREATY_BODY = "treaty_body", _("Treaty body")
        MEDIA = "media", _("News media")

    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    jurisdiction = models.ForeignKey(
        Jurisdiction, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("jurisdiction")
    )
    established_on = models.DateField(_("established"), null=True, blank=True, validators=[validate_sane_date])
    established_precision = models.CharField(_("established precision"), max_length=5, choices=Precision, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self):
        return self.short_name or self.name

    def natural_key(self):
        return (self.slug,)

    @property
    def established_display(self):
        return format_partial_date(self.established_on, self.established_precision)

    @property
    def is_government(self):
        return self.kind in {self.Kind.GOVERNMENT, self.Kind.LEGISLATURE}


class Theme(models.Model):
    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)

    objects = NaturalKeyManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# ---------------------------------------------------------------------------------------
# Instruments and the GSP+ requirements
# ---------------------------------------------------------------------------------------


# An instrument's code is part of page addresses and of the list's filters: letters, digits and
# a few marks, never a "/" that would split the address.
instrument_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._+-]*$",
    _("Use letters, digits and - _ . + only (no spaces or “/”), starting with a letter or digit."),
    code="instrument_code",
)


class Instrument(Sourced):
    """Where commitments come from: a treaty, a convention, a trade scheme, a plan, a law."""

    class Kind(models.TextChoices):
        UN_CORE = "un_core", _("UN core human-rights treaty")
        UN_HR = "un_hr", _("Other UN human-rights convention")
        UN_PROTOCOL = "un_protocol", _("Optional protocol")
        ILO_FUNDAMENTAL = "ilo_fundamental", _("ILO fundamental convention")
        ILO_OTHER = "ilo_other", _("Other ILO convention")
        ENVIRONMENT = "environment", _("Environmental convention")
        GOVERNANCE = "governance", _("Good-governance convention")
        TRADE_SCHEME = "trade_scheme", _("Trade scheme")
        NATIONAL_PLAN = "national_plan", _("National action plan")
        PROVINCIAL_PLAN = "provincial_plan", _("Provincial action plan")
        PROVINCIAL_POLICY = "provincial_policy", _("Provincial policy")
        LAW = "law", _("National law")
        PROVINCIAL_LAW = "provincial_law", _("Provincial law")
        RESOLUTION = "resolution", _("Legislative resolution")
        INSTITUTION = "institution", _("Institutional commitment")
        UN_MECHANISM = "un_mechanism", _("UN human-rights mechanism (UPR, special procedures)")

    class PakistanStatus(models.TextChoices):
        RATIFIED = "ratified", _("Ratified")
        ACCEDED = "acceded", _("Acceded")
        PARTY = "party", _("Party")
        SIGNED = "signed", _("Signed, not ratified")
        NOT_RATIFIED = "not_ratified", _("Not ratified")
        BENEFICIARY = "beneficiary", _("Beneficiary")
        ADOPTED = "adopted", _("Adopted")
        LAUNCHED = "launched", _("Launched")
        ENACTED = "enacted", _("Enacted")
        PASSED = "passed", _("Passed")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[instrument_code_validator],
        help_text=_("Letters, digits and - _ . + only, e.g. ICCPR or C029: the code is part of page addresses."),
    )
    title = models.CharField(_("title"), max_length=300)
    # Urdu versions, shown when the page is in Urdu; empty falls back to the English one.
    title_ur = models.CharField(_("title in Urdu"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    jurisdiction = models.ForeignKey(
        Jurisdiction, models.PROTECT, related_name="instruments", verbose_name=_("jurisdiction")
    )
    monitoring_body = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="monitored_instruments",
        verbose_name=_("monitoring body"),
    )
    pakistan_status = models.CharField(_("Pakistan's status"), max_length=20, choices=PakistanStatus, blank=True)
    status_detail = models.CharField(_("status detail"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed"), null=True, blank=True, validators=[validate_sane_date])
    signed_precision = models.CharField(_("signed precision"), max_length=5, choices=Precision, blank=True)
    # The date Pakistan became bound or the plan took effect: ratified, acceded, adopted, launched.
    bound_on = models.DateField(_("ratified / adopted"), null=True, blank=True, validators=[validate_sane_date])
    bound_precision = models.CharField(_("bound precision"), max_length=5, choices=Precision, blank=True)
    reservations = models.TextField(_("reservations and declarations"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Reporting cycle: the periodicity as the body states it, and the next due date with its source.
    reporting_periodicity = models.CharField(_("reporting periodicity"), max_length=100, blank=True)
    next_report_due_on = models.DateField(_("next report due"), null=True, blank=True, validators=[validate_sane_date])
    next_report_due_source = models.CharField(_("source of the next due date"), max_length=500, blank=True)
    next_report_kind = models.CharField(
        _("what the next due date is for"),
        max_length=24,
        choices=DeadlineKind.report_kinds(),
        default=DeadlineKind.PERIODIC_REPORT,
    )
    focal_persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="InstrumentFocalPerson",
        related_name="focal_instruments",
        verbose_name=_("focal persons"),
    )
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Shown on the public portal (with its published commitments).")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords(excluded_fields=["is_demo"])
    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        constraints = [
            models.CheckConstraint(
                condition=Q(next_report_due_on__isnull=True) | ~Q(next_report_due_source=""),
                name="instrument_next_report_due_has_source",
            ),
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True) | ~Q(signed_precision=""),
                name="instrument_signed_has_precision",
            ),
            models.CheckConstraint(
                condition=Q(bound_on__isnull=True) | ~Q(bound_precision=""),
                name="instrument_bound_has_precision",
            ),
        ]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("commitments:instrument", args=[self.code])

    @property
    def shown_title(self):
        """The title in the page's language (the Urdu one, where given, on an Urdu page)."""
        return in_page_language(self, "title")

    def natural_key(self):
        return (self.code,)

    def is_report_overdue(self, today=None):
        """The next report to the monitoring body is past its due date (see InstrumentQuerySet.report_overdue_q)."""
        return deadline_passed(self.next_report_due_on, today)

    @property
    def signed_display(self):
        return format_partial_date(self.signed_on, self.signed_precision)

    @property
    def bound_display(self):
        return format_partial_date(self.bound_on, self.bound_precision)


class GSPRequirement(models.Model):
    """A convention a trade scheme requires (GSP+ Annex VIII): data, not code."""

    class Group(models.TextChoices):
        HUMAN_RIGHTS = "human_rights", _("Human rights")
        LABOUR = "labour", _("Labour rights")
        ENVIRONMENT = "environment", _("Environment")
        GOVERNANCE = "governance", _("Good governance")

    scheme = models.ForeignKey(
        Instrument, models.CASCADE, related_name="required_conventions", verbose_name=_("scheme")
    )
    instrument = models.ForeignKey(
        Instrument, models.PROTECT, related_name="gsp_requirements", verbose_name=_("convention")
    )
    annex_part = models.CharField(_("annex part"), max_length=40)
    group = models.CharField(_("group"), max_length=20, choices=Group)

    objects = GSPRequirementQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "group", "instrument"]
        verbose_name = _("GSP+ requirement")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "instrument"], name="gsp_requirement_unique"),
            models.CheckConstraint(condition=~Q(scheme=F("instrument")), name="gsp_requirement_not_self"),
        ]

    def __str__(self):
        return f"{self.scheme.code} requires {self.instrument.code} ({self.get_group_display()})"

    def natural_key(self):
        return (self.scheme.code, self.instrument.code)


class SchemeKeyManager(NaturalKeyManager):
    key_field = "scheme__code"


class GSPRequirementList(Sourced):
    """The list of conventions one version of the regulation requires, and when it applies: data, not code.

    Regulation 978/2012 Annex VIII today; a successor regulation is a new scheme with a list
    of its own (it may add conventions), valid from its own date. A scheme with no list
    applies at every date.
    """

    scheme = models.OneToOneField(Instrument, models.CASCADE, related_name="requirement_list", verbose_name=_("scheme"))
    title = models.CharField(_("title"), max_length=200)
    valid_from = models.DateField(_("applies from"))
    valid_until = models.DateField(_("applies until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = SchemeKeyManager()

    class Meta:
        ordering = ["valid_from", "scheme"]
        verbose_name = _("GSP+ requirement list")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="gsp_requirement_list_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.scheme.code}: {self.title}"

    def natural_key(self):
        return (self.scheme.code,)

    natural_key.dependencies = ["commitments.instrument"]

    def is_in_force(self, on=None):
        """The list applies on `on` (see GSPRequirementQuerySet.in_force_q)."""
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class ReviewManager(models.Manager):
    def get_by_natural_key(self, instrument_code, reviewed_on, title):
        return self.get(instrument__code=instrument_code, reviewed_on=reviewed_on, title=title)


class Review(Sourced):
    """A past review of Pakistan under an instrument: a treaty-body review, an EU GSP report, a mission."""

    class Kind(models.TextChoices):
        TREATY_BODY = "treaty_body", _("Treaty-body review")
        UPR = "upr", _("Universal Periodic Review")
        SPECIAL_PROCEDURE = "special_procedure", _("Special procedure report")
        ILO_COMMENTS = "ilo_comments", _("ILO supervisory comments")
        GSP_REPORT = "gsp_report", _("EU GSP report")
        MONITORING_MISSION = "monitoring_mission", _("Monitoring mission")
        OTHER = "other", _("Other review")

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="reviews", verbose_name=_("instrument"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    title = models.CharField(_("what was reviewed"), max_length=300)
    reviewed_on = models.DateField(_("date"), validators=[validate_sane_date])
    reviewed_precision = models.CharField(
        _("reviewed precision"), max_length=5, choices=Precision, default=Precision.DAY
    )
    url = models.URLField(_("concluding observations or report"), max_length=500, blank=True)
    document_symbol = models.CharField(
        _("document symbol"), max_length=100, blank=True, help_text=_("e.g. of the concluding observations.")
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ReviewManager()

    class Meta:
        ordering = ["instrument", "-reviewed_on"]
        verbose_name = _("review")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "reviewed_on", "title"], name="review_unique"),
        ]

    def __str__(self):
        return f"{self.instrument.code}: {self.title} ({self.reviewed_display})"

    def natural_key(self):
        return (self.instrument.code, self.reviewed_on.isoformat(), self.title)

    natural_key.dependencies = ["commitments.instrument"]

    @property
    def reviewed_display(self):
        return format_partial_date(self.reviewed_on, self.reviewed_precision)


# ---------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------


class Commitment(Sourced):
    """One obligation or action under an instrument."""

    class RecommendationResponse(models.TextChoices):
        SUPPORTED = "supported", _("Supported")
        NOTED = "noted", _("Noted")

    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="commitments", verbose_name=_("instrument"))
    reference = models.CharField(_("reference"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # Urdu versions, shown when the page is in Urdu; empty falls back to the English one.
    title_ur = models.CharField(_("title in Urdu"), max_length=300, blank=True)
    description_ur = models.TextField(_("description in Urdu"), blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, models.PROTECT, related_name="commitments", verbose_name=_("jurisdiction")
    )
    responsible_body = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name=_("responsible body"),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="commitments", verbose_name=_("themes"))
    due_on = models.DateField(_("due date"), null=True, blank=True, validators=[validate_sane_date])
    articles = models.CharField(_("convention articles"), max_length=200, blank=True)
    recommendation_ref = models.CharField(_("recommendation reference"), max_length=200, blank=True)
    recommendation_response = models.CharField(
        _("Pakistan's response"), max_length=10, choices=RecommendationResponse, blank=True
    )
    review = models.ForeignKey(
        Review,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("received in review"),
    )
    contributes_to = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="CommitmentLink",
        related_name="contributions",
        blank=True,
        verbose_name=_("contributes to"),
    )
    focal_persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="CommitmentFocalPerson",
        related_name="focal_commitments",
        verbose_name=_("focal persons"),
    )

    # Derived from the status history by status_update_record(); never edited by hand.
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.NO_INFORMATION, editable=False)
    # Since when: the first update of the deciding source's unbroken run of the headline status.
    status_on = models.DateField(_("status since"), null=True, blank=True, editable=False)
    status_precision = models.CharField(
        _("status precision"), max_length=5, choices=Precision, blank=True, editable=False
    )
    # Last confirmed: the latest update of that run.
    confirmed_on = models.DateField(_("last confirmed"), null=True, blank=True, editable=False)
    confirmed_precision = models.CharField(
        _("last confirmed precision"), max_length=5, choices=Precision, blank=True, editable=False
    )
    contested = models.BooleanField(_("contested"), default=False, editable=False)
    last_recorded_at = models.DateTimeField(_("last update recorded"), null=True, blank=True, editable=False)
    # The latest effective date of any unrestricted update: what "stale" is measured by.
    last_effective_on = models.DateField(_("last update effective"), null=True, blank=True, editable=False)

    # The earliest date its history may carry (preparatory steps before the instrument's date):
    # empty means the instrument's own date (services.history.earliest_allowed_date).
    history_starts_on = models.DateField(
        _("history starts on"),
        null=True,
        blank=True,
        validators=[validate_sane_date],
        help_text=_("Leave empty for the instrument's date. An earlier date needs a reason."),
    )
    history_starts_reason = models.CharField(
        _("why the history starts then"),
        max_length=300,
        blank=True,
        help_text=_("E.g. the plan was drafted before it was adopted."),
    )
    is_own_project = models.BooleanField(
        _("the tracker organisation's own project"),
        default=False,
        help_text=_("Work the tracker's organisation does itself; not counted among a government's commitments."),
    )

    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Shown on the public portal when its instrument is published too.")
    )
    # The public headline: derive() over public, verified, uncorrected updates only (derived.refresh_public).
    public_status = models.CharField(
        _("public status"), max_length=24, choices=Status, default=Status.NO_INFORMATION, editable=False
    )
    public_status_on = models.DateField(_("public status date"), null=True, blank=True, editable=False)
    public_status_precision = models.CharField(max_length=5, choices=Precision, blank=True, editable=False)
    public_contested = models.BooleanField(_("contested in public sources"), default=False, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "status",
            "status_on",
            "status_precision",
            "confirmed_on",
            "confirmed_precision",
            "contested",
            "last_recorded_at",
            "last_effective_on",
            "is_demo",
            "public_status",
            "public_status_on",
            "public_status_precision",
            "public_contested",
        ]
    )
    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["instrument__code", "reference"]
        verbose_name = _("commitment")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "reference"], name="commitment_reference_unique"),
            models.CheckConstraint(condition=~Q(reference=""), name="commitment_reference_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="commitment_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="commitment_jur_status_idx"),
            models.Index(fields=["status", "due_on"], name="commitment_status_due_idx"),
            models.Index(fields=["last_recorded_at"], name="commitment_last_recorded_idx"),
            # The stale list: never-updated and longest-silent first, ten at a time.
            models.Index(fields=["last_effective_on", "id"], name="commitment_last_effective_idx"),
            # The overdue count and list (by due date) and the contested list (latest status first).
            models.Index(fields=["due_on", "status"], name="commitment_due_status_idx"),
            models.Index(fields=["contested", "status_on", "id"], name="commitment_contested_idx"),
            models.Index(fields=["published", "public_status"], name="commitment_public_status_idx"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self):
        return reverse("commitments:detail", args=[self.pk])

    @property
    def shown_title(self):
        """The title in the page's language (the Urdu one, where given, on an Urdu page)."""
        return in_page_language(self, "title")

    @property
    def shown_description(self):
        """The description in the page's language, falling back to the English one."""
        return in_page_language(self, "description")

    def natural_key(self):
        return (self.instrument.code, self.reference)

    natural_key.dependencies = ["commitments.instrument"]

    @property
    def full_reference(self):
        """The reference with its instrument ("NAP-BHR · IMPL"): many instruments share references such as "IMPL"."""
        return f"{self.instrument.code} · {self.reference}"

    def is_overdue(self, today=None):
        """Has a due date in the past and is not implemented (see CommitmentQuerySet.overdue)."""
        today = today or timezone.localdate()
        return self.due_on is not None and self.due_on < today and self.status != Status.IMPLEMENTED

    def is_stale(self, now=None):
        """No unrestricted update has taken effect for TRACKER_STALE_DAYS days (see CommitmentQuerySet.stale)."""
        cutoff = stale_cutoff(now)
        return self.last_effective_on is None or self.last_effective_on < cutoff

    def is_published(self):
        """On the public portal: it and its instrument are published (see CommitmentQuerySet.published_q)."""
        return self.published and self.instrument.published

    def clean(self):
        super().clean()
        if self.history_starts_on is not None and not self.history_starts_reason.strip():
            raise ValidationError(
                {"history_starts_reason": _("Say why this commitment's history starts before its instrument.")}
            )

    @property
    def status_date_display(self):
        """Since when the headline status holds."""
        return format_partial_date(self.status_on, self.status_precision)

    @property
    def public_status_date_display(self):
        return format_partial_date(self.public_status_on, self.public_status_precision)

    @property
    def confirmed_display(self):
        """When the headline status was last confirmed by the source it rests on."""
        return format_partial_date(self.confirmed_on, self.confirmed_precision)


class CommitmentLink(models.Model):
    """`source` contributes to `target`: provincial work rolls up to national and international commitments."""

    source = models.ForeignKey(Commitment, models.CASCADE, related_name="links_out")

    class Basis(models.TextChoices):
        SOURCED = "sourced", _("Sourced: a source says so")
        EDITORIAL = "editorial", _("Editorial: the tracker's own mapping")

    target = models.ForeignKey(Commitment, models.CASCADE, related_name="links_in")
    note = models.CharField(_("note"), max_length=300, blank=True)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis, default=Basis.EDITORIAL)

    class Meta:
        ordering = ["source", "target"]
        verbose_name = _("contribution link")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="commitment_link_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="commitment_link_not_self"),
        ]

    def __str__(self):
        return f"{self.source.reference} → {self.target.reference}"


class CommitmentRollUp(models.Model):
    """`source` contributes to `target` directly or through other commitments (the links' transitive closure).

    Written only by the link services (derived.rollup_*), in the transaction that changes a
    link; derived.check_rollup() compares it with a recomputation from the links.
    """

    source = models.ForeignKey(Commitment, models.CASCADE, related_name="rollup_out")
    target = models.ForeignKey(Commitment, models.CASCADE, related_name="rollup_in")

    class Meta:
        verbose_name = _("contribution at any depth")
        verbose_name_plural = _("contributions at any depth")
        ordering = ["source", "target"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="commitment_rollup_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="commitment_rollup_not_self"),
        ]
        indexes = [models.Index(fields=["target", "source"], name="commitment_rollup_target_idx")]

    def __str__(self):
        return f"{self.source_id} → … → {self.target_id}"


# ---------------------------------------------------------------------------------------
# GSP+ monitoring: the biennial cycle, the scorecard's issues and what each source says of them
# ---------------------------------------------------------------------------------------


class GSPCycleManager(models.Manager):
    def get_by_natural_key(self, scheme_code, starts_on):
        return self.get(scheme__code=scheme_code, starts_on=starts_on)


class GSPCycle(Sourced):
    """One biennial GSP+ reporting period, with the Commission's report on it and the missions in it."""

    scheme = models.ForeignKey(Instrument, models.PROTECT, related_name="gsp_cycles", verbose_name=_("scheme"))
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    report = models.ForeignKey(
        Review,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "gsp_report"},
        verbose_name=_("the Commission's report"),
    )
    missions = models.ManyToManyField(
        Review,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "monitoring_mission"},
        verbose_name=_("monitoring missions"),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = GSPCycleManager()

    class Meta:
        ordering = ["scheme", "starts_on"]
        verbose_name = _("GSP+ monitoring cycle")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "starts_on"], name="gsp_cycle_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="gsp_cycle_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.scheme.code} {self.title}"

    def get_absolute_url(self):
        return reverse("commitments:gsp_cycle", args=[self.pk])

    def natural_key(self):
        return (self.scheme.code, self.starts_on.isoformat())

    natural_key.dependencies = ["commitments.instrument", "commitments.review"]


class ScorecardIssueManager(models.Manager):
    def get_by_natural_key(self, convention_code, reference):
        return self.get(convention__code=convention_code, reference=reference)


class ScorecardIssue(Sourced):
    """A shortcoming on the GSP+ scorecard ("list of issues") under one convention.

    Raised by the Commission, a UN or ILO monitoring body or civil society (IssueSource);
    its state in each cycle is what IssueUpdates say; the commitments and recommendations
    that address it are linked.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        PROGRESS = "progress", _("Progress")
        RESOLVED = "resolved", _("Resolved")

    convention = models.ForeignKey(
        Instrument, models.PROTECT, related_name="scorecard_issues", verbose_name=_("convention")
    )
    reference = models.SlugField(_("key"), max_length=80)
    title = models.CharField(_("issue"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    raised_on = models.DateField(_("first raised"))
    raised_precision = models.CharField(_("raised precision"), max_length=5, choices=Precision, default=Precision.DAY)
    addressed_by = models.ManyToManyField(
        Commitment, blank=True, related_name="scorecard_issues", verbose_name=_("addressed by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ScorecardIssueManager()

    class Meta:
        ordering = ["convention__code", "raised_on", "reference"]
        verbose_name = _("scorecard issue")
        constraints = [
            models.UniqueConstraint(fields=["convention", "reference"], name="scorecard_issue_unique"),
            models.CheckConstraint(condition=~Q(title=""), name="scorecard_issue_title_not_empty"),
        ]

    def __str__(self):
        return f"{self.convention.code}: {self.title}"

    def get_absolute_url(self):
        return reverse("commitments:gsp_issue", args=[self.pk])

    def natural_key(self):
        return (self.convention.code, self.reference)

    natural_key.dependencies = ["commitments.instrument", "commitments.commitment"]

    @property
    def raised_display(self):
        return format_partial_date(self.raised_on, self.raised_precision)


class IssueSource(models.Model):
    """Who raised an issue, where: the Commission, a UN or ILO body's finding (by document symbol or
    NORMLEX reference), civil society."""

    class Kind(models.TextChoices):
        COMMISSION = "commission", _("The European Commission")
        UN_BODY = "un_body", _("A UN monitoring body's finding")
        ILO_BODY = "ilo_body", _("An ILO supervisory body's finding")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        OTHER = "other", _("Other")

    issue = models.ForeignKey(ScorecardIssue, models.CASCADE, related_name="issue_sources")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="+", verbose_name=_("raised by"))
    document = models.CharField(
        _("document symbol or NORMLEX reference"),
        max_length=200,
        blank=True,
        help_text=_("E.g. CCPR/C/PAK/CO/2, or the NORMLEX comment's reference."),
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    said_on = models.DateField(_("date"))
    said_precision = models.CharField(_("said precision"), max_length=5, choices=Precision, default=Precision.DAY)
    passage = models.TextField(_("passage"), blank=True, help_text=_("The source's own words, word for word."))

    class Meta:
        ordering = ["issue", "said_on", "id"]
        verbose_name = _("issue source")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["un_body", "ilo_body"]) | ~Q(document=""),
                name="issue_source_body_has_document",
            ),
            models.UniqueConstraint(fields=["issue", "organisation", "said_on"], name="issue_source_unique"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.said_display}): {self.issue.title}"

    @property
    def said_display(self):
        return format_partial_date(self.said_on, self.said_precision)


class IssueUpdate(models.Model):
    """What a source says of an issue's state in a cycle, from when, with its document: append-only.

    The Commission's or a monitoring body's finding, civil society's view, or the state's reply.
    The state in a cycle follows the headline rule (derived.derive): the latest view of the
    organisation running the tracker, else the latest of any source; sources that disagree are shown.
    Restricted is not offered: issues are about conventions and are read by everyone signed in.
    """

    class Kind(models.TextChoices):
        FINDING = "finding", _("Finding or assessment")
        REPLY = "reply", _("The state's reply")

    issue = models.ForeignKey(ScorecardIssue, models.PROTECT, related_name="updates", verbose_name=_("issue"))
    cycle = models.ForeignKey(GSPCycle, models.PROTECT, related_name="issue_updates", verbose_name=_("cycle"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.FINDING)
    status = models.CharField(_("state"), max_length=10, choices=ScorecardIssue.State)
    effective_on = models.DateField(_("date"))
    effective_precision = models.CharField(_("precision"), max_length=5, choices=Precision, default=Precision.DAY)
    # As for a status update: the end of the year or month the date names (dates.takes_effect_on).
    takes_effect_on = models.DateField(_("takes effect on"), editable=False)
    assessor = models.ForeignKey(Organisation, models.PROTECT, related_name="+", verbose_name=_("who says so"))
    note = models.TextField(_("what they say"), blank=True)
    document = models.CharField(_("document symbol or reference"), max_length=200, blank=True)
    url = models.URLField(_("link to the evidence"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    sensitivity = models.CharField(_("sensitivity"), max_length=10, choices=Sensitivity, default=Sensitivity.INTERNAL)
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = IssueUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["issue", "cycle", *HISTORY_ORDER]
        verbose_name = _("issue update")
        constraints = [
            models.CheckConstraint(condition=~Q(sensitivity="restricted"), name="issue_update_not_restricted"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "progress", "resolved"]), name="issue_update_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.issue}: {self.get_status_display()} ({self.assessor}, {self.effective_display})"

    def save(self, *args, **kwargs):
        # A stored copy of the date's period end, so that the database orders by it.
        self.takes_effect_on = takes_effect_on(self.effective_on, self.effective_precision)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (str(self.submission_key),)

    @property
    def effective_display(self):
        return format_partial_date(self.effective_on, self.effective_precision)


class FocalPerson(models.Model):
    """A person made responsible for following an item, and since when (reminders read the date)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("person"))
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.user} since {self.assigned_at:%Y-%m-%d}"


class CommitmentFocalPerson(FocalPerson):
    commitment = models.ForeignKey(Commitment, models.CASCADE)

    class Meta:
        # The table Django made for the plain many-to-many, kept with its unique pair.
        db_table = "commitments_commitment_focal_persons"
        unique_together = [("commitment", "user")]
        ordering = ["commitment", "user"]
        verbose_name = _("focal person")


class InstrumentFocalPerson(FocalPerson):
    instrument = models.ForeignKey(Instrument, models.CASCADE)

    class Meta:
        db_table = "commitments_instrument_focal_persons"
        unique_together = [("instrument", "user")]
        ordering = ["instrument", "user"]
        verbose_name = _("focal person")


# ---------------------------------------------------------------------------------------
# The status history: append-only
# ---------------------------------------------------------------------------------------


class StatusUpdate(models.Model):
    """One assessment of a commitment's status: what, from when, who says so, who recorded it."""

    class Grade(models.TextChoices):
        A = "A", _("A: reply/action largely satisfactory")
        B = "B", _("B: reply/action partially satisfactory")
        C = "C", _("C: reply/action not satisfactory")
        D = "D", _("D: no cooperation with the committee")
        E = "E", _("E: information or measures contrary to the recommendation")

    commitment = models.ForeignKey(Commitment, models.PROTECT, related_name="updates", verbose_name=_("commitment"))
    status = models.CharField(_("status"), max_length=24, choices=Status)
    effective_on = models.DateField(_("effective date"), validators=[validate_sane_date])
    effective_precision = models.CharField(_("precision"), max_length=5, choices=Precision, default=Precision.DAY)
    # When it takes effect: the end of the period a year or month names (dates.takes_effect_on);
    # what every as-of computation and the history order compare.
    takes_effect_on = models.DateField(_("takes effect on"), editable=False)
    note = models.TextField(_("note"), blank=True)
    assessor = models.ForeignKey(
        Organisation, models.PROTECT, related_name="assessments", verbose_name=_("who says so")
    )
    follow_up_grade = models.CharField(_("follow-up grade"), max_length=1, choices=Grade, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    corrects = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name=_("corrects")
    )
    # The document that carries the claim when it is recorded in another organisation's name
    # (a file or link attached as evidence also serves: see claim_document()).
    according_to = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("according to")
    )
    # The recording person's organisation when they recorded it (their profile may change later).
    recorder_organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by (organisation)"),
    )
    sensitivity = models.CharField(_("sensitivity"), max_length=10, choices=Sensitivity, default=Sensitivity.INTERNAL)
    personal_data = models.BooleanField(_("holds personal data"), default=False)
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("visible only to")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # One key per submitted form: the same form posted twice records one update.
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    redacted_at = models.DateTimeField(_("note redacted at"), null=True, blank=True)
    redacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords(excluded_fields=["is_demo", "submission_key", "takes_effect_on"])
    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["commitment", *HISTORY_ORDER]
        verbose_name = _("status update")
        get_latest_by = list(HISTORY_ORDER)
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(recorded_by__isnull=True) | ~Q(verified_by=F("recorded_by")),
                name="status_update_not_self_verified",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_at__isnull=True)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="status_update_verified_by_and_at",
            ),
            models.CheckConstraint(condition=~Q(corrects=F("id")), name="status_update_not_self_correction"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="status_update_status_valid"),
        ]
        indexes = [
            models.Index(fields=["commitment", *HISTORY_ORDER], name="update_order_idx"),
            models.Index(fields=["commitment", "assessor", "effective_on"], name="update_assessor_idx"),
            models.Index(fields=["-recorded_at"], name="update_recent_idx"),
            # "Recent activity" (newest first, id breaking ties) walks this index and stops at the page size.
            models.Index(fields=["recorded_at", "id"], name="update_recorded_id_idx"),
        ]

    def __str__(self):
        return f"{self.commitment.reference}: {self.get_status_display()} ({self.effective_display})"

    def save(self, *args, **kwargs):
        # A stored copy of the date's period end, so that the database orders and filters by it.
        self.takes_effect_on = takes_effect_on(self.effective_on, self.effective_precision)
        super().save(*args, **kwargs)

    @property
    def effective_display(self):
        return format_partial_date(self.effective_on, self.effective_precision)

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def is_restricted(self):
        return self.sensitivity == Sensitivity.RESTRICTED

    def is_superseded(self):
        """A later entry corrects this one: it stays in the history but no longer counts anywhere.

        The per-object half of StatusUpdateQuerySet.superseded_q() (tested to agree)."""
        return self.corrections.exists()

    def claim_document(self):
        """The document that carries the claim: the source named, else the first evidence attached."""
        if self.according_to_id is not None:
            return self.according_to
        items = [e for e in self.evidence.all() if e.redacted_at is None]
        if items:
            return items[0]
        if self.corrects_id is not None and self.corrects.assessor_id == self.assessor_id:
            return self.corrects.claim_document()
        return None


class Assessment(models.Model):
    """Each source's current view of a commitment: its latest status update (maintained by services)."""

    commitment = models.ForeignKey(Commitment, models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(Organisation, models.PROTECT, related_name="+")
    update = models.ForeignKey(StatusUpdate, models.CASCADE, related_name="+")
    status = models.CharField(max_length=24, choices=Status)
    effective_on = models.DateField()

    class Meta:
        verbose_name = _("view of a source")
        verbose_name_plural = _("views of the sources")
        ordering = ["commitment", "assessor"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "assessor"], name="assessment_one_per_source"),
        ]
        indexes = [models.Index(fields=["assessor", "status"], name="assessment_assessor_idx")]

    def __str__(self):
        return f"{self.commitment.reference}: {self.assessor} says {self.get_status_display()}"


class StatusMonthDelta(models.Model):
    """Net change, in one month, of how many commitments of a jurisdiction hold each headline status.

    The month-by-month trend is the running sum of these rows. They are written by the
    same transaction that records a status update (status.py), and a test checks them
    against a full recomputation from the history.
    """

    month = models.DateField()
    jurisdiction = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="+")
    status = models.CharField(max_length=24, choices=Status)
    delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly status change")
        verbose_name_plural = _("monthly status changes")
        ordering = ["month", "jurisdiction", "status"]
        constraints = [
            models.UniqueConstraint(fields=["month", "jurisdiction", "status"], name="status_month_delta_unique"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.jurisdiction_id} {self.status} {self.delta:+d}"


class StatusCount(models.Model):
    """How many commitments of one jurisdiction and instrument hold a headline status (and are contested or not).

    Maintained by status.py in the transaction that changes a commitment (its history, its
    jurisdiction or instrument, its creation or deletion); status.recompute_counts() checks it.
    The dashboard's status, GSP+ group, plan and jurisdiction bars and its contested count
    are sums of these rows over the jurisdictions the user may read.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+")
    status = models.CharField(max_length=24, choices=Status)
    contested = models.BooleanField(default=False)
    # The tracker organisation's own projects, kept apart from a government's commitments.
    is_own_project = models.BooleanField(default=False)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("status count")
        verbose_name_plural = _("status counts")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "instrument", "status", "contested", "is_own_project"],
                name="status_count_unique",
            ),
        ]

    def __str__(self):
        return f"{self.jurisdiction_id} {self.instrument_id} {self.status} {self.contested} {self.count}"


class ThemeStatusCount(models.Model):
    """How many commitments of one jurisdiction under a theme hold a headline status (see StatusCount)."""

    jurisdiction = models.ForeignKey(Jurisdiction, models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, models.CASCADE, related_name="+")
    status = models.CharField(max_length=24, choices=Status)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("status count by theme")
        verbose_name_plural = _("status counts by theme")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "theme", "status"], name="theme_status_count_unique"),
        ]

    def __str__(self):
        return f"{self.jurisdiction_id} {self.theme_id} {self.status} {self.count}"


# ---------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------


def evidence_upload_to(instance, filename):
    """Stored under a generated name; the original name is kept as data only."""
    suffix = uuid.uuid4().hex
    return f"evidence/{suffix[:2]}/{suffix}"


class Evidence(models.Model):
    """A file or a link that proves a status update (or the commitment)."""

    commitment = models.ForeignKey(Commitment, models.PROTECT, related_name="evidence", verbose_name=_("commitment"))
    status_update = models.ForeignKey(
        StatusUpdate, models.PROTECT, null=True, blank=True, related_name="evidence", verbose_name=_("status update")
    )
    title = models.CharField(_("title"), max_length=300)
    evidence_on = models.DateField(_("date"), null=True, blank=True, validators=[validate_sane_date])
    evidence_precision = models.CharField(_("evidence precision"), max_length=5, choices=Precision, blank=True)
    source_organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )
    url = models.URLField(_("link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200, blank=True)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    location_metadata = models.BooleanField(_("had location metadata"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    sensitivity = models.CharField(_("sensitivity"), max_length=10, choices=Sensitivity, default=Sensitivity.INTERNAL)
    personal_data = models.BooleanField(_("holds personal data"), default=False)
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("visible only to")
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    redacted_at = models.DateTimeField(_("redacted at"), null=True, blank=True)
    redacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords(excluded_fields=["is_demo"])
    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["commitment", "added_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url="") | Q(redacted_at__isnull=False),
                name="evidence_has_file_or_link",
            ),
            models.CheckConstraint(
                condition=Q(file="") | Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="evidence_file_has_sha256",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(added_by__isnull=True) | ~Q(verified_by=F("added_by")),
                name="evidence_not_self_verified",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def evidence_display(self):
        return format_partial_date(self.evidence_on, self.evidence_precision)

    @property
    def is_file(self):
        return bool(self.file)

    def get_download_url(self):
        return reverse("commitments:evidence_download", args=[self.pk])


# ---------------------------------------------------------------------------------------
# People, logs and runs
# ---------------------------------------------------------------------------------------


class ReminderSchedule(models.TextChoices):
    AS_DUE = "as_due", _("One email on each day something reaches a reminder")
    WEEKLY = "weekly", _("A weekly digest of everything overdue or coming up")


class Profile(models.Model):
    """What a user may read and write, and how they want to be reminded."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="tracker_profile")
    organisation = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("The organisation this person works for: what they record is in its name by default."),
    )
    record_for = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        verbose_name=_("may record for directly"),
        help_text=_(
            "Other organisations whose view this person may record without naming the document that carries it."
        ),
    )
    read_jurisdictions = models.ManyToManyField(
        Jurisdiction, blank=True, related_name="readers", verbose_name=_("may read")
    )
    write_jurisdictions = models.ManyToManyField(
        Jurisdiction, blank=True, related_name="writers", verbose_name=_("may write")
    )
    reminders_enabled = models.BooleanField(_("email reminders"), default=True)
    reminders_enabled_at = models.DateTimeField(_("reminders on since"), default=timezone.now)
    reminder_schedule = models.CharField(
        _("how reminders come"), max_length=10, choices=ReminderSchedule, default=ReminderSchedule.AS_DUE
    )
    digest_sent_on = models.DateField(_("last weekly digest"), null=True, blank=True)
    calendar_token = models.CharField(_("calendar address"), max_length=64, unique=True, null=True, blank=True)
    # The language of this person's pages, a code from settings.LANGUAGES; empty: the
    # browser's. No choices here: a new language is a catalogue and a setting, not a migration.
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("profile")

    def __str__(self):
        return str(self.user)


class ApiToken(models.Model):
    """A personal access token for the API: named, shown once to its owner, kept only as a hash.

    It acts as its owner, within the owner's rights; a read-only token cannot write even when
    its owner may. Whether a presented token is accepted is access.api_token_refusal().
    """

    class Access(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, to recognise it in lists; the rest is never stored.
    prefix = models.CharField(_("starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(_("access"), max_length=5, choices=Access, default=Access.READ)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    # Made in a session signed in with a second factor (see access.api_token_refusal).
    second_factor = models.BooleanField(_("made with a second factor"), default=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty"),
            models.CheckConstraint(condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="api_token_key_is_sha256"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def is_expired(self, now=None):
        return self.expires_at <= (now or timezone.now())

    @property
    def can_write(self):
        return self.access == self.Access.WRITE


class ApiTokenUse(models.Model):
    """One request made with a token: when, what, from where (the address only, never the query)."""

    token = models.ForeignKey(ApiToken, models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "at"], name="api_token_use_idx")]

    def __str__(self):
        return f"{self.method} {self.path} at {self.at:%Y-%m-%d %H:%M}"


class DownloadLog(models.Model):
    evidence = models.ForeignKey(Evidence, models.CASCADE, related_name="downloads")
    # Empty for a download from the public portal.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("evidence download")
        verbose_name_plural = _("evidence downloads")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user or 'A visitor'} downloaded {self.evidence_id} at {self.at:%Y-%m-%d %H:%M}"


class ExportLog(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40)
    format = models.CharField(max_length=10)
    audience = models.CharField(max_length=10, choices=Audience, default=Audience.INTERNAL)
    scope = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.kind} {self.format} by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class ReportRun(models.Model):
    """A generated report kept so that a later one can compare against it."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    scope = models.JSONField(default=dict)
    period_from = models.DateField()
    period_to = models.DateField()
    format = models.CharField(max_length=10)
    audience = models.CharField(max_length=10, choices=Audience, default=Audience.INTERNAL)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="reports/", blank=True)

    class Meta:
        verbose_name = _("report produced")
        verbose_name_plural = _("reports produced")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Report {self.period_from}–{self.period_to} ({self.format})"


class ReportRunResult(models.Model):
    """What a kept report said of one commitment when it was kept: a later report compares against this."""

    run = models.ForeignKey(ReportRun, models.CASCADE, related_name="results", verbose_name=_("kept report"))
    commitment = models.ForeignKey(Commitment, models.CASCADE, related_name="+", verbose_name=_("commitment"))
    status = models.CharField(_("status"), max_length=24, choices=Status)
    status_on = models.DateField(_("status date"), null=True, blank=True)
    status_precision = models.CharField(_("precision"), max_length=5, choices=Precision, blank=True)
    assessor = models.ForeignKey(
        Organisation, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("who says so")
    )

    class Meta:
        ordering = ["run", "commitment"]
        verbose_name = _("kept report result")
        constraints = [
            models.UniqueConstraint(fields=["run", "commitment"], name="report_run_result_one_per_commitment"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="report_run_result_status_valid"),
        ]

    def __str__(self):
        return f"{self.run_id} {self.commitment_id}: {self.status}"


class ReminderSent(models.Model):
    """One reminder per person, item, due date and threshold: never sent twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    commitment = models.ForeignKey(Commitment, models.CASCADE, null=True, blank=True, related_name="+")
    instrument = models.ForeignKey(Instrument, models.CASCADE, null=True, blank=True, related_name="+")
    deadline_kind = models.CharField(max_length=24, choices=DeadlineKind, default=DeadlineKind.COMMITMENT)
    due_on = models.DateField()
    threshold = models.IntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "commitment", "deadline_kind", "due_on", "threshold"],
                condition=Q(commitment__isnull=False),
                name="reminder_sent_once_commitment",
            ),
            models.UniqueConstraint(
                fields=["user", "instrument", "deadline_kind", "due_on", "threshold"],
                condition=Q(instrument__isnull=False),
                name="reminder_sent_once_instrument",
            ),
            models.CheckConstraint(
                condition=Q(commitment__isnull=True) ^ Q(instrument__isnull=True),
                name="reminder_about_one_item",
            ),
        ]

    def __str__(self):
        return f"reminder {self.threshold} to {self.user} ({self.due_on})"


class StagedUpload(models.Model):
    """A file accepted from a submission that was rejected for another reason, kept for a while."""

    token = models.UUIDField(default=uuid.uuid4, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    file = models.FileField(upload_to="staged/", max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    location_metadata = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("file kept from a rejected submission")
        verbose_name_plural = _("files kept from rejected submissions")
        ordering = ["-created_at"]

    def __str__(self):
        # Not its name: a staged file may come from a restricted submission, and only its sender sees that.
        return f"staged file #{self.pk}"


class Redaction(models.Model):
    """A tombstone: who purged what, and when. The purged content itself is gone."""

    class Target(models.TextChoices):
        NOTE = "note", _("Status update note")
        EVIDENCE = "evidence", _("Evidence file")

    target = models.CharField(max_length=10, choices=Target)
    status_update = models.ForeignKey(StatusUpdate, models.PROTECT, null=True, blank=True, related_name="redactions")
    evidence = models.ForeignKey(Evidence, models.PROTECT, null=True, blank=True, related_name="redactions")
    reason = models.CharField(_("reason"), max_length=300)
    redacted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    redacted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        ordering = ["-redacted_at"]

    def __str__(self):
        return f"{self.get_target_display()} redacted by {self.redacted_by} at {self.redacted_at:%Y-%m-%d}"


class AuditEntry(models.Model):
    """One change outside the stored versions of commitments, updates and evidence: who did what, when.

    Written only by services (services.audit.audit_entry_add), whichever way the change arrives:
    themes and contribution links, verification, who may see a restricted item, redaction,
    roles, jurisdiction grants and accounts, organisations, sources, GSP+ requirements and the
    requirement lists saying when they apply, and the themes themselves (their names).
    An entry about a restricted update or evidence names it by `status_update` / `evidence`, so
    that it is shown only to the people named on the item; `changes` never holds a restricted
    item's content (its note, title, link or file name).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")
        VERIFIED = "verified", _("Verified")
        CORRECTED = "corrected", _("Corrected")
        REDACTED = "redacted", _("Redacted")
        NAMED = "named", _("Changed who may see")
        GRANTED = "granted", _("Changed role or jurisdictions")
        DEVICE_RESET = "device_reset", _("Reset the second factor")
        INVITED = "invited", _("Invited to set up two-factor sign-in")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        ACCEPTED = "accepted", _("Accepted")
        ASKED = "asked", _("Asked for more")
        REJECTED = "rejected", _("Rejected")

    class Subject(models.TextChoices):
        THEMES = "themes", _("themes")
        LINK = "link", _("contribution link")
        STATUS_UPDATE = "status_update", _("status update")
        EVIDENCE = "evidence", _("evidence")
        ACCOUNT = "account", _("account")
        ORGANISATION = "organisation", _("organisation")
        SOURCE = "source", _("source")
        GSP_REQUIREMENT = "gsp_requirement", _("GSP+ requirement")
        INSTRUMENT = "instrument", _("instrument")
        COMMITMENT = "commitment", _("commitment")
        SUBMISSION = "submission", _("submission")
        GSP_REQUIREMENT_LIST = "gsp_requirement_list", _("GSP+ requirement list")
        THEME = "theme", _("theme")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    # Kept as text too: the entry outlives the account that made it.
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action)
    subject = models.CharField(_("what"), max_length=20, choices=Subject)
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    label = models.CharField(_("label"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    commitment = models.ForeignKey(
        Commitment, models.SET_NULL, null=True, blank=True, related_name="audit_entries", verbose_name=_("commitment")
    )
    # The other commitment of a contribution link: the entry shows on both pages.
    related_commitment = models.ForeignKey(Commitment, models.SET_NULL, null=True, blank=True, related_name="+")
    status_update = models.ForeignKey(StatusUpdate, models.PROTECT, null=True, blank=True, related_name="+")
    evidence = models.ForeignKey(Evidence, models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("account")
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["commitment", "at"], name="audit_commitment_idx"),
            models.Index(fields=["related_commitment", "at"], name="audit_related_commitment_idx"),
            models.Index(fields=["-at", "-id"], name="audit_recent_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '—'}: {self.get_action_display()} {self.label}"


# The background jobs' models live with the jobs (commitments/jobs/); imported here so that
# Django finds them with the rest of the app's models.
from .jobs.models import Job, JobDownload  # noqa: E402, F401

# Monitoring mechanisms, recommendations and reporting cycles live in their own module.
from .mechanisms import (  # noqa: E402, F401  (registers the models with the app)
    AffectedGroup,
    Mechanism,
    Recommendation,
    RecommendationCluster,
    ReportingCycle,
    SDGTarget,
)

# The public portal's version and civil-society submissions live in their own module.
from .portal import PublicDataVersion, Submission, SubmissionFile  # noqa: E402, F401
