"""Deadlines: commitment due dates, treaty-body follow-up replies, and the reports due under
each instrument, sourced (Instrument.next_report_due_on) or computed from its reporting cycle.

One set of selectors serves the calendar page, the iCalendar feed and the reminders, so
they show the same items for the same filter. Every read starts from `visible_to(user)`.
Each deadline says what it is (choices.DeadlineKind) and whether its date is computed.
The selectors cost a fixed number of queries whatever the number of deadlines.
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from .. import access
from ..choices import DeadlineKind, Precision
from ..dates import format_partial_date, period_end
from ..models import (
    Commitment,
    Instrument,
    Jurisdiction,
    Profile,
    Recommendation,
    ReportingCycle,
    Review,
    Theme,
    deadline_passed,
)

WHAT_ALL = ""
WHAT_COMMITMENTS = "commitments"
WHAT_FOLLOW_UP = "follow_up"
WHAT_REPORTS = "reports"

# The reporting cycles count only for instruments Pakistan is bound by.
BOUND_STATUSES = (
    Instrument.PakistanStatus.RATIFIED,
    Instrument.PakistanStatus.ACCEDED,
    Instrument.PakistanStatus.PARTY,
    Instrument.PakistanStatus.BENEFICIARY,
)
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
    overdue: bool  # by the home rule: is_overdue(), is_report_overdue(), is_follow_up_overdue(), deadline_passed()
    title: str = ""
    what: str = DeadlineKind.COMMITMENT  # what falls due
    computed: bool = False  # counted from the last review by the reporting cycle, not read from a source
    precision: str = Precision.DAY
    counted_from: datetime.date | None = None

    COMMITMENT = "commitment"
    REPORT = "report"

    @property
    def what_label(self):
        return DeadlineKind(self.what).label

    @property
    def due_display(self):
        return format_partial_date(self.due_on, self.precision)

    @property
    def uid_key(self):
        """What makes the item one calendar event: a moved date is a new event, an unchanged one stays."""
        if self.what in (DeadlineKind.COMMITMENT, DeadlineKind.PERIODIC_REPORT) and not self.computed:
            return f"{self.kind}-{self.pk}-{self.due_on.isoformat()}"
        return f"{self.kind}-{self.what}{'-computed' if self.computed else ''}-{self.pk}-{self.due_on.isoformat()}"

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


def report_reference(instrument, what=DeadlineKind.PERIODIC_REPORT):
    return gettext("%(code)s: %(what)s") % {"code": instrument.code, "what": DeadlineKind(what).label}


def commitment_deadline(commitment, today):
    return Deadline(
        kind=Deadline.COMMITMENT,
        pk=commitment.pk,
        reference=commitment_reference(commitment),
        due_on=commitment.due_on,
        path=commitment.get_absolute_url(),
        jurisdiction=commitment.jurisdiction.name,
        overdue=commitment.is_overdue(today),
        title=commitment.shown_title,
    )


def report_deadline(instrument, today):
    """The next report due that carries a source (Instrument.next_report_due_on)."""
    return Deadline(
        kind=Deadline.REPORT,
        pk=instrument.pk,
        reference=report_reference(instrument, instrument.next_report_kind),
        due_on=instrument.next_report_due_on,
        path=instrument.get_absolute_url(),
        jurisdiction=instrument.jurisdiction.name,
        overdue=instrument.is_report_overdue(today),
        title=instrument.shown_title,
        what=instrument.next_report_kind,
    )


def follow_up_deadline(commitment, today):
    """The follow-up reply a treaty body asked on a priority recommendation."""
    recommendation = commitment.recommendation
    return Deadline(
        kind=Deadline.COMMITMENT,
        pk=commitment.pk,
        reference=gettext("%(reference)s: follow-up reply") % {"reference": commitment_reference(commitment)},
        due_on=recommendation.follow_up_due_on,
        path=commitment.get_absolute_url(),
        jurisdiction=commitment.jurisdiction.name,
        overdue=recommendation.is_follow_up_overdue(today),
        title=commitment.shown_title,
        what=DeadlineKind.FOLLOW_UP_REPLY,
    )


def computed_deadline(instrument, rule, due_on, counted_from, precision, what, today):
    return Deadline(
        kind=Deadline.REPORT,
        pk=instrument.pk,
        reference=report_reference(instrument, what),
        due_on=due_on,
        path=instrument.get_absolute_url(),
        jurisdiction=instrument.jurisdiction.name,
        overdue=deadline_passed(due_on, today),
        title=instrument.shown_title,
        what=what,
        computed=True,
        precision=precision,
        counted_from=counted_from,
    )


def commitment_deadlines(user, criteria=None, today=None):
    """Visible commitments with a due date that are not implemented, soonest first."""
    criteria = criteria or {}
    today = today or timezone.localdate()
    qs = (
        Commitment.objects.visible_to(user)
        .with_open_deadline()
        .select_related("instrument", "jurisdiction")
        .only("pk", "reference", "title", "title_ur", "due_on", "status", "instrument__code", "jurisdiction__name")
    )
    qs = _commitment_criteria(qs, user, criteria)
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
        .only("pk", "code", "title", "title_ur", "next_report_due_on", "next_report_kind", "jurisdiction__name")
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


def follow_up_deadlines(user, criteria=None, today=None):
    """Visible priority recommendations whose follow-up reply is asked and not sent, soonest first."""
    criteria = criteria or {}
    today = today or timezone.localdate()
    qs = (
        Commitment.objects.visible_to(user)
        .filter(Recommendation.follow_up_open_q(prefix="recommendation__"))
        .select_related("instrument", "jurisdiction", "recommendation")
        .only(
            "pk",
            "reference",
            "title",
            "title_ur",
            "instrument__code",
            "jurisdiction__name",
            "recommendation__follow_up_due_on",
            "recommendation__follow_up_replied_on",
        )
    )
    qs = _commitment_criteria(qs, user, criteria)
    if criteria.get("when") == WHEN_UPCOMING:
        qs = qs.filter(recommendation__follow_up_due_on__gte=today)
    elif criteria.get("when") == WHEN_OVERDUE:
        qs = qs.filter(Recommendation.follow_up_overdue_q(today, prefix="recommendation__"))
    return qs.order_by("recommendation__follow_up_due_on", "instrument__code", "reference")


def _commitment_criteria(qs, user, criteria):
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
    return qs


def _cycle_instruments(user, criteria):
    """Instruments a reporting cycle may give a date for, filtered like report_deadlines()."""
    qs = Instrument.objects.filter(pakistan_status__in=BOUND_STATUSES).select_related("jurisdiction")
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
    return qs


def cycle_dates(instruments, rules, reviews, today):
    """[(instrument, rule, due_on, counted_from, precision, kind)] for each rule and instrument it covers.

    `reviews` are (instrument_id, kind, reviewed_on, precision) of reviews on or before today.
    A date is counted from the end of the period the last review is known to (a review known
    to the month counts from the month's last day), or, before any review, from the date
    Pakistan became bound, when the rule gives a first-report period.
    """
    latest = {}
    for instrument_id, kind, reviewed_on, precision in reviews:
        for key in ((instrument_id, kind), (instrument_id, "")):
            if key not in latest or latest[key][0] < reviewed_on:
                latest[key] = (reviewed_on, precision)
    by_pk = {i.pk: i for i in instruments}
    by_kind = {}
    for instrument in instruments:
        by_kind.setdefault(instrument.kind, []).append(instrument)
    found = []
    for rule in rules:
        if rule.instrument_id is not None:
            covered = [by_pk[rule.instrument_id]] if rule.instrument_id in by_pk else []
        else:
            covered = by_kind.get(rule.instrument_kind, [])
        for instrument in covered:
            review = latest.get((instrument.pk, rule.review_kind))
            if review is not None:
                last_on, precision = period_end(*review), review[1]
                due = rule.next_due(last_review_on=last_on)
            elif instrument.bound_on is not None:
                last_on, precision = (
                    period_end(instrument.bound_on, instrument.bound_precision),
                    instrument.bound_precision,
                )
                due = rule.next_due(last_review_on=None, bound_on=last_on)
            else:
                due = None
            if due is not None:
                due_on, counted_from, kind = due
                found.append((instrument, rule, due_on, counted_from, precision or Precision.DAY, kind))
    return found


def computed_deadlines(user, criteria=None, today=None):
    """Report deadlines computed from the reporting cycles (ReportingCycle), as Deadlines. Three queries.

    A computed date is left out where the instrument has a date with a source for the same
    kind of deadline: the source's date stands instead of the cycle's.
    """
    criteria = criteria or {}
    today = today or timezone.localdate()
    if not access.is_signed_in(user):
        return []
    rules = list(ReportingCycle.objects.all())
    if not rules:
        return []
    instruments = list(_cycle_instruments(user, criteria))
    reviews = Review.objects.filter(instrument_id__in=[i.pk for i in instruments], reviewed_on__lte=today).values_list(
        "instrument_id", "kind", "reviewed_on", "reviewed_precision"
    )
    items = []
    for instrument, rule, due_on, counted_from, precision, what in cycle_dates(instruments, rules, reviews, today):
        if instrument.next_report_due_on is not None and instrument.next_report_kind == what:
            continue
        item = computed_deadline(instrument, rule, due_on, counted_from, precision, what, today)
        if criteria.get("when") == WHEN_UPCOMING and item.due_on < today:
            continue
        if criteria.get("when") == WHEN_OVERDUE and not item.overdue:
            continue
        items.append(item)
    return items


def deadlines(user, criteria=None, today=None):
    """Commitment, follow-up and report deadlines (sourced and computed) for `user`, by date.

    A fixed number of queries, whatever the number of deadlines.
    """
    criteria = criteria or {}
    today = today or timezone.localdate()
    what = criteria.get("what") or WHAT_ALL
    items = []
    if what in (WHAT_ALL, WHAT_COMMITMENTS):
        items += [commitment_deadline(c, today) for c in commitment_deadlines(user, criteria, today)]
    if what in (WHAT_ALL, WHAT_COMMITMENTS, WHAT_FOLLOW_UP):
        items += [follow_up_deadline(c, today) for c in follow_up_deadlines(user, criteria, today)]
    if what in (WHAT_ALL, WHAT_REPORTS):
        items += [report_deadline(i, today) for i in report_deadlines(user, criteria, today)]
        items += computed_deadlines(user, criteria, today)
    # Reports first on a shared day: they are the bigger piece of work.
    items.sort(key=lambda d: (d.due_on, not d.is_report, d.reference))
    return items


# The dashboard's scope dimensions the calendar's filter also has (DeadlineFilter).
CALENDAR_DIMENSIONS = ("jurisdiction", "instrument", "kind", "theme")


def overdue_reports(user, scope=None, today=None):
    """The reports overdue to monitoring bodies in a dashboard scope, as the calendar lists them.

    Returns (count, the calendar's query string), or None where the scope has a dimension the
    calendar cannot filter by (a GSP+ group, a mechanism, an SDG), so that no figure counts
    more than the page it links to. Sourced dates are overdue by Instrument.report_overdue_q(),
    computed ones by deadline_passed(), as on the calendar.
    """
    values = scope.values if scope else {}
    if any(name not in CALENDAR_DIMENSIONS for name in values):
        return None
    criteria = {"what": WHAT_REPORTS, "when": WHEN_OVERDUE}
    lookups = {
        "jurisdiction": lambda code: Jurisdiction.objects.filter(code=code).first(),
        "instrument": lambda code: Instrument.objects.filter(code=code).first(),
        "theme": lambda slug: Theme.objects.filter(slug=slug).first(),
        "kind": lambda kind: kind,
    }
    for name, value in values.items():
        found = lookups[name](value)
        if found is None:
            return 0, None
        criteria[name] = found
    items = deadlines(user, criteria, today)
    query = urlencode({"what": WHAT_REPORTS, "when": WHEN_OVERDUE, **values})
    return len(items), f"{reverse('commitments:calendar')}?{query}"


def user_for_calendar_token(token):
    """The active user holding `token`, or None."""
    if not token or "\x00" in token:  # PostgreSQL refuses to compare with a null character
        return None
    profile = Profile.objects.filter(calendar_token=token, user__is_active=True).select_related("user").first()
    if profile is None:
        return None
    profile.user._tracker_profile = profile  # its language, without asking again
    return profile.user


def feed_path(token, query_string=""):
    """The feed's address for a token, with the calendar page's filter."""
    path = reverse("commitments:calendar_feed", args=[token])
    return f"{path}?{query_string}" if query_string else path
