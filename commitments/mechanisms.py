"""Monitoring mechanisms and what they ask of Pakistan, as data.

- Mechanism: the UPR, a treaty body, a special procedure or the ILO's supervisory bodies,
  with the organisation that speaks for it (the "who says so" of its assessments) and the
  instrument its recommendations are filed under.
- Recommendation: the mechanism's own data about a commitment that is one of its
  recommendations (or concerns, or ILO comments): document symbol and paragraph, type,
  UPR session and recommending states, the source of Pakistan's position, groups of persons,
  SDG targets, the OHCHR annotation id or the NORMLEX reference (the stable keys of an
  import), and the treaty-body follow-up (priority, reply due, reply sent).
- RecommendationCluster: recommendations that ask for the same thing and share actions.
- ReportingCycle: a monitoring body's reporting cycle as a rule; the next due dates it gives
  are computed by selectors.deadlines, never stored.

The models are registered with the app by models.py, which imports this module.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DeadlineKind

# models.py imports this module at its end, once the classes below are defined.
from .models import Instrument, Review, deadline_passed  # noqa: E402


class _SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Mechanism(models.Model):
    """A monitoring mechanism that makes recommendations to Pakistan."""

    class Kind(models.TextChoices):
        UPR = "upr", _("Universal Periodic Review")
        TREATY_BODY = "treaty_body", _("Treaty body")
        SPECIAL_PROCEDURE = "special_procedure", _("Special procedure")
        ILO_SUPERVISORY = "ilo_supervisory", _("ILO supervisory body")

    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    organisation = models.ForeignKey(
        "commitments.Organisation",
        models.PROTECT,
        related_name="mechanisms",
        verbose_name=_("speaks as"),
        help_text=_("The organisation its assessments are recorded in the name of."),
    )
    instrument = models.ForeignKey(
        "commitments.Instrument",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mechanisms",
        verbose_name=_("recommendations filed under"),
        help_text=_("Empty for a body that watches several conventions (the ILO's): each comment names its own."),
    )
    uhri_names = models.TextField(
        _("names in imported files"),
        blank=True,
        help_text=_("How the Universal Human Rights Index and other files name it, one per line (e.g. CCPR)."),
    )

    objects = _SlugManager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("monitoring mechanism")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def names(self):
        """Every name it is known by, lower case (its key, name, and names in imported files)."""
        found = {self.slug.lower(), self.name.lower()}
        found.update(line.strip().lower() for line in self.uhri_names.splitlines() if line.strip())
        return found


class SDGTarget(models.Model):
    """A Sustainable Development Goal target (e.g. 16.3) or, written as a number alone, a goal."""

    code = models.CharField(_("target"), max_length=10, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    goal = models.PositiveSmallIntegerField(_("goal"))

    class Meta:
        ordering = ["goal", "code"]
        verbose_name = _("SDG target")
        constraints = [
            models.CheckConstraint(condition=Q(goal__gte=1) & Q(goal__lte=17), name="sdg_target_goal_1_to_17"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}".strip()

    def natural_key(self):
        return (self.code,)


class AffectedGroup(models.Model):
    """A group of persons a recommendation concerns, as the mechanism names it (e.g. women & girls)."""

    slug = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)

    objects = _SlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("group of persons")
        verbose_name_plural = _("groups of persons")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class RecommendationCluster(models.Model):
    """Recommendations, across mechanisms and cycles, that ask for the same thing and share their actions."""

    name = models.CharField(_("name"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("cluster of recommendations")
        verbose_name_plural = _("clusters of recommendations")

    def __str__(self):
        return self.name


class Recommendation(models.Model):
    """What a monitoring mechanism said: the recommendation data of a commitment.

    The commitment holds what every commitment has: the full text (description), a short
    title, themes, Pakistan's position (recommendation_response), the review it was received
    in, and the status history.
    """

    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", _("Recommendation")
        CONCERN = "concern", _("Concern or observation")
        ILO_OBSERVATION = "ilo_observation", _("ILO observation")
        ILO_DIRECT_REQUEST = "ilo_direct_request", _("ILO direct request")

    commitment = models.OneToOneField(
        "commitments.Commitment", models.CASCADE, primary_key=True, related_name="recommendation"
    )
    mechanism = models.ForeignKey(
        Mechanism, models.PROTECT, related_name="recommendations", verbose_name=_("mechanism")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.RECOMMENDATION)
    document_symbol = models.CharField(_("document symbol"), max_length=100, blank=True)
    paragraph = models.CharField(_("paragraph"), max_length=30, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    upr_session = models.PositiveSmallIntegerField(_("UPR session"), null=True, blank=True)
    recommending_states = models.TextField(_("recommending states"), blank=True, help_text=_("One per line."))
    position_source = models.CharField(
        _("source of the position"),
        max_length=300,
        blank=True,
        help_text=_("Where Pakistan's position is stated, e.g. the addendum and its paragraph."),
    )
    affected_groups = models.ManyToManyField(
        AffectedGroup, blank=True, related_name="recommendations", verbose_name=_("groups of persons")
    )
    sdg_targets = models.ManyToManyField(
        SDGTarget, blank=True, related_name="recommendations", verbose_name=_("SDG targets")
    )
    annotation_id = models.CharField(_("OHCHR annotation id"), max_length=64, blank=True)
    normlex_ref = models.CharField(_("NORMLEX reference"), max_length=100, blank=True)
    ilo_year = models.PositiveSmallIntegerField(_("year of the comment"), null=True, blank=True)
    ilo_session = models.CharField(_("session"), max_length=60, blank=True)
    follow_up_due_on = models.DateField(
        _("follow-up reply due"),
        null=True,
        blank=True,
        help_text=_("Set for the priority recommendations a treaty body asks a follow-up reply on."),
    )
    follow_up_replied_on = models.DateField(_("follow-up reply sent"), null=True, blank=True)
    cluster = models.ForeignKey(
        RecommendationCluster,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("cluster"),
    )

    class Meta:
        ordering = ["document_symbol", "paragraph", "commitment"]
        verbose_name = _("recommendation")
        constraints = [
            models.UniqueConstraint(
                fields=["annotation_id"], condition=~Q(annotation_id=""), name="recommendation_annotation_id_unique"
            ),
            models.UniqueConstraint(
                fields=["normlex_ref"], condition=~Q(normlex_ref=""), name="recommendation_normlex_ref_unique"
            ),
            models.CheckConstraint(
                condition=Q(follow_up_replied_on__isnull=True) | Q(follow_up_due_on__isnull=False),
                name="recommendation_reply_needs_follow_up",
            ),
        ]
        indexes = [
            models.Index(fields=["document_symbol", "paragraph"], name="recommendation_symbol_idx"),
            models.Index(fields=["follow_up_due_on"], name="recommendation_follow_up_idx"),
        ]

    def __str__(self):
        return self.reference_display or str(self.commitment_id)

    @property
    def reference_display(self):
        """The document symbol and paragraph, e.g. "A/HRC/WG.6/00/XX para. 1.2"."""
        if self.paragraph:
            return f"{self.document_symbol} para. {self.paragraph}".strip()
        return self.document_symbol or self.normlex_ref

    @property
    def is_priority(self):
        """A treaty body asked for a follow-up reply on it."""
        return self.follow_up_due_on is not None

    def is_follow_up_overdue(self, today=None):
        """The follow-up reply is due before today and not sent (see RecommendationQuerySet.follow_up_overdue_q)."""
        return self.follow_up_replied_on is None and deadline_passed(self.follow_up_due_on, today)

    @staticmethod
    def follow_up_overdue_q(today=None, prefix=""):
        """The pair of is_follow_up_overdue(), for a queryset of recommendations (or, with a prefix, commitments)."""
        today = today or timezone.localdate()
        return Q(
            **{
                f"{prefix}follow_up_due_on__lt": today,
                f"{prefix}follow_up_replied_on__isnull": True,
            }
        )

    @staticmethod
    def follow_up_open_q(prefix=""):
        """A follow-up reply that is asked for and not sent yet: a deadline still to meet."""
        return Q(**{f"{prefix}follow_up_due_on__isnull": False, f"{prefix}follow_up_replied_on__isnull": True})

    def states_list(self):
        return [line.strip() for line in self.recommending_states.splitlines() if line.strip()]


def add_months(day, months):
    """`day` moved by whole months, the day kept where the month has it (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    return datetime.date(year, month, min(day.day, 28))


class ReportingCycle(models.Model):
    """A monitoring body's reporting rule: what falls due, how many months after the last review.

    A rule is for one instrument, or for every instrument of a kind (ILO article 22 reports
    are every three years for fundamental conventions, six for technical ones). Where no
    review is recorded yet and the rule gives a first-report period, the first report is
    counted from the date Pakistan became bound. The dates a rule gives are computed, and
    shown as such beside the dates that carry a source (Instrument.next_report_due_on).
    """

    instrument = models.ForeignKey(
        "commitments.Instrument",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="reporting_cycles",
        verbose_name=_("instrument"),
    )
    instrument_kind = models.CharField(
        _("every instrument of the kind"),
        max_length=20,
        blank=True,
        choices=Instrument.Kind,
    )
    deadline = models.CharField(_("what falls due"), max_length=24, choices=DeadlineKind.report_kinds())
    period_months = models.PositiveSmallIntegerField(_("months after the last review"))
    initial_months = models.PositiveSmallIntegerField(
        _("first report within (months of becoming bound)"), null=True, blank=True
    )
    review_kind = models.CharField(
        _("counted from reviews of the kind"),
        max_length=20,
        blank=True,
        choices=Review.Kind,
        help_text=_("Empty: from the latest review of any kind."),
    )
    simplified_procedure = models.BooleanField(
        _("simplified reporting procedure"),
        default=False,
        help_text=_(
            "The body sends a list of issues prior to reporting and the reply is the periodic report: "
            "the deadline is the reply's."
        ),
    )
    rule_text = models.CharField(
        _("the rule as its source states it"), max_length=200, help_text=_("e.g. “4 yrs”, “biennial GSP reports”.")
    )
    sources = models.ManyToManyField("commitments.Source", blank=True, related_name="+", verbose_name=_("sources"))

    class Meta:
        ordering = ["instrument__code", "instrument_kind", "deadline"]
        verbose_name = _("reporting cycle")
        constraints = [
            models.CheckConstraint(
                condition=(Q(instrument__isnull=False) & Q(instrument_kind=""))
                | (Q(instrument__isnull=True) & ~Q(instrument_kind="")),
                name="reporting_cycle_one_target",
            ),
            models.CheckConstraint(condition=Q(period_months__gt=0), name="reporting_cycle_period_positive"),
            models.UniqueConstraint(
                fields=["instrument", "deadline"],
                condition=Q(instrument__isnull=False),
                name="reporting_cycle_unique_instrument",
            ),
            models.UniqueConstraint(
                fields=["instrument_kind", "deadline"],
                condition=~Q(instrument_kind=""),
                name="reporting_cycle_unique_kind",
            ),
        ]

    def __str__(self):
        target = self.instrument.code if self.instrument_id else self.get_instrument_kind_display()
        return f"{target}: {self.deadline_label} ({self.rule_text})"

    @property
    def deadline_label(self):
        if self.simplified_procedure and self.deadline == DeadlineKind.PERIODIC_REPORT:
            return DeadlineKind.LOIPR_REPLY.label
        return DeadlineKind(self.deadline).label

    @property
    def deadline_kind(self):
        """The kind of what falls due, the simplified procedure taken into account."""
        if self.simplified_procedure and self.deadline == DeadlineKind.PERIODIC_REPORT:
            return DeadlineKind.LOIPR_REPLY
        return DeadlineKind(self.deadline)

    def next_due(self, *, last_review_on, bound_on=None):
        """(date, counted from, kind) of the next deadline by this rule, or None when nothing to count from."""
        if last_review_on is not None:
            return add_months(last_review_on, self.period_months), last_review_on, self.deadline_kind
        if bound_on is not None and self.initial_months:
            kind = DeadlineKind.INITIAL_REPORT if self.deadline == DeadlineKind.PERIODIC_REPORT else self.deadline_kind
            return add_months(bound_on, self.initial_months), bound_on, kind
        return None
