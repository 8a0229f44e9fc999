"""The commitment list's filters: every dashboard number is one of these filter combinations.

Filter state lives in the query string, so a filtered list can be bookmarked, shared and exported.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .choices import Status
from .models import (
    AffectedGroup,
    Assessment,
    Commitment,
    CommitmentRollUp,
    GSPRequirement,
    Instrument,
    Jurisdiction,
    Mechanism,
    Organisation,
    Recommendation,
    SDGTarget,
    StatusUpdate,
    Theme,
)
from .scopes import Scope, contributing_q, contributing_to_instrument_q, own_q

SDG_GOALS = [(str(goal), format_lazy(_("Goal {goal}"), goal=goal)) for goal in range(1, 18)]

YES_NO = (("yes", _("Yes")), ("no", _("No")))
ID_MAX = 2**63 - 1  # the largest id a database stores


def _yes_no(queryset, q, value):
    if value == "yes":
        return queryset.filter(q)
    if value == "no":
        return queryset.exclude(q)
    return queryset


class InstrumentChoiceField(forms.ModelChoiceField):
    """Instruments by code and title: a code alone ("C087") says little to most readers."""

    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.title}"


class InstrumentFilter(django_filters.ModelChoiceFilter):
    field_class = InstrumentChoiceField


class IdFilter(django_filters.NumberFilter):
    """A record's id: ASCII digits within the database's range ("²", 1.5 and 99999999999999999999 are refused)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CommitmentFilter(django_filters.FilterSet):
    # A bound on the search text: a pattern of megabytes is refused by the database, not searched.
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    instrument = InstrumentFilter(
        label=_("Instrument"), queryset=Instrument.objects.all(), to_field_name="code", field_name="instrument"
    )
    kind = django_filters.ChoiceFilter(
        label=_("Instrument kind"), choices=Instrument.Kind.choices, field_name="instrument__kind"
    )
    group = django_filters.ChoiceFilter(
        label=_("GSP+ group"),
        choices=GSPRequirement.Group.choices,
        method="filter_group",
    )
    gsp_group = django_filters.ChoiceFilter(
        label=_("GSP+ group, with what contributes to it at any depth"),
        choices=GSPRequirement.Group.choices,
        method="filter_gsp_group",
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        label=_("Jurisdiction"), queryset=Jurisdiction.objects.all(), to_field_name="code", field_name="jurisdiction"
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), queryset=Theme.objects.all(), to_field_name="slug", method="filter_theme"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, method="filter_status")
    as_of = django_filters.DateFilter(
        label=_("Status as of"),
        method="filter_as_of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The status filter then applies to the status held on this date."),
    )
    known_on = django_filters.DateFilter(
        label=_("…as known on"),
        method="filter_known_on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Only the entries recorded by this day count: the status as the tracker knew it then "
            "(with no “status as of” date, as of this day)."
        ),
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Who says so"), queryset=Organisation.objects.all(), to_field_name="slug", method="filter_source"
    )
    source_status = django_filters.ChoiceFilter(
        label=_("…and says"), choices=Status.choices, method="filter_source_status"
    )
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible body"),
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        field_name="responsible_body",
    )
    contested = django_filters.ChoiceFilter(label=_("Contested"), choices=YES_NO, method="filter_contested")
    own_project = django_filters.ChoiceFilter(
        label=_("The tracker organisation's own project"), choices=YES_NO, method="filter_own_project"
    )
    verified = django_filters.ChoiceFilter(label=_("Latest status verified"), choices=YES_NO, method="filter_verified")
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES_NO, method="filter_overdue")
    stale = django_filters.ChoiceFilter(label=_("Stale"), choices=YES_NO, method="filter_stale")
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = django_filters.DateFilter(
        label=_("Due until"), field_name="due_on", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Recommendations: who made them, what they are about, Pakistan's position, the follow-up.
    mechanism = django_filters.ModelChoiceFilter(
        label=_("Monitoring mechanism"),
        queryset=Mechanism.objects.all(),
        to_field_name="slug",
        field_name="recommendation__mechanism",
    )
    recommendation_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Recommendation.Kind.choices, field_name="recommendation__kind"
    )
    position = django_filters.ChoiceFilter(
        label=_("Pakistan's position"),
        choices=Commitment.RecommendationResponse.choices,
        field_name="recommendation_response",
    )
    sdg_goal = django_filters.ChoiceFilter(label=_("SDG"), choices=SDG_GOALS, method="filter_sdg_goal")
    sdg = django_filters.ModelChoiceFilter(
        label=_("SDG target"), queryset=SDGTarget.objects.all(), to_field_name="code", method="filter_sdg"
    )
    affected = django_filters.ModelChoiceFilter(
        label=_("Group of persons"),
        queryset=AffectedGroup.objects.all(),
        to_field_name="slug",
        method="filter_affected",
    )
    priority = django_filters.ChoiceFilter(label=_("Priority for follow-up"), choices=YES_NO, method="filter_priority")
    follow_up_overdue = django_filters.ChoiceFilter(
        label=_("Follow-up reply overdue"), choices=YES_NO, method="filter_follow_up_overdue"
    )
    grade = django_filters.ChoiceFilter(
        label=_("Follow-up grade"), choices=StatusUpdate.Grade.choices, method="filter_grade"
    )
    cluster = django_filters.NumberFilter(label=_("Cluster"), method="filter_cluster")
    # Bounded to what an id can be: a number past the database's integer range is refused, not looked up.
    contributes_to = IdFilter(label=_("Contributes (at any depth) to commitment"), method="filter_contributes_to")
    contributes_to_instrument = django_filters.CharFilter(
        label=_("Contributes (at any depth) to instrument"), method="filter_contributes_to_instrument", max_length=40
    )
    contributes_to_group = django_filters.ChoiceFilter(
        label=_("Contributes (at any depth) to GSP+ group"),
        choices=GSPRequirement.Group.choices,
        method="filter_contributes_to_group",
    )

    class Meta:
        model = Commitment
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for choice_filter in self.filters.values():
            if isinstance(choice_filter, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                choice_filter.extra["empty_label"] = _("Any")
                # A field built before (another reader of the class's filters, e.g. the API schema)
                # was copied with the default label: build it again with this one.
                choice_filter.__dict__.pop("_field", None)
        # Choice lists cost a query each; only the ones a person picks from are shown as selects.
        self.filters["contributes_to"].field.widget = forms.HiddenInput()
        self.filters["contributes_to_instrument"].field.widget = forms.HiddenInput()
        self.filters["contributes_to_group"].field.widget = forms.HiddenInput()
        self.filters["cluster"].field.widget = forms.HiddenInput()

    @property
    def qs(self):
        # The status filter depends on as_of; apply it last, after every other filter.
        if not hasattr(self, "_qs"):
            queryset = super().qs
            data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
            status, as_of, known_on = data.get("status"), data.get("as_of"), data.get("known_on")
            as_of = as_of or known_on
            if as_of:
                queryset = queryset.with_status_as_of(as_of, known_on=known_on)
                if status:
                    queryset = queryset.filter(status_as_of=status)
            elif status:
                queryset = queryset.filter(status=status)
            self._qs = queryset
        return self._qs

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(recommendation_ref__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(instrument__code__icontains=value)
            | Q(instrument__title__icontains=value)
        )

    def filter_group(self, queryset, name, value):
        return queryset.filter(own_q(value))

    def filter_gsp_group(self, queryset, name, value):
        return queryset.filter(Scope(gsp_group=value).q())

    def filter_contributes_to_group(self, queryset, name, value):
        return queryset.filter(contributing_q(value))

    def filter_theme(self, queryset, name, value):
        return queryset.filter(pk__in=Commitment.themes.through.objects.filter(theme=value).values("commitment"))

    def filter_sdg_goal(self, queryset, name, value):
        targets = Recommendation.sdg_targets.through.objects.filter(sdgtarget__goal=int(value))
        return queryset.filter(pk__in=targets.values("recommendation_id"))

    def filter_sdg(self, queryset, name, value):
        targets = Recommendation.sdg_targets.through.objects.filter(sdgtarget=value)
        return queryset.filter(pk__in=targets.values("recommendation_id"))

    def filter_affected(self, queryset, name, value):
        groups = Recommendation.affected_groups.through.objects.filter(affectedgroup=value)
        return queryset.filter(pk__in=groups.values("recommendation_id"))

    def filter_priority(self, queryset, name, value):
        return _yes_no(queryset, Q(recommendation__follow_up_due_on__isnull=False), value)

    def filter_follow_up_overdue(self, queryset, name, value):
        return _yes_no(
            queryset, Recommendation.follow_up_overdue_q(timezone.localdate(), prefix="recommendation__"), value
        )

    def filter_cluster(self, queryset, name, value):
        # An id no row can have (a fraction, or beyond the database's integers) lists nothing.
        if value != int(value) or not 0 < value < 2**63:
            return queryset.none()
        return queryset.filter(recommendation__cluster_id=int(value))

    def filter_grade(self, queryset, name, value):
        return queryset.with_follow_up_grade(name="latest_grade").filter(latest_grade=value)

    def filter_status(self, queryset, name, value):
        return queryset  # applied in qs, after as_of

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied in qs

    def filter_known_on(self, queryset, name, value):
        return queryset  # applied in qs, with as_of

    def filter_source(self, queryset, name, value):
        says = Assessment.objects.filter(commitment=OuterRef("pk"), assessor=value)
        wanted = self.form.cleaned_data.get("source_status")
        if wanted:
            says = says.filter(status=wanted)
        return queryset.filter(Exists(says))

    def filter_source_status(self, queryset, name, value):
        if self.form.cleaned_data.get("source"):
            return queryset  # applied together with the source
        return queryset.filter(Exists(Assessment.objects.filter(commitment=OuterRef("pk"), status=value)))

    def filter_contested(self, queryset, name, value):
        return _yes_no(queryset, Q(contested=True), value)

    def filter_own_project(self, queryset, name, value):
        return _yes_no(queryset, Q(is_own_project=True), value)

    def filter_verified(self, queryset, name, value):
        # Verified means the update that decides the headline is verified, not any update.
        queryset = queryset.with_headline_as_of(None, fields={"headline_verified_at": "verified_at"})
        return _yes_no(queryset, Q(headline_verified_at__isnull=False), value)

    def filter_overdue(self, queryset, name, value):
        return _yes_no(queryset, Commitment.objects.overdue_q(timezone.localdate()), value)

    def filter_stale(self, queryset, name, value):
        return _yes_no(queryset, Commitment.objects.stale_q(), value)

    def filter_contributes_to(self, queryset, name, value):
        targets = Commitment.objects.visible_to(self.request.user) if self.request else Commitment.objects.none()
        reaching = CommitmentRollUp.objects.filter(target_id=value, target__in=targets.values("pk"))
        return queryset.filter(pk__in=reaching.values("source_id"))

    def filter_contributes_to_instrument(self, queryset, name, value):
        return queryset.filter(contributing_to_instrument_q(value))


class PublicCommitmentFilter(django_filters.FilterSet):
    """The public list's filters: published instruments only, and the public headline's status."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)
    instrument = django_filters.ModelChoiceFilter(
        label=_("Instrument"),
        queryset=Instrument.objects.published(),
        to_field_name="code",
        field_name="instrument",
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        label=_("Jurisdiction"), queryset=Jurisdiction.objects.all(), to_field_name="code", field_name="jurisdiction"
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), queryset=Theme.objects.all(), to_field_name="slug", field_name="themes"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, field_name="public_status")

    class Meta:
        model = Commitment
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )
