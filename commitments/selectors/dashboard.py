"""Dashboard selectors: every figure names the list filter that reproduces it (so each number
links to exactly the commitments it counts).

The bars and the contested count are sums of the maintained count tables (StatusCount,
ThemeStatusCount: a few hundred rows whatever the number of commitments), restricted to the
jurisdictions the user may read; the overdue and stale figures depend on today and are
queries served by indexes."""

import calendar
import datetime

from django.conf import settings
from django.db.models import Count, F, Prefetch, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import derived
from ..charts import STATUS_LABELS, STATUS_ORDER, TREND_STATUSES, Bar, list_url, trend_chart
from ..models import (
    Assessment,
    Commitment,
    CommitmentLink,
    GSPRequirement,
    Instrument,
    Mechanism,
    Recommendation,
    StatusCount,
    StatusUpdate,
    ThemeStatusCount,
)
from ..querysets import readable_jurisdictions_q


def _bars(rows, key_fields, make):
    """Group (key..., status, count) rows into Bars, keeping the first-seen order of keys."""
    bars = {}
    for row in rows:
        key = tuple(row[field] for field in key_fields)
        if key not in bars:
            bars[key] = make(row)
        bars[key].counts[row["status"]] = bars[key].counts.get(row["status"], 0) + row["n"]
    return list(bars.values())


def _counts(user):
    """The maintained status counts the user may see (a few hundred rows at most, whatever the size)."""
    return StatusCount.objects.filter(readable_jurisdictions_q(user), count__gt=0)


def status_distribution(user):
    counts = dict(_counts(user).values_list("status").annotate(n=Sum("count")).order_by())
    return Bar(_("All commitments"), {}, counts)


def gsp_group_bars(user):
    """One bar per GSP+ group: commitments under the conventions the scheme requires in that group."""
    groups = {}
    for instrument_id, group in GSPRequirement.objects.values_list("instrument_id", "group").distinct():
        groups.setdefault(group, set()).add(instrument_id)
    by_instrument = {}
    for instrument_id, status, n in (
        _counts(user)
        .filter(instrument__gsp_requirements__isnull=False)
        .values_list("instrument_id", "status")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        by_instrument[(instrument_id, status)] = n
    labels = dict(GSPRequirement.Group.choices)
    bars = []
    for group in labels:
        counts = {}
        for (instrument_id, status), n in by_instrument.items():
            if instrument_id in groups.get(group, ()):
                counts[status] = counts.get(status, 0) + n
        if counts:
            bars.append(Bar(labels[group], {"group": group}, counts))
    return bars


def plan_bars(user):
    """One bar per national and provincial action plan."""
    rows = (
        _counts(user)
        .filter(instrument__kind__in=[Instrument.Kind.NATIONAL_PLAN, Instrument.Kind.PROVINCIAL_PLAN])
        .values("instrument__kind", "instrument__code", "instrument__title", "status")
        .annotate(n=Sum("count"))
        .order_by("instrument__kind", "instrument__code")  # national before provincial
    )
    return _bars(
        rows,
        ("instrument__code",),
        lambda r: Bar(
            f"{r['instrument__code']}: {r['instrument__title']}",
            {"instrument": r["instrument__code"]},
            {},
            url=reverse("commitments:instrument", args=[r["instrument__code"]]),
        ),
    )


def jurisdiction_bars(user):
    rows = (
        _counts(user)
        .values("jurisdiction__code", "jurisdiction__name", "jurisdiction__kind", "status")
        .annotate(n=Sum("count"))
        .order_by("jurisdiction__kind", "jurisdiction__name")
    )
    return _bars(
        rows,
        ("jurisdiction__code",),
        lambda r: Bar(r["jurisdiction__name"], {"jurisdiction": r["jurisdiction__code"]}, {}),
    )


def theme_bars(user):
    rows = (
        ThemeStatusCount.objects.filter(readable_jurisdictions_q(user), count__gt=0)
        .values("theme__slug", "theme__name", "status")
        .annotate(n=Sum("count"))
        .order_by("theme__name")
    )
    return _bars(rows, ("theme__slug",), lambda r: Bar(r["theme__name"], {"theme": r["theme__slug"]}, {}))


def recommendation_bars(visible):
    """Recommendations by mechanism, by Pakistan's position and by SDG goal: three grouped queries."""
    recommendations = visible.filter(recommendation__isnull=False)
    by_mechanism = _bars(
        recommendations.values("recommendation__mechanism__slug", "recommendation__mechanism__name", "status")
        .annotate(n=Count("pk"))
        .order_by("recommendation__mechanism__name"),
        ("recommendation__mechanism__slug",),
        lambda r: Bar(r["recommendation__mechanism__name"], {"mechanism": r["recommendation__mechanism__slug"]}, {}),
    )
    positions = dict(Commitment.RecommendationResponse.choices)
    by_position = _bars(
        recommendations.exclude(recommendation_response="")
        .values("recommendation_response", "status")
        .annotate(n=Count("pk"))
        .order_by("recommendation_response"),
        ("recommendation_response",),
        lambda r: Bar(positions[r["recommendation_response"]], {"position": r["recommendation_response"]}, {}),
    )
    by_goal = _bars(
        Recommendation.sdg_targets.through.objects.filter(recommendation_id__in=recommendations.values("pk"))
        .values("sdgtarget__goal", status=F("recommendation__commitment__status"))
        .annotate(n=Count("recommendation_id", distinct=True))
        .order_by("sdgtarget__goal"),
        ("sdgtarget__goal",),
        lambda r: Bar(_("SDG %(goal)d") % {"goal": r["sdgtarget__goal"]}, {"sdg_goal": r["sdgtarget__goal"]}, {}),
    )
    return by_mechanism, by_position, by_goal


def follow_up_summary(visible, today):
    """Treaty-body follow-up: priority recommendations, replies overdue, and the latest grade of each."""
    priority = visible.filter(
        recommendation__follow_up_due_on__isnull=False, recommendation__mechanism__kind=Mechanism.Kind.TREATY_BODY
    )
    grades = dict(
        priority.with_follow_up_grade(name="latest_grade")
        .values_list("latest_grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = dict(StatusUpdate.Grade.choices)
    return {
        "priority_count": sum(grades.values()),
        "priority_url": list_url(priority="yes"),
        "overdue_count": priority.filter(Recommendation.follow_up_overdue_q(today, prefix="recommendation__")).count(),
        "overdue_url": list_url(priority="yes", follow_up_overdue="yes"),
        "grades": [
            {"grade": grade, "label": labels[grade], "count": grades.get(grade, 0), "url": list_url(grade=grade)}
            for grade in StatusUpdate.Grade.values
        ],
        "ungraded": grades.get(None, 0),
    }


def contested_count(user):
    return _counts(user).filter(contested=True).aggregate(n=Sum("count"))["n"] or 0


def roll_up(visible):
    """For each GSP+ convention and each national-plan commitment: how far the actions linked to it have got.

    Counts the distinct visible commitments that contribute (directly) to it, by their status.
    """
    # A convention is public knowledge; a national commitment is named only to those who may read it.
    links = CommitmentLink.objects.filter(source__in=visible.values("pk"))
    conventions = (
        links.filter(target__instrument__gsp_requirements__isnull=False)
        .values("target__instrument__code", "target__instrument__title", status=F("source__status"))
        .annotate(n=Count("source", distinct=True))
        .order_by("target__instrument__code")
    )
    national = (
        links.filter(target__in=visible.values("pk"), target__instrument__kind=Instrument.Kind.NATIONAL_PLAN)
        .values(
            "target_id", "target__instrument__code", "target__reference", "target__title", status=F("source__status")
        )
        .annotate(n=Count("source", distinct=True))
        .order_by("target__instrument__code", "target__reference")
    )
    convention_bars = _bars(
        conventions,
        ("target__instrument__code",),
        lambda r: Bar(
            f"{r['target__instrument__code']}: {r['target__instrument__title']}",
            {"contributes_to_instrument": r["target__instrument__code"]},
            {},
            url=reverse("commitments:instrument", args=[r["target__instrument__code"]]),
        ),
    )
    national_bars = _bars(
        national,
        ("target_id",),
        lambda r: Bar(
            f"{r['target__instrument__code']} {r['target__reference']}: {r['target__title']}",
            {"contributes_to": r["target_id"]},
            {},
            url=reverse("commitments:detail", args=[r["target_id"]]),
        ),
    )
    return convention_bars, national_bars


def contested(visible, limit=10):
    """Commitments whose sources disagree, each with every source's latest view."""
    queryset = visible.filter(contested=True)
    rows = list(
        queryset.select_related("instrument", "jurisdiction")
        .prefetch_related(
            Prefetch("assessments", queryset=Assessment.objects.select_related("assessor").order_by("assessor__name"))
        )
        .order_by("-status_on", "-id")[:limit]  # the (contested, status_on, id) index, read backwards
    )
    return rows


def overdue(visible, today, limit=10):
    """Overdue commitments, the longest overdue first."""
    return list(visible.overdue(today).select_related("instrument", "jurisdiction").order_by("due_on", "id")[:limit])


def stale(visible, now, limit=10):
    """Commitments with no update in effect recently, never-updated and longest-silent first.

    Ordered by (last effective date, id), which an index serves: the first ten, not a sort of all.
    """
    return list(
        visible.stale(now)
        .select_related("instrument", "jurisdiction")
        .order_by(F("last_effective_on").asc(nulls_first=True), "id")[:limit]
    )


def recent_activity(user, limit=10):
    """The latest recorded updates the user may see, newest first.

    The ids come first, from the (recorded_at, id) index alone: with the joins in the same
    query the database sorts the whole history (seconds at a million updates) to find ten.
    """
    ordering = ("-recorded_at", "-id")
    ids = list(StatusUpdate.objects.visible_to(user).order_by(*ordering).values_list("pk", flat=True)[:limit])
    return list(
        StatusUpdate.objects.filter(pk__in=ids)
        .select_related("commitment__instrument", "assessor", "recorded_by", "verified_by")
        .order_by(*ordering)
    )


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def trend(user, today, months=12):
    """[{month, month_end, counts: [(status, label, count, url)]}] for the last `months` months."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(index // 12, index % 12 + 1, 1)
    result = []
    for month, counts in derived.trend(readable_jurisdictions_q(user), first=first, last=today):
        end = month_end(month)
        result.append(
            {
                "month": month,
                "month_end": end,
                "counts": [
                    {
                        "status": status,
                        "label": STATUS_LABELS[status],
                        "count": counts.get(status, 0),
                        "url": list_url(as_of=end.isoformat(), status=status),
                    }
                    for status in TREND_STATUSES
                ],
            }
        )
    return result


def dashboard_context(user, *, today=None, now=None):
    today = today or timezone.localdate()
    now = now or timezone.now()
    visible = Commitment.objects.visible_to(user)
    convention_rollup, national_rollup = roll_up(visible)
    by_mechanism, by_position, by_goal = recommendation_bars(visible)
    trend_rows = trend(user, today)
    overdue_count = visible.overdue(today).count()
    stale_count = visible.stale(now).count()
    return {
        # Bars and the contested count: sums of the maintained counts (derived.py keeps them exact).
        "overall": status_distribution(user),
        "gsp_groups": gsp_group_bars(user),
        "plans": plan_bars(user),
        "jurisdictions": jurisdiction_bars(user),
        "themes": theme_bars(user),
        "recommendations_by_mechanism": by_mechanism,
        "recommendations_by_position": by_position,
        "recommendations_by_goal": by_goal,
        "follow_up": follow_up_summary(visible, today),
        "convention_rollup": convention_rollup,
        "national_rollup": national_rollup,
        "contested": contested(visible),
        "contested_count": contested_count(user),
        "contested_url": list_url(contested="yes"),
        "overdue": overdue(visible, today),
        "overdue_count": overdue_count,
        "overdue_url": list_url(overdue="yes", sort="due_on"),
        "stale": stale(visible, now),
        "stale_count": stale_count,
        "stale_url": list_url(stale="yes"),
        "stale_days": settings.TRACKER_STALE_DAYS,
        "recent": recent_activity(user),
        "trend": trend_rows,
        "trend_chart": trend_chart(trend_rows),
        "statuses": [(s, STATUS_LABELS[s]) for s in STATUS_ORDER],
        "today": today,
    }
