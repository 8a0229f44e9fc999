"""Deadlines: commitment due dates and the next report due under each instrument.

One set of selectors serves the calendar page, the iCalendar feed and the reminders, so
they show the same items for the same filter. Every read starts from `visible_to(user)`.
The selectors cost a fixed number of queries whatever the number of deadlines.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from .. import access
from ..models import Commitment, Instrument, Profile

WHAT_ALL = ""
WHAT_COMMITMENTS = "commitments"
WHAT_REPORTS = "reports"
WHEN_ALL = ""
WHEN_UPCOMING = "upcoming"
WHEN_OVERDUE = "overdue"


@dataclasses.dataclass(frozen=True)
class Deadline:
    """One date something falls due. Carries no notes and no evidence, only what a reminder may say."""

    kind: str  # COMMITMENT or REPORT
    pk: int
    reference: str
    due_on: datetime.date
    path: str
    jurisdiction: str
    overdue: bool  # by the home rule: Commitment.is_overdue() or Instrument.is_report_overdue()
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


def site_base_url():
    """The site's address for links that leave it (emails, calendar feeds): TRACKER_BASE_URL, or the development server."""
    return (settings.TRACKER_BASE_URL or f"http://127.0.0.1:{settings.TRACKER_PORT}").rstrip("/")


def absolute_url(path, request=None):
    """An absolute link to `path`: on a page with TRACKER_BASE_URL unset, at the address the page was served on."""
    if not settings.TRACKER_BASE_URL and request is not None:
        return request.build_absolute_uri(path)
    return site_base_url() + path


def commitment_reference(commitment):
    return f"{commitment.instrument.code} {commitment.reference}"


def report_reference(instrument):
    return gettext("%(code)s periodic report") % {"code": instrument.code}


def commitment_deadline(commitment, today):
    return Deadline(
        kind=Deadline.COMMITMENT,
        pk=commitment.pk,
        reference=commitment_reference(commitment),
        due_on=commitment.due_on,
        path=commitment.get_absolute_url(),
        jurisdiction=commitment.jurisdiction.name,
        overdue=commitment.is_overdue(today),
        title=commitment.title,
    )


def report_deadline(instrument, today):
    return Deadline(
        kind=Deadline.REPORT,
        pk=instrument.pk,
        reference=report_reference(instrument),
        due_on=instrument.next_report_due_on,
        path=instrument.get_absolute_url(),
        jurisdiction=instrument.jurisdiction.name,
        overdue=instrument.is_report_overdue(today),
        title=instrument.title,
    )


def commitment_deadlines(user, criteria=None, today=None):
    """Visible commitments with a due date that are not implemented, soonest first."""
    criteria = criteria or {}
    today = today or timezone.localdate()
    qs = (
        Commitment.objects.visible_to(user)
        .with_open_deadline()
        .select_related("instrument", "jurisdiction")
        .only("pk", "reference", "title", "due_on", "status", "instrument__code", "jurisdiction__name")
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
    if criteria.get("when") == WHEN_UPCOMING:
        qs = qs.filter(due_on__gte=today)
    elif criteria.get("when") == WHEN_OVERDUE:
        qs = qs.overdue(today)
    return qs.order_by("due_on", "instrument__code", "reference")


def report_deadlines(user, criteria=None, today=None):
    """Instruments with a stored next-report date, soonest first.

    Instruments are open to every signed-in user. A theme is a property of commitments,
    so a theme filter keeps the instruments with a visible commitment of that theme.
    """
    criteria = criteria or {}
    today = today or timezone.localdate()
    if not access.is_signed_in(user):
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
    if criteria.get("when") == WHEN_UPCOMING:
        qs = qs.filter(next_report_due_on__gte=today)
    elif criteria.get("when") == WHEN_OVERDUE:
        qs = qs.report_overdue(today)
    return qs.order_by("next_report_due_on", "code")


def deadline_querysets(user, criteria=None, today=None):
    """(commitment deadlines, report deadlines) that the filter's "what" asks for; None for a kind left out."""
    criteria = criteria or {}
    what = criteria.get("what") or WHAT_ALL
    commitments = commitment_deadlines(user, criteria, today) if what in (WHAT_ALL, WHAT_COMMITMENTS) else None
    reports = report_deadlines(user, criteria, today) if what in (WHAT_ALL, WHAT_REPORTS) else None
    return commitments, reports


def deadlines(user, criteria=None, today=None):
    """Commitment and report deadlines for `user`, by date. Two queries at most."""
    today = today or timezone.localdate()
    commitments, reports = deadline_querysets(user, criteria, today)
    items = []
    if commitments is not None:
        items += [commitment_deadline(c, today) for c in commitments]
    if reports is not None:
        items += [report_deadline(i, today) for i in reports]
    # Reports first on a shared day: they are the bigger piece of work.
    items.sort(key=lambda d: (d.due_on, not d.is_report, d.reference))
    return items


def user_for_calendar_token(token):
    """The active user holding `token`, or None."""
    if not token or "\x00" in token:  # PostgreSQL refuses to compare with a null character
        return None
    profile = Profile.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    return profile.user if profile else None


def feed_path(token, query_string=""):
    """The feed's address for a token, with the calendar page's filter."""
    path = reverse("commitments:calendar_feed", args=[token])
    return f"{path}?{query_string}" if query_string else path
