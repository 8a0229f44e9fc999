"""Deadlines: commitment due dates and the next report due under each instrument.

One set of selectors serves the calendar page and the iCalendar feed, so both show
the same items for the same filter. Every read starts from `visible_to(user)`; a
report deadline is an instrument's stored `next_report_due_on`, never a computed one.
The selectors cost a fixed number of queries whatever the number of deadlines.
"""

import dataclasses
import datetime
import secrets

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Commitment, Instrument, Jurisdiction, Profile, Status, Theme


@dataclasses.dataclass(frozen=True)
class Deadline:
    """One date something falls due. Carries no notes and no evidence, only what a reminder may say."""

    kind: str  # COMMITMENT or REPORT
    pk: int
    reference: str
    due_on: datetime.date
    path: str
    jurisdiction: str
    title: str = ""

    COMMITMENT = "commitment"
    REPORT = "report"

    @property
    def url(self):
        """The absolute link, for emails and calendar apps."""
        return absolute_url(self.path)

    @property
    def is_report(self):
        return self.kind == self.REPORT

    def days_left(self, today):
        return (self.due_on - today).days

    def is_overdue(self, today):
        return self.due_on < today


def absolute_url(path):
    return settings.TRACKER_BASE_URL.rstrip("/") + path


def commitment_reference(commitment):
    return f"{commitment.instrument.code} {commitment.reference}"


def report_reference(instrument):
    return gettext("%(code)s periodic report") % {"code": instrument.code}


def commitment_deadline(commitment):
    return Deadline(
        kind=Deadline.COMMITMENT,
        pk=commitment.pk,
        reference=commitment_reference(commitment),
        due_on=commitment.due_on,
        path=commitment.get_absolute_url(),
        jurisdiction=commitment.jurisdiction.name,
        title=commitment.title,
    )


def report_deadline(instrument):
    return Deadline(
        kind=Deadline.REPORT,
        pk=instrument.pk,
        reference=report_reference(instrument),
        due_on=instrument.next_report_due_on,
        path=instrument.get_absolute_url(),
        jurisdiction=instrument.jurisdiction.name,
        title=instrument.title,
    )


# ---------------------------------------------------------------------------------------
# The filter, shared by the page and the feed (the feed takes the same query string)
# ---------------------------------------------------------------------------------------


class DeadlineFilter(forms.Form):
    WHAT_ALL = ""
    WHAT_COMMITMENTS = "commitments"
    WHAT_REPORTS = "reports"
    WHEN_ALL = ""
    WHEN_UPCOMING = "upcoming"
    WHEN_OVERDUE = "overdue"

    jurisdiction = forms.ModelChoiceField(
        Jurisdiction.objects.all(), to_field_name="code", required=False, label=_("Jurisdiction"),
        empty_label=_("All"),
    )
    instrument = forms.ModelChoiceField(
        Instrument.objects.all(), to_field_name="code", required=False, label=_("Instrument"), empty_label=_("All")
    )
    theme = forms.ModelChoiceField(
        Theme.objects.all(), to_field_name="slug", required=False, label=_("Theme"), empty_label=_("All")
    )
    kind = forms.ChoiceField(
        choices=[("", _("All"))] + list(Instrument.Kind.choices), required=False, label=_("Kind of instrument")
    )
    what = forms.ChoiceField(
        choices=[(WHAT_ALL, _("Reports and commitments")), (WHAT_COMMITMENTS, _("Commitment deadlines")),
                 (WHAT_REPORTS, _("Reports due"))],
        required=False,
        label=_("Show"),
    )
    when = forms.ChoiceField(
        choices=[(WHEN_ALL, _("Overdue and upcoming")), (WHEN_UPCOMING, _("Upcoming")),
                 (WHEN_OVERDUE, _("Overdue"))],
        required=False,
        label=_("When"),
    )
    mine = forms.BooleanField(required=False, label=_("Only where I am a focal person"))

    def criteria(self):
        """The cleaned filter; a field with a value not understood is left out, the others still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def query_string(self):
        """The filter as a query string, for the feed link; only the fields that were set."""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for name, value in self.criteria().items():
            if value in (None, "", False):
                continue
            if hasattr(value, "code"):
                value = value.code
            elif hasattr(value, "slug"):
                value = value.slug
            elif value is True:
                value = "on"
            query[name] = value
        return query.urlencode()


def commitment_deadlines(user, criteria=None, today=None):
    """Visible commitments with a due date that are not implemented, soonest first."""
    criteria = criteria or {}
    today = today or timezone.localdate()
    qs = (
        Commitment.objects.visible_to(user)
        .filter(due_on__isnull=False)
        .exclude(status=Status.IMPLEMENTED)
        .select_related("instrument", "jurisdiction")
        .only("pk", "reference", "title", "due_on", "instrument__code", "jurisdiction__name")
    )
    if criteria.get("jurisdiction"):
        qs = qs.filter(jurisdiction=criteria["jurisdiction"])
    if criteria.get("instrument"):
        qs = qs.filter(instrument=criteria["instrument"])
    if criteria.get("theme"):
        qs = qs.filter(themes=criteria["theme"])
    if criteria.get("kind"):
        qs = qs.filter(instrument__kind=criteria["kind"])
    if criteria.get("mine"):
        qs = qs.filter(focal_persons=user)
    if criteria.get("when") == DeadlineFilter.WHEN_UPCOMING:
        qs = qs.filter(due_on__gte=today)
    elif criteria.get("when") == DeadlineFilter.WHEN_OVERDUE:
        qs = qs.filter(due_on__lt=today)
    return qs.order_by("due_on", "instrument__code", "reference")


def report_deadlines(user, criteria=None, today=None):
    """Instruments with a stored next-report date, soonest first.

    Instruments are open to every signed-in user. A theme is a property of commitments,
    so a theme filter keeps the instruments with a visible commitment of that theme.
    """
    criteria = criteria or {}
    today = today or timezone.localdate()
    if not (user.is_authenticated and user.is_active):
        return Instrument.objects.none()
    qs = (
        Instrument.objects.filter(next_report_due_on__isnull=False)
        .select_related("jurisdiction")
        .only("pk", "code", "title", "next_report_due_on", "jurisdiction__name")
    )
    if criteria.get("jurisdiction"):
        qs = qs.filter(jurisdiction=criteria["jurisdiction"])
    if criteria.get("instrument"):
        qs = qs.filter(pk=criteria["instrument"].pk)
    if criteria.get("kind"):
        qs = qs.filter(kind=criteria["kind"])
    if criteria.get("theme"):
        themed = Commitment.objects.visible_to(user).filter(instrument=OuterRef("pk"), themes=criteria["theme"])
        qs = qs.filter(Exists(themed))
    if criteria.get("mine"):
        qs = qs.filter(focal_persons=user)
    if criteria.get("when") == DeadlineFilter.WHEN_UPCOMING:
        qs = qs.filter(next_report_due_on__gte=today)
    elif criteria.get("when") == DeadlineFilter.WHEN_OVERDUE:
        qs = qs.filter(next_report_due_on__lt=today)
    return qs.order_by("next_report_due_on", "code")


def deadlines(user, criteria=None, today=None):
    """Commitment and report deadlines for `user`, by date. Two queries at most."""
    criteria = criteria or {}
    what = criteria.get("what") or DeadlineFilter.WHAT_ALL
    items = []
    if what in (DeadlineFilter.WHAT_ALL, DeadlineFilter.WHAT_COMMITMENTS):
        items += [commitment_deadline(c) for c in commitment_deadlines(user, criteria, today)]
    if what in (DeadlineFilter.WHAT_ALL, DeadlineFilter.WHAT_REPORTS):
        items += [report_deadline(i) for i in report_deadlines(user, criteria, today)]
    # Reports first on a shared day: they are the bigger piece of work.
    items.sort(key=lambda d: (d.due_on, not d.is_report, d.reference))
    return items


# ---------------------------------------------------------------------------------------
# The iCalendar feed
# ---------------------------------------------------------------------------------------


def ics_calendar(items, *, now=None, name=None):
    """An iCalendar document (bytes): one all-day event per deadline, with the reference, the date and a link."""
    import icalendar

    now = now or timezone.now()
    host = settings.TRACKER_BASE_URL.split("://", 1)[-1].split("/", 1)[0] or "tracker"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Commitments tracker//Reporting calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or gettext("Commitments tracker deadlines"))
    for item in items:
        event = icalendar.Event()
        # Stable per item and date: a moved deadline is a new event, an unchanged one is updated in place.
        event.add("uid", f"{item.kind}-{item.pk}-{item.due_on.isoformat()}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", item.due_on)
        event.add("dtend", item.due_on + datetime.timedelta(days=1))
        if item.is_report:
            summary = gettext("Report due: %(reference)s") % {"reference": item.reference}
        else:
            summary = gettext("Due: %(reference)s") % {"reference": item.reference}
        event.add("summary", summary)
        event.add("url", item.url)
        event.add("description", item.url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


# ---------------------------------------------------------------------------------------
# The per-user feed token
# ---------------------------------------------------------------------------------------


def profile_for(user):
    """The user's profile, created with the defaults on first use.

    Reminders are on by default since the account exists, so creating the profile later
    (to get a calendar token, say) does not move that date.
    """
    profile, _created = Profile.objects.get_or_create(
        user=user, defaults={"reminders_enabled_at": user.date_joined}
    )
    return profile


def calendar_token_create(*, user):
    """Give the user a new calendar token; any previous feed address stops working."""
    with transaction.atomic():
        profile = profile_for(user)
        profile.calendar_token = secrets.token_urlsafe(32)
        profile.save(update_fields=["calendar_token"])
    return profile.calendar_token


def calendar_token_revoke(*, user):
    """Revoke the user's calendar token: their feed address answers 404 from now on."""
    Profile.objects.filter(user=user).update(calendar_token=None)


def user_for_calendar_token(token):
    """The active user holding `token`, or None."""
    if not token or "\x00" in token:  # PostgreSQL refuses to compare with a null character
        return None
    profile = (
        Profile.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    )
    return profile.user if profile else None


def feed_path(token, query_string=""):
    path = reverse("commitments:calendar_feed", args=[token])
    return f"{path}?{query_string}" if query_string else path
