"""Dashboard selectors: every figure names the list filter that reproduces it (so each number
links to exactly the commitments it counts), and every figure follows the scope bar (a Scope:
jurisdiction × GSP+ group × theme × instrument × kind, in the query string).

The bars and the contested count are sums of one set of count rows: the maintained count
tables (StatusCount, ThemeStatusCount: a few hundred rows whatever the number of commitments)
when the scope is one of their keys, else one grouped count of the commitments in scope;
restricted to the jurisdictions the user may read. The overdue and stale figures depend on
today and are queries served by indexes. Roll-ups read CommitmentRollUp: links at any depth."""

import calendar
import datetime

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import derived
from ..charts import STATUS_LABELS, STATUS_ORDER, TREND_STATUSES, Bar, list_url, trend_chart
from ..models import (
    Assessment,
    Commitment,
    CommitmentRollUp,
    GSPRequirement,
    Instrument,
    Mechanism,
    Recommendation,
    StatusCount,
    StatusUpdate,
    ThemeStatusCount,
)
from ..querysets import readable_jurisdictions_q
from ..scopes import Scope, within
from .deadlines import overdue_reports


def _bars(rows, key_fields, make):
    """Group (key..., status, n) rows into Bars, keeping the first-seen order of keys."""
    bars = {}
    for row in rows:
        key = tuple(row[field] for field in key_fields)
        if key not in bars:
            bars[key] = make(row)
        bars[key].counts[row["status"]] = bars[key].counts.get(row["status"], 0) + row["n"]
    return list(bars.values())


COUNT_FIELDS = (
    "jurisdiction__code",
    "jurisdiction__name",
    "jurisdiction__kind",
    "instrument_id",
    "instrument__code",
    "instrument__title",
    "instrument__kind",
    "status",
    "contested",
    "is_own_project",
)


def count_rows(user, scope, visible_scoped):
    """How many commitments in scope hold each status, per jurisdiction and instrument: one query.

    From the maintained count tables (StatusCount: a few hundred rows whatever the size) when the
    scope is one of their keys (jurisdiction, instrument, kind); otherwise one grouped count of
    the commitments in scope. Either way the same rows, from which every bar is summed.
    """
    if scope.is_counted:
        rows = (
            StatusCount.objects.filter(readable_jurisdictions_q(user), count__gt=0)
            .filter(scope.count_q())
            .values(*COUNT_FIELDS)
            .annotate(n=Sum("count"))
        )
    else:
        rows = visible_scoped.values(*COUNT_FIELDS).annotate(n=Count("pk"))
    return list(rows.order_by())


def _sum(rows, keep=lambda row: True):
    counts = {}
    for row in rows:
        if keep(row):
            counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    return counts


def status_distribution(rows, scope):
    label = _("All commitments") if not scope else _("All commitments in scope")
    return Bar(label, scope.as_query(), _sum(rows))


def gsp_conventions(on=None):
    """[(group, instrument id, code, title)] of the requirement lists in force, in group order."""
    order = {group: index for index, group in enumerate(GSPRequirement.Group.values)}
    rows = (
        GSPRequirement.objects.in_force(on)
        .values_list("group", "instrument_id", "instrument__code", "instrument__title")
        .distinct()
        .order_by("instrument__code")
    )
    return sorted(rows, key=lambda row: (order.get(row[0], 99), row[2]))


def gsp_group_bars(rows, scope, conventions, contributing):
    """Per GSP+ group: the conventions' own commitments, then those contributing to them at any depth."""
    labels = dict(GSPRequirement.Group.choices)
    groups = []
    for group, label in labels.items():
        ids = {instrument_id for g, instrument_id, _code, _title in conventions if g == group}
        own = Bar(
            _("%(group)s: the conventions' own commitments") % {"group": label},
            within(scope, group=group),
            _sum(rows, lambda row, ids=ids: row["instrument_id"] in ids),
        )
        more = Bar(
            _("%(group)s: commitments contributing at any depth") % {"group": label},
            within(scope, contributes_to_group=group),
            contributing.get(group, {}),
        )
        if own.total or more.total:
            groups.append({"group": group, "label": label, "own": own, "contributing": more})
    return groups


def contribution_pairs(visible_scoped, conventions):
    """[(source id, source status, source instrument id, convention id)]: each commitment in scope that
    reaches a commitment of a GSP+ convention at any depth (CommitmentRollUp), once per convention.

    One query; the groups and conventions it feeds are summed in Python from these pairs."""
    ids = sorted({instrument_id for _group, instrument_id, _code, _title in conventions})
    return list(
        CommitmentRollUp.objects.filter(source__in=visible_scoped.values("pk"), target__instrument_id__in=ids)
        .values_list("source_id", "source__status", "source__instrument_id", "target__instrument_id")
        .distinct()
        .order_by()
    )


def contributing_by_group(pairs, conventions):
    """{group: {status: n}}: commitments outside a group's conventions that contribute to one of them."""
    members = {}
    for group, instrument_id, _code, _title in conventions:
        members.setdefault(group, set()).add(instrument_id)
    result = {}
    for group, ids in members.items():
        statuses = {
            source_id: status
            for source_id, status, source_instrument, target_instrument in pairs
            if target_instrument in ids and source_instrument not in ids
        }
        for status in statuses.values():
            result.setdefault(group, {})
            result[group][status] = result[group].get(status, 0) + 1
    return result


def plan_bars(rows, scope):
    """One bar per national and provincial action plan."""
    plans = sorted(
        (
            row
            for row in rows
            if row["instrument__kind"] in (Instrument.Kind.NATIONAL_PLAN, Instrument.Kind.PROVINCIAL_PLAN)
        ),
        key=lambda row: (row["instrument__kind"], row["instrument__code"]),  # national before provincial
    )
    return _bars(
        plans,
        ("instrument__code",),
        lambda r: Bar(
            f"{r['instrument__code']}: {r['instrument__title']}",
            within(scope, instrument=r["instrument__code"]),
            {},
            url=reverse("commitments:instrument", args=[r["instrument__code"]]),
        ),
    )


def jurisdiction_bars(rows, scope):
    """One bar per jurisdiction: its government's commitments (the tracker organisation's own projects left out)."""
    with_own = {row["jurisdiction__code"] for row in rows if row["is_own_project"]}
    ordered = sorted(
        (row for row in rows if not row["is_own_project"]),
        key=lambda row: (row["jurisdiction__kind"], row["jurisdiction__name"]),
    )

    def bar(row):
        code = row["jurisdiction__code"]
        # The list link leaves them out too, where there are any, so that it shows what the bar counts.
        extra = {"own_project": "no"} if code in with_own else {}
        return Bar(row["jurisdiction__name"], within(scope, jurisdiction=code, **extra), {})

    return _bars(ordered, ("jurisdiction__code",), bar)


def theme_bars(user, scope, visible_scoped):
    """Per theme: from the maintained theme counts when the scope is at most a jurisdiction, else counted."""
    if set(scope.values) <= {"jurisdiction"}:
        rows = (
            ThemeStatusCount.objects.filter(readable_jurisdictions_q(user), count__gt=0)
            .filter(scope.count_q())
            .values("theme__slug", "theme__name", "status")
            .annotate(n=Sum("count"))
        )
    else:
        rows = (
            Commitment.themes.through.objects.filter(commitment__in=visible_scoped.values("pk"))
            .values("theme__slug", "theme__name", status=F("commitment__status"))
            .annotate(n=Count("pk"))
        )
    return _bars(
        rows.order_by("theme__name"),
        ("theme__slug",),
        lambda r: Bar(r["theme__name"], within(scope, theme=r["theme__slug"]), {}),
    )


def contested_count(rows):
    return sum(row["n"] for row in rows if row["contested"])


def recommendation_bars(visible, query=None):
    """Recommendations by mechanism, by Pakistan's position and by SDG goal: three grouped queries.

    `query` is the scope's list filters, kept in every link."""
    query = query or {}
    recommendations = visible.filter(recommendation__isnull=False)
    by_mechanism = _bars(
        recommendations.values("recommendation__mechanism__slug", "recommendation__mechanism__name", "status")
        .annotate(n=Count("pk"))
        .order_by("recommendation__mechanism__name"),
        ("recommendation__mechanism__slug",),
        lambda r: Bar(
            r["recommendation__mechanism__name"], {**query, "mechanism": r["recommendation__mechanism__slug"]}, {}
        ),
    )
    positions = dict(Commitment.RecommendationResponse.choices)
    by_position = _bars(
        recommendations.exclude(recommendation_response="")
        .values("recommendation_response", "status")
        .annotate(n=Count("pk"))
        .order_by("recommendation_response"),
        ("recommendation_response",),
        lambda r: Bar(positions[r["recommendation_response"]], {**query, "position": r["recommendation_response"]}, {}),
    )
    by_goal = _bars(
        Recommendation.sdg_targets.through.objects.filter(recommendation_id__in=recommendations.values("pk"))
        .values("sdgtarget__goal", status=F("recommendation__commitment__status"))
        .annotate(n=Count("recommendation_id", distinct=True))
        .order_by("sdgtarget__goal"),
        ("sdgtarget__goal",),
        lambda r: Bar(
            _("SDG %(goal)d") % {"goal": r["sdgtarget__goal"]}, {**query, "sdg_goal": r["sdgtarget__goal"]}, {}
        ),
    )
    return by_mechanism, by_position, by_goal


def follow_up_summary(visible, today, query=None):
    """Treaty-body follow-up: priority recommendations, replies overdue, and the latest grade of each."""
    query = query or {}
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
        "priority_url": list_url(**query, priority="yes"),
        "overdue_count": priority.filter(Recommendation.follow_up_overdue_q(today, prefix="recommendation__")).count(),
        "overdue_url": list_url(**query, priority="yes", follow_up_overdue="yes"),
        "grades": [
            {
                "grade": grade,
                "label": labels[grade],
                "count": grades.get(grade, 0),
                "url": list_url(**query, grade=grade),
            }
            for grade in StatusUpdate.Grade.values
        ],
        "ungraded": grades.get(None, 0),
    }


def convention_rollup(rows, scope, conventions, pairs):
    """Per GSP+ convention: its own commitments in scope, and those contributing to it at any depth.

    Contributing: commitments of other instruments that reach one of the convention's commitments
    through contribution links, however many steps away (CommitmentRollUp), counted once each.
    """
    code_of = {instrument_id: code for _group, instrument_id, code, _title in conventions}
    contributing = {}
    for _source_id, status, source_instrument, target_instrument in pairs:
        if source_instrument != target_instrument:
            counts = contributing.setdefault(code_of[target_instrument], {})
            counts[status] = counts.get(status, 0) + 1
    labels = dict(GSPRequirement.Group.choices)
    result = []
    for group, instrument_id, code, title in conventions:
        own = _sum(rows, lambda row, pk=instrument_id: row["instrument_id"] == pk)
        more = contributing.get(code, {})
        if not own and not more:
            continue
        result.append(
            {
                "group": labels.get(group, group),
                "code": code,
                "title": title,
                "url": reverse("commitments:instrument", args=[code]),
                "own": Bar(_("Its own commitments"), within(scope, instrument=code), own),
                "contributing": Bar(
                    _("Contributing at any depth"), within(scope, contributes_to_instrument=code), more
                ),
            }
        )
    return result


def national_rollup(visible, visible_scoped, scope):
    """Per national-plan commitment: the commitments in scope that contribute to it at any depth."""
    national = (
        CommitmentRollUp.objects.filter(
            source__in=visible_scoped.values("pk"),
            target__in=visible.values("pk"),
            target__instrument__kind=Instrument.Kind.NATIONAL_PLAN,
        )
        .values(
            "target_id", "target__instrument__code", "target__reference", "target__title", status=F("source__status")
        )
        .annotate(n=Count("source", distinct=True))
        .order_by("target__instrument__code", "target__reference")
    )
    return _bars(
        national,
        ("target_id",),
        lambda r: Bar(
            f"{r['target__instrument__code']} {r['target__reference']}: {r['target__title']}",
            within(scope, contributes_to=r["target_id"]),
            {},
            url=reverse("commitments:detail", args=[r["target_id"]]),
        ),
    )


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


def recent_activity(user, limit=10, scope=None):
    """The latest recorded updates the user may see (of commitments in scope), newest first.

    The ids come first, from the (recorded_at, id) index alone: with the joins in the same
    query the database sorts the whole history (seconds at a million updates) to find ten.
    """
    ordering = ("-recorded_at", "-id")
    updates = StatusUpdate.objects.visible_to(user)
    if scope:
        updates = updates.filter(commitment__in=Commitment.objects.filter(scope.q()).values("pk"))
    ids = list(updates.order_by(*ordering).values_list("pk", flat=True)[:limit])
    return list(
        StatusUpdate.objects.filter(pk__in=ids)
        .select_related("commitment__instrument", "assessor", "recorded_by", "verified_by")
        .order_by(*ordering)
    )


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _trend_from_history(visible_scoped, first, today):
    """[(month, {status: count})] as derived.trend() gives, for a scope the trend summary is not keyed by.

    One query: each commitment's status at each month end, through the one as-of implementation.
    """
    months = derived.months_between(first, today)
    queryset = visible_scoped
    for index, month in enumerate(months):
        queryset = queryset.with_status_as_of(month_end(month), name=f"as_of_{index}")
    totals = queryset.aggregate(
        **{
            f"n_{index}_{status}": Count("pk", filter=Q(**{f"as_of_{index}": status}))
            for index in range(len(months))
            for status in TREND_STATUSES
        }
    )
    return [
        (month, {status: totals[f"n_{index}_{status}"] for status in TREND_STATUSES})
        for index, month in enumerate(months)
    ]


def trend(user, today, months=12, scope=None, visible_scoped=None):
    """[{month, month_end, counts: [(status, label, count, url)]}] for the last `months` months.

    From the maintained trend summary (keyed by jurisdiction) unless the scope needs more.
    """
    scope = scope or Scope()
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(index // 12, index % 12 + 1, 1)
    if set(scope.values) <= {"jurisdiction"}:
        monthly = derived.trend(readable_jurisdictions_q(user) & scope.count_q(), first=first, last=today)
    else:
        monthly = _trend_from_history(visible_scoped, first, today)
    result = []
    for month, counts in monthly:
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
                        "url": list_url(**scope.as_query(), as_of=end.isoformat(), status=status),
                    }
                    for status in TREND_STATUSES
                ],
            }
        )
    return result


def dashboard_context(user, *, scope=None, today=None, now=None):
    """Every figure of the dashboard, for the commitments in `scope` (a Scope) the user may read."""
    scope = scope or Scope()
    today = today or timezone.localdate()
    now = now or timezone.now()
    visible = Commitment.objects.visible_to(user)
    scoped = visible.filter(scope.q()) if scope else visible
    rows = count_rows(user, scope, scoped)
    conventions = gsp_conventions(today)
    pairs = contribution_pairs(scoped, conventions)
    trend_rows = trend(user, today, scope=scope, visible_scoped=scoped)
    overdue_count = scoped.overdue(today).count()
    reports = overdue_reports(user, scope, today)
    stale_count = scoped.stale(now).count()
    query = scope.as_query()
    by_mechanism, by_position, by_goal = recommendation_bars(scoped, query)
    return {
        "scope": scope,
        # Bars and the contested count: sums of one set of count rows (see count_rows).
        "overall": status_distribution(rows, scope),
        "gsp_groups": gsp_group_bars(rows, scope, conventions, contributing_by_group(pairs, conventions)),
        "plans": plan_bars(rows, scope),
        "jurisdictions": jurisdiction_bars(rows, scope),
        "themes": theme_bars(user, scope, scoped),
        "recommendations_by_mechanism": by_mechanism,
        "recommendations_by_position": by_position,
        "recommendations_by_goal": by_goal,
        "follow_up": follow_up_summary(scoped, today, query),
        "convention_rollup": convention_rollup(rows, scope, conventions, pairs),
        "national_rollup": national_rollup(visible, scoped, scope),
        "contested": contested(scoped),
        "contested_count": contested_count(rows),
        "contested_url": list_url(**query, contested="yes"),
        "overdue": overdue(scoped, today),
        "overdue_count": overdue_count,
        "overdue_url": list_url(**query, overdue="yes", sort="due_on"),
        # Reports to monitoring bodies past their due date: a figure of their own, not commitments.
        "overdue_reports_count": reports[0] if reports else None,
        "overdue_reports_url": reports[1] if reports else None,
        "stale": stale(scoped, now),
        "stale_count": stale_count,
        "stale_url": list_url(**query, stale="yes"),
        "stale_days": settings.TRACKER_STALE_DAYS,
        "recent": recent_activity(user, scope=scope),
        "trend": trend_rows,
        "trend_chart": trend_chart(trend_rows),
        "statuses": [(s, STATUS_LABELS[s]) for s in STATUS_ORDER],
        "today": today,
    }
