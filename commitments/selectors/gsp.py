"""Reads of GSP+ monitoring shared by the GSP+ page, an issue's page, a cycle's page and the scorecard
reply report: the conventions by group, each body's reporting status, issues and their state per cycle.

An issue's state in a cycle is derived from the cycle's IssueUpdates by the headline rule
(derived.derive: the latest view of the organisation running the tracker, else of any source),
and each source's own view is kept beside it, so that who says so is never lost.
"""

import dataclasses
from collections import defaultdict

from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..charts import Bar
from ..derived import derive
from ..models import (
    Commitment,
    CommitmentRollUp,
    GSPCycle,
    GSPRequirement,
    Instrument,
    IssueUpdate,
    Review,
    ScorecardIssue,
)
from ..querysets import HISTORY_ORDER, tracker_organisation_id
from ..scopes import Scope, within

GROUP_LABELS = dict(GSPRequirement.Group.choices)
# Reviews that are a monitoring body's, not the EU's own.
BODY_REVIEW_KINDS = (Review.Kind.TREATY_BODY, Review.Kind.OTHER)


@dataclasses.dataclass
class IssueState:
    """An issue's state in one cycle: the deciding view and every source's latest view."""

    status: str
    deciding: IssueUpdate
    views: list  # each source's latest IssueUpdate, by source name
    contested: bool

    @property
    def label(self):
        return ScorecardIssue.State(self.status).label


def issue_state(updates):
    """IssueState of one issue in one cycle from its updates (any order), or None when nobody has said."""
    if not updates:
        return None
    derivation = derive(updates, tracker_organisation_id())
    if not derivation.timeline:
        return None
    deciding = derivation.timeline[-1][3]
    views = sorted(derivation.views.values(), key=lambda u: str(u.assessor))
    return IssueState(status=derivation.status, deciding=deciding, views=views, contested=derivation.contested)


def issue_updates(user, issues, sensitivities=None):
    """{issue id: {cycle id: [IssueUpdate]}} the user may read, in history order (one query)."""
    updates = IssueUpdate.objects.visible_to(user).filter(issue__in=issues)
    if sensitivities is not None:
        updates = updates.filter(sensitivity__in=sensitivities)
    result = defaultdict(lambda: defaultdict(list))
    for update in updates.select_related("assessor", "cycle", "recorded_by").order_by(*HISTORY_ORDER):
        result[update.issue_id][update.cycle_id].append(update)
    return result


def current_state(by_cycle, cycles):
    """The state in the latest of `cycles` (in order) in which anyone has said something, and that cycle."""
    for cycle in reversed(cycles):
        state = issue_state(by_cycle.get(cycle.pk, []))
        if state is not None:
            return cycle, state
    return None, None


def is_open(state):
    """An issue is open until its current state is resolved (one nobody has assessed is open)."""
    return state is None or state.status != ScorecardIssue.State.RESOLVED


@dataclasses.dataclass
class ConventionLine:
    group: str
    group_label: str
    instrument: Instrument
    annex_part: str
    last_report: Review | None
    open_issues: list  # [(issue, cycle, state)]
    issues_total: int
    own: Bar
    contributing: Bar

    @property
    def report_overdue(self):
        return self.instrument.is_report_overdue()


def reporting_status(instruments):
    """{instrument id: its body's latest review} (one query)."""
    latest = {}
    for review in Review.objects.filter(instrument__in=instruments, kind__in=BODY_REVIEW_KINDS).order_by(
        "instrument_id", "reviewed_on"
    ):
        latest[review.instrument_id] = review
    return latest


def status_by_convention(user, instrument_ids, scope=None):
    """({code: own {status: n}}, {code: contributing at any depth {status: n}}) of the commitments
    the user may read in scope (two grouped queries)."""
    visible = Commitment.objects.visible_to(user)
    if scope:
        visible = visible.filter(scope.q())
    own = defaultdict(dict)
    for code, status, n in (
        visible.filter(instrument__in=instrument_ids)
        .values_list("instrument__code", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        own[code][status] = n
    contributing = defaultdict(dict)
    for code, status, n in (
        CommitmentRollUp.objects.filter(source__in=visible.values("pk"), target__instrument__in=instrument_ids)
        .exclude(source__instrument_id=F("target__instrument_id"))
        .values_list("target__instrument__code", "source__status")
        .annotate(n=Count("source", distinct=True))
        .order_by()
    ):
        contributing[code][status] = n
    return own, contributing


def gsp_overview(user, *, scope=None, today=None):
    """The GSP+ page: [(group label, [ConventionLine])], the cycles, and the requirement lists in force."""
    today = today or timezone.localdate()
    scope = scope or Scope()
    requirements = list(
        GSPRequirement.objects.in_force(today)
        .select_related("instrument", "instrument__monitoring_body", "scheme")
        .order_by("instrument__code")
    )
    instruments = {r.instrument_id: r.instrument for r in requirements}
    latest_review = reporting_status(list(instruments))
    issues = list(ScorecardIssue.objects.filter(convention__in=list(instruments)).order_by("raised_on", "reference"))
    cycles = list(GSPCycle.objects.filter(scheme__in={r.scheme_id for r in requirements}).order_by("starts_on"))
    updates = issue_updates(user, issues)
    own, contributing = status_by_convention(user, list(instruments), scope)
    per_convention = defaultdict(list)
    for issue in issues:
        cycle, state = current_state(updates.get(issue.pk, {}), cycles)
        per_convention[issue.convention_id].append((issue, cycle, state))
    groups = {group: [] for group in GSPRequirement.Group.values}
    seen = set()
    for requirement in requirements:
        instrument = requirement.instrument
        if instrument.pk in seen:
            continue
        seen.add(instrument.pk)
        all_issues = per_convention.get(instrument.pk, [])
        groups[requirement.group].append(
            ConventionLine(
                group=requirement.group,
                group_label=GROUP_LABELS[requirement.group],
                instrument=instrument,
                annex_part=requirement.annex_part,
                last_report=latest_review.get(instrument.pk),
                open_issues=[line for line in all_issues if is_open(line[2])],
                issues_total=len(all_issues),
                own=Bar(
                    _("Its own commitments"),
                    within(scope, instrument=instrument.code),
                    own.get(instrument.code, {}),
                ),
                contributing=Bar(
                    _("Contributing at any depth"),
                    within(scope, contributes_to_instrument=instrument.code),
                    contributing.get(instrument.code, {}),
                ),
            )
        )
    lists = {r.scheme for r in requirements}
    return {
        "groups": [(GROUP_LABELS[group], lines) for group, lines in groups.items() if lines],
        "cycles": cycles,
        "schemes": sorted(lists, key=lambda scheme: scheme.code),
        "conventions": len(seen),
    }


def issue_detail(user, issue):
    """An issue's page: who raised it, its state in each cycle with each source's view, what addresses it."""
    cycles = list(
        GSPCycle.objects.filter(scheme__required_conventions__instrument=issue.convention).order_by("starts_on")
    )
    updates = issue_updates(user, [issue]).get(issue.pk, {})
    visible = Commitment.objects.visible_to(user)
    addressed = list(
        visible.filter(scorecard_issues=issue).select_related("instrument", "jurisdiction", "responsible_body")
    )
    reaching = (
        visible.filter(rollup_out__target__in=[c.pk for c in addressed])
        .exclude(pk__in=[c.pk for c in addressed])
        .select_related("instrument", "jurisdiction", "responsible_body")
        .distinct()
        .order_by("instrument__code", "reference")
    )
    return {
        "issue": issue,
        "issue_sources": issue.issue_sources.select_related("organisation"),
        "cycles": [
            {
                "cycle": cycle,
                "state": issue_state(updates.get(cycle.pk, [])),
                "updates": updates.get(cycle.pk, [])[::-1],
            }
            for cycle in cycles
        ],
        "addressed": addressed,
        "contributing": list(reaching),
        "sources": issue.sources.all(),
    }


def cycle_detail(user, cycle):
    """A cycle's page: the Commission's report, the missions and their follow-up items, each issue's state."""
    issues = list(
        ScorecardIssue.objects.filter(convention__gsp_requirements__scheme=cycle.scheme)
        .select_related("convention")
        .distinct()
        .order_by("convention__code", "raised_on")
    )
    updates = issue_updates(user, issues)
    missions = list(cycle.missions.all())
    follow_up = (
        Commitment.objects.visible_to(user)
        .filter(review__in=missions)
        .select_related("instrument", "jurisdiction", "review")
        .order_by("reference")
    )
    return {
        "cycle": cycle,
        "report": cycle.report,
        "missions": missions,
        "follow_up": follow_up,
        "issues": [(issue, issue_state(updates.get(issue.pk, {}).get(cycle.pk, []))) for issue in issues],
        "report_url": reverse("commitments:reports") + f"?kind=gsp_scorecard&cycle={cycle.pk}",
        "sources": cycle.sources.all(),
    }
