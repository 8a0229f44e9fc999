"""The commitment table: building it costs no query, a page of it costs one (plus themes)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Commitment, Status

STATUS_LABELS = dict(Status.choices)


class StatusColumn(tables.Column):
    def render(self, value, record):
        return format_html('<span class="badge status-{}">{}</span>', value, STATUS_LABELS.get(value, value))


class SDGColumn(tables.Column):
    """The SDG targets of a recommendation (prefetched with the page: no query per row)."""

    def __init__(self, **kwargs):
        super().__init__(verbose_name=_("SDGs"), empty_values=(), orderable=False, **kwargs)

    def render(self, record):
        recommendation = getattr(record, "recommendation", None)  # None where it is not a recommendation
        if recommendation is None:
            return ""
        return ", ".join(target.code for target in recommendation.sdg_targets.all())


class CommitmentTable(tables.Table):
    reference = tables.Column(verbose_name=_("Reference"), linkify=True, order_by=("instrument__code", "reference"))
    title = tables.Column(verbose_name=_("Title"), attrs={"td": {"dir": "auto"}}, order_by=("title", "id"))
    instrument = tables.Column(
        verbose_name=_("Instrument"),
        accessor="instrument__code",
        order_by=("instrument__code", "reference"),
        linkify=lambda record: record.instrument.get_absolute_url(),
    )
    jurisdiction = tables.Column(
        verbose_name=_("Jurisdiction"),
        accessor="jurisdiction__name",
        order_by=("jurisdiction__name", "instrument__code", "reference"),
    )
    themes = tables.ManyToManyColumn(verbose_name=_("Themes"), orderable=False)
    position = tables.Column(verbose_name=_("Position"), accessor="recommendation_response", orderable=False)
    sdgs = SDGColumn()
    status = StatusColumn(verbose_name=_("Status"))
    status_on = tables.Column(
        verbose_name=_("Since"), accessor="status_date_display", order_by=("status_on", "instrument__code", "reference")
    )
    # Every order ends on the reference, so rows that tie (one due date) keep one order on every database.
    due_on = tables.DateColumn(
        verbose_name=_("Due"), format="Y-m-d", order_by=("due_on", "instrument__code", "reference")
    )
    overdue = tables.Column(verbose_name=_("Overdue"), empty_values=(), orderable=False)
    contested = tables.BooleanColumn(verbose_name=_("Contested"), yesno=(_("contested"), ""))

    class Meta:
        model = Commitment
        fields = ()
        sequence = (
            "reference",
            "title",
            "instrument",
            "jurisdiction",
            "themes",
            "position",
            "sdgs",
            "status",
            "status_on",
            "due_on",
            "overdue",
            "contested",
        )
        attrs = {"class": "commitments"}
        empty_text = _("No commitments match these filters.")
        template_name = "django_tables2/table.html"

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def render_title(self, record):
        return record.shown_title

    def render_position(self, record):
        return record.get_recommendation_response_display()

    def render_overdue(self, record):
        if record.is_overdue(self.today):
            return format_html('<strong class="overdue">{}</strong>', _("overdue"))
        return ""


class StatusAsOfColumn(StatusColumn):
    """Shown when the list is filtered by the status held on a past date."""

    def __init__(self, day, **kwargs):
        super().__init__(verbose_name=_("Status on %(date)s") % {"date": day.isoformat()}, orderable=False, **kwargs)
