"""The commitment list's filters: every dashboard number is one of these filter combinations.

Filter state lives in the query string, so a filtered list can be bookmarked, shared and exported.
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Status
from .models import (
    Assessment,
    Commitment,
    CommitmentLink,
    GSPRequirement,
    Instrument,
    Jurisdiction,
    Organisation,
    Theme,
)

YES_NO = (("yes", _("Yes")), ("no", _("No")))


def _yes_no(queryset, q, value):
    if value == "yes":
        return queryset.filter(q)
    if value == "no":
        return queryset.exclude(q)
    return queryset


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
    instrument = django_filters.ModelChoiceFilter(
        label=_("Instrument"), queryset=Instrument.objects.all(), to_field_name="code", field_name="instrument"
    )
    kind = django_filters.ChoiceFilter(
        label=_("Instrument kind"), choices=Instrument.Kind.choices, field_name="instrument__kind"
    )
    group = django_filters.ChoiceFilter(
        label=_("GSP+ group"), choices=GSPRequirement.Group.choices, method="filter_group"
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
    verified = django_filters.ChoiceFilter(label=_("Latest status verified"), choices=YES_NO, method="filter_verified")
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES_NO, method="filter_overdue")
    stale = django_filters.ChoiceFilter(label=_("Stale"), choices=YES_NO, method="filter_stale")
    due_from = django_filters.DateFilter(
        label=_("Due from"), field_name="due_on", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = django_filters.DateFilter(
        label=_("Due until"), field_name="due_on", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    contributes_to = IdFilter(label=_("Contributes to commitment"), method="filter_contributes_to")
    contributes_to_instrument = django_filters.CharFilter(
        label=_("Contributes to instrument"), method="filter_contributes_to_instrument"
    )

    class Meta:
        model = Commitment
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choice lists cost a query each; only the ones a person picks from are shown as selects.
        self.filters["contributes_to"].field.widget = forms.HiddenInput()
        self.filters["contributes_to_instrument"].field.widget = forms.HiddenInput()

    @property
    def qs(self):
        # The status filter depends on as_of; apply it last, after every other filter.
        if not hasattr(self, "_qs"):
            queryset = super().qs
            data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
            status, as_of = data.get("status"), data.get("as_of")
            if as_of:
                queryset = queryset.with_status_as_of(as_of)
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
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(instrument__code__icontains=value)
            | Q(instrument__title__icontains=value)
        )

    def filter_group(self, queryset, name, value):
        return queryset.filter(instrument__in=GSPRequirement.objects.filter(group=value).values("instrument"))

    def filter_theme(self, queryset, name, value):
        return queryset.filter(pk__in=Commitment.themes.through.objects.filter(theme=value).values("commitment"))

    def filter_status(self, queryset, name, value):
        return queryset  # applied in qs, after as_of

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied in qs

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
        links = CommitmentLink.objects.filter(target_id=value, target__in=targets.values("pk"))
        return queryset.filter(pk__in=links.values("source"))

    def filter_contributes_to_instrument(self, queryset, name, value):
        return queryset.filter(pk__in=CommitmentLink.objects.filter(target__instrument__code=value).values("source"))
