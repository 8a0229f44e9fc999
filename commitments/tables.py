"""The commitment table: building it costs no query, a page of it costs one (plus themes)."""

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Commitment, Status

STATUS_LABELS = dict(Status.choices)


def cell(name, label, **attrs):
    """A cell's attributes: its column's name as class, and its header as data-label (a phone shows rows as cards)."""
    return {"td": {"class": f"col-{name}", "data-label": label, **attrs}, "th": {"class": f"col-{name}"}}


class StatusColumn(tables.Column):
    # A field with choices gives its label as `value`; the badge's colour needs the stored value.
    field = "status"

    def render(self, value, record):
        code = getattr(record, self.field, None) or value
        return format_html('<span class="badge status-{}">{}</span>', code, STATUS_LABELS.get(code, value))


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
    reference = tables.Column(
        verbose_name=_("Reference"),
        linkify=True,
        order_by=("instrument__code", "reference"),
        attrs=cell("reference", _("Reference")),
    )
    title = tables.Column(
        verbose_name=_("Title"), order_by=("title", "id"), attrs=cell("title", _("Title"), dir="auto")
    )
    instrument = tables.Column(
        verbose_name=_("Instrument"),
        accessor="instrument__code",
        order_by=("instrument__code", "reference"),
        linkify=lambda record: record.instrument.get_absolute_url(),
        attrs=cell("instrument", _("Instrument")),
    )
    jurisdiction = tables.Column(
        verbose_name=_("Jurisdiction"),
        accessor="jurisdiction__name",
        order_by=("jurisdiction__name", "instrument__code", "reference"),
        attrs=cell("jurisdiction", _("Jurisdiction")),
    )
    themes = tables.ManyToManyColumn(verbose_name=_("Themes"), orderable=False, attrs=cell("themes", _("Themes")))
    position = tables.Column(
        verbose_name=_("Position"),
        accessor="recommendation_response",
        orderable=False,
        attrs=cell("position", _("Position")),
    )
    sdgs = SDGColumn(attrs=cell("sdgs", _("SDGs")))
    status = StatusColumn(verbose_name=_("Status"), attrs=cell("status", _("Status")))
    status_on = tables.Column(
        verbose_name=_("Since"),
        accessor="status_date_display",
        order_by=("status_on", "instrument__code", "reference"),
        attrs=cell("status_on", _("Since")),
    )
    confirmed_on = tables.Column(
        verbose_name=_("Last confirmed"),
        accessor="confirmed_display",
        order_by=("confirmed_on", "instrument__code", "reference"),
        attrs=cell("confirmed_on", _("Last confirmed")),
    )
    # Every order ends on the reference, so rows that tie (one due date) keep one order on every database.
    due_on = tables.DateColumn(
        verbose_name=_("Due"),
        short=False,
        order_by=("due_on", "instrument__code", "reference"),
        attrs=cell("due_on", _("Due")),
    )
    overdue = tables.Column(
        verbose_name=_("Overdue"), empty_values=(), orderable=False, attrs=cell("overdue", _("Overdue"))
    )
    contested = tables.BooleanColumn(
        verbose_name=_("Contested"), yesno=(_("contested"), ""), attrs=cell("contested", _("Contested"))
    )

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
            "confirmed_on",
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

    def render_reference(self, record):
        return record.full_reference

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

    field = "status_as_of"

    def __init__(self, day, known_on=None, **kwargs):
        if known_on is None:
            label = _("Status on %(date)s") % {"date": date_format(day, "DATE_FORMAT")}
        else:
            label = _("Status on %(date)s as known on %(known)s") % {
                "date": date_format(day, "DATE_FORMAT"),
                "known": date_format(known_on, "DATE_FORMAT"),
            }
        super().__init__(verbose_name=label, orderable=False, attrs=cell("status_as_of", label), **kwargs)
