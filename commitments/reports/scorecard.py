"""The GSP+ scorecard reply for a monitoring cycle: convention → issue → sources, and for each issue
its state at the start and the end of the period (who says so), the progress in the period, the
legislative and policy initiatives, the remaining shortcomings, the actions with their targets,
timelines and responsible institutions, the evidence, and each convention's reporting status.

Everything is computed once, when the report is built, into plain data (ScorecardReport), from
which every format is written (scorecard_output.py): the same numbers in HTML, PDF, Excel, CSV
and Word. Statuses at the start and the end come from CommitmentQuerySet.with_status_as_of (the
one as-of implementation); an issue's state from its IssueUpdates by the headline rule
(selectors.gsp.issue_state); what contributes at any depth from CommitmentRollUp. A query count
that does not grow with the number of rows: one query per kind of thing, not per issue.
"""

import dataclasses
import datetime
from collections import Counter, defaultdict

from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import Audience, Status
from ..dates import format_partial_date
from ..models import (
    Commitment,
    CommitmentRollUp,
    Evidence,
    GSPCycle,
    GSPRequirement,
    Instrument,
    IssueUpdate,
    ScorecardIssue,
    StatusUpdate,
)
from ..querysets import HISTORY_ORDER
from ..scopes import Scope
from ..selectors.gsp import issue_state, issue_updates, reporting_status
from .progress import Change, EvidenceLine, Movement, ReportKind, _generated_by, _person, movement

# Instrument kinds whose commitments are legislative and policy initiatives.
INITIATIVE_KINDS = (
    Instrument.Kind.LAW,
    Instrument.Kind.PROVINCIAL_LAW,
    Instrument.Kind.RESOLUTION,
    Instrument.Kind.NATIONAL_PLAN,
    Instrument.Kind.PROVINCIAL_PLAN,
    Instrument.Kind.PROVINCIAL_POLICY,
)
GROUP_LABELS = dict(GSPRequirement.Group.choices)
STATE_LABELS = dict(ScorecardIssue.State.choices)


@dataclasses.dataclass
class StateLine:
    """An issue's state in a cycle as a line of the report: the state, who says so, and each source's view."""

    status: str
    label: str
    said_by: str
    said_on: str
    views: list  # [(source, state label, date, kind label)]
    contested: bool

    @classmethod
    def of(cls, state):
        if state is None:
            return None
        return cls(
            status=state.status,
            label=str(state.label),
            said_by=str(state.deciding.assessor),
            said_on=state.deciding.effective_display,
            views=[
                (str(u.assessor), str(STATE_LABELS[u.status]), u.effective_display, str(u.get_kind_display()))
                for u in state.views
            ],
            contested=state.contested,
        )

    def text(self):
        if self.contested:
            return "; ".join(f"{label} ({who}, {date})" for who, label, date, _kind in self.views)
        return f"{self.label} ({self.said_by}, {self.said_on})"


@dataclasses.dataclass
class ActionLine:
    """A commitment that addresses an issue, or contributes at any depth to one that does."""

    pk: int
    reference: str
    instrument: str
    instrument_kind: str
    title: str
    jurisdiction: str
    responsible: str
    due_on: datetime.date | None
    status_start: str
    status_end: str
    direct: bool
    changes: list
    is_initiative: bool

    @property
    def movement(self):
        return movement(self.status_start, self.status_end)

    @property
    def movement_label(self):
        return str(Movement.labels[self.movement])

    @property
    def status_start_label(self):
        return str(Status(self.status_start).label)

    @property
    def status_end_label(self):
        return str(Status(self.status_end).label)

    @property
    def link_label(self):
        return _("addresses the issue") if self.direct else _("contributes at any depth")

    @property
    def timeline(self):
        return self.due_on.isoformat() if self.due_on else _("no timeline given")

    @property
    def evidence(self):
        return [item for change in self.changes for item in change.evidence]


@dataclasses.dataclass
class SourceLine:
    kind: str
    organisation: str
    document: str
    url: str
    date: str
    passage: str

    def text(self):
        parts = [f"{self.organisation} ({self.kind}, {self.date})"]
        if self.document:
            parts.append(self.document)
        if self.url:
            parts.append(self.url)
        return " · ".join(parts)


@dataclasses.dataclass
class IssueSection:
    pk: int
    title: str
    description: str
    raised: str
    sources: list
    state_start: StateLine | None
    state_end: StateLine | None
    findings: list  # [(who, date, what they say, document, url)] in the cycle, not the state's reply
    replies: list  # the state's reply in the cycle, as recorded: [(who, date, text, document, url)]
    actions: list  # [ActionLine]

    @property
    def progress(self):
        return [a for a in self.actions if a.movement in (Movement.FORWARD, Movement.NEW) or a.changes]

    @property
    def initiatives(self):
        return [a for a in self.actions if a.is_initiative]

    @property
    def shortcomings(self):
        """What is still wanting at the end: the findings of the cycle while the issue is not resolved,
        and the actions not implemented."""
        lines = []
        if self.state_end is None or self.state_end.status != ScorecardIssue.State.RESOLVED:
            lines += [f"{who} ({date}): {text}" for who, date, text, _document, _url in self.findings if text]
        lines += [
            _("%(action)s is %(status)s at the end of the period.")
            % {"action": f"{a.instrument} {a.reference}", "status": a.status_end_label.lower()}
            for a in self.actions
            if not Status(a.status_end).is_done
        ]
        return lines

    @property
    def state_start_text(self):
        return self.state_start.text() if self.state_start else _("not assessed")

    @property
    def state_end_text(self):
        return self.state_end.text() if self.state_end else _("not assessed")


@dataclasses.dataclass
class ConventionSection:
    group: str
    group_label: str
    code: str
    title: str
    annex_part: str
    pakistan_status: str
    bound: str
    body: str
    last_report: str
    next_due: str
    report_overdue: bool
    own_start: dict
    own_end: dict
    contributing_start: dict
    contributing_end: dict
    issues: list

    @property
    def own_total(self):
        return sum(self.own_end.values())

    @property
    def contributing_total(self):
        return sum(self.contributing_end.values())

    def status_lines(self):
        """[(status label, own at start, own at end, contributing at start, contributing at end)], non-empty only."""
        lines = []
        for status, label in Status.choices:
            values = (
                self.own_start.get(status, 0),
                self.own_end.get(status, 0),
                self.contributing_start.get(status, 0),
                self.contributing_end.get(status, 0),
            )
            if any(values):
                lines.append((str(label), *values))
        return lines

    @property
    def reporting_text(self):
        parts = [
            _("Monitoring body: %s") % (self.body or "—"),
            _("last report: %s") % (self.last_report or "—"),
            _("next due: %s") % (self.next_due or "—"),
        ]
        if self.report_overdue:
            parts.append(_("overdue"))
        return "; ".join(parts)

    def issue_counts(self):
        counts = Counter(issue.state_end.status if issue.state_end else "" for issue in self.issues)
        return {state: counts.get(state, 0) for state in ScorecardIssue.State.values} | {"": counts.get("", 0)}


class ScorecardReport:
    kind = ReportKind.GSP_SCORECARD
    group_by = "convention"
    is_since_review = False
    without_review = 0

    def __init__(self, *, user, cycle, scope, audience):
        self.user = user
        self.cycle = cycle
        self.scope = scope
        self.scope_label = scope.label()
        self.audience = audience
        self.sensitivities = Audience(audience).sensitivities
        self.date_from = cycle.starts_on
        self.date_to = cycle.ends_on
        self.generated_at = timezone.now()
        self.generated_by = _generated_by(user, audience)
        self.today = timezone.localdate()
        self._build()

    # -- header -------------------------------------------------------------------------

    @property
    def title(self):
        return _("GSP+ scorecard reply, %(cycle)s: %(scope)s") % {"cycle": self.cycle.title, "scope": self.scope_label}

    @property
    def period_label(self):
        return _("%(from)s to %(to)s") % {
            "from": format_partial_date(self.date_from, "day"),
            "to": format_partial_date(self.date_to, "day"),
        }

    @property
    def audience_label(self):
        return Audience(self.audience).label

    @property
    def is_external(self):
        return self.audience == Audience.EXTERNAL

    @property
    def group_by_label(self):
        return _("GSP+ convention")

    def export_scope(self):
        return {
            **self.scope.as_dict(),
            "report": self.kind,
            "cycle": self.cycle.pk,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
        }

    # -- building -----------------------------------------------------------------------

    def _in_scope(self):
        visible = Commitment.objects.visible_to(self.user)
        return visible.filter(self.scope.q()) if self.scope else visible

    def _with_statuses(self, commitments):
        baseline = self.date_from - datetime.timedelta(days=1)
        return commitments.with_status_as_of(baseline, self.sensitivities, name="status_start").with_status_as_of(
            self.date_to, self.sensitivities, name="status_end"
        )

    def _build(self):
        requirements = list(
            GSPRequirement.objects.in_force(self.date_to)
            .filter(scheme=self.cycle.scheme)
            .select_related("instrument", "instrument__monitoring_body")
            .order_by("instrument__code")
        )
        if self.scope.get("gsp_group"):
            # A report on one GSP+ group replies for that group's conventions only.
            requirements = [r for r in requirements if r.group == self.scope.get("gsp_group")]
        order = {group: index for index, group in enumerate(GSPRequirement.Group.values)}
        requirements.sort(key=lambda r: (order.get(r.group, 99), r.instrument.code))
        conventions = [r.instrument for r in requirements]
        convention_ids = [c.pk for c in conventions]
        in_scope = self._in_scope()

        # Convention-level counts: own commitments and those contributing at any depth, start and end.
        own_start, own_end = defaultdict(Counter), defaultdict(Counter)
        for instrument_id, start, end, n in (
            self._with_statuses(in_scope.filter(instrument__in=convention_ids))
            .values_list("instrument_id", "status_start", "status_end")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            own_start[instrument_id][start] += n
            own_end[instrument_id][end] += n
        pairs = (
            CommitmentRollUp.objects.filter(source__in=in_scope.values("pk"), target__instrument__in=convention_ids)
            .exclude(source__instrument_id=F("target__instrument_id"))
            .values_list("source_id", "target__instrument_id")
            .distinct()
        )
        contributing_of = defaultdict(set)
        for source_id, instrument_id in pairs:
            contributing_of[source_id].add(instrument_id)
        contributing_status = {
            pk: (start, end)
            for pk, start, end in self._with_statuses(
                Commitment.objects.filter(pk__in=list(contributing_of))
            ).values_list("pk", "status_start", "status_end")
        }
        contributing_start, contributing_end = defaultdict(Counter), defaultdict(Counter)
        for source_id, instruments in contributing_of.items():
            start, end = contributing_status[source_id]
            for instrument_id in instruments:
                contributing_start[instrument_id][start] += 1
                contributing_end[instrument_id][end] += 1
        counted = set(contributing_of)
        own_total = sum(sum(c.values()) for c in own_end.values())

        # Issues: raised by the end of the period, their sources, their updates in this and the previous cycle.
        issues = list(
            ScorecardIssue.objects.filter(convention__in=convention_ids, raised_on__lte=self.date_to)
            .prefetch_related("issue_sources__organisation")
            .order_by("raised_on", "reference")
        )
        previous = (
            GSPCycle.objects.filter(scheme=self.cycle.scheme, starts_on__lt=self.cycle.starts_on)
            .order_by("-starts_on")
            .first()
        )
        updates = issue_updates(self.user, issues, self.sensitivities)

        # Actions: what addresses each issue, and what contributes to those at any depth, in scope.
        addressed = defaultdict(set)
        for issue_id, commitment_id in ScorecardIssue.addressed_by.through.objects.filter(
            scorecardissue__in=issues
        ).values_list("scorecardissue_id", "commitment_id"):
            addressed[issue_id].add(commitment_id)
        direct_ids = set().union(*addressed.values())
        reaching = defaultdict(set)
        for source_id, target_id in CommitmentRollUp.objects.filter(target_id__in=direct_ids).values_list(
            "source_id", "target_id"
        ):
            reaching[target_id].add(source_id)
        action_ids = direct_ids.union(*reaching.values())
        actions = {
            c.pk: c
            for c in self._with_statuses(in_scope.filter(pk__in=action_ids)).select_related(
                "instrument", "jurisdiction", "responsible_body"
            )
        }
        changes = self._changes(list(actions))

        latest_review = reporting_status(convention_ids)
        issues_by_convention = defaultdict(list)
        for issue in issues:
            by_cycle = updates.get(issue.pk, {})
            in_cycle = by_cycle.get(self.cycle.pk, [])
            ids = addressed.get(issue.pk, set())
            lines = []
            for pk in sorted(ids.union(*(reaching.get(i, set()) for i in ids))):
                commitment = actions.get(pk)
                if commitment is None:
                    continue  # out of scope, or not readable
                lines.append(self._action(commitment, direct=pk in ids, changes=changes.get(pk, [])))
            lines.sort(key=lambda a: (not a.direct, a.instrument, a.reference))
            issues_by_convention[issue.convention_id].append(
                IssueSection(
                    pk=issue.pk,
                    title=issue.title,
                    description=issue.description,
                    raised=issue.raised_display,
                    sources=[
                        SourceLine(
                            kind=str(s.get_kind_display()),
                            organisation=str(s.organisation),
                            document=s.document,
                            url=s.url,
                            date=s.said_display,
                            passage=s.passage,
                        )
                        for s in issue.issue_sources.all()
                    ],
                    state_start=StateLine.of(issue_state(by_cycle.get(previous.pk, []))) if previous else None,
                    state_end=StateLine.of(issue_state(in_cycle)),
                    findings=[
                        (str(u.assessor), u.effective_display, u.note, u.document, u.url)
                        for u in in_cycle
                        if u.kind != IssueUpdate.Kind.REPLY
                    ],
                    replies=[
                        (str(u.assessor), u.effective_display, u.note, u.document, u.url)
                        for u in in_cycle
                        if u.kind == IssueUpdate.Kind.REPLY
                    ],
                    actions=lines,
                )
            )
        self.conventions = []
        for requirement in requirements:
            instrument = requirement.instrument
            review = latest_review.get(instrument.pk)
            self.conventions.append(
                ConventionSection(
                    group=requirement.group,
                    group_label=str(GROUP_LABELS[requirement.group]),
                    code=instrument.code,
                    title=instrument.shown_title,
                    annex_part=requirement.annex_part,
                    pakistan_status=str(instrument.get_pakistan_status_display() or "—"),
                    bound=instrument.bound_display or "",
                    body=str(instrument.monitoring_body or ""),
                    last_report=f"{review.title} ({review.reviewed_display})" if review else "",
                    next_due=instrument.next_report_due_on.isoformat() if instrument.next_report_due_on else "",
                    report_overdue=instrument.is_report_overdue(self.today),
                    own_start=dict(own_start.get(instrument.pk, {})),
                    own_end=dict(own_end.get(instrument.pk, {})),
                    contributing_start=dict(contributing_start.get(instrument.pk, {})),
                    contributing_end=dict(contributing_end.get(instrument.pk, {})),
                    issues=issues_by_convention.get(instrument.pk, []),
                )
            )
        self.total = own_total + len(counted)
        self.issue_total = len(issues)
        self.action_total = len(actions)

    def _action(self, commitment, *, direct, changes):
        return ActionLine(
            pk=commitment.pk,
            reference=commitment.reference,
            instrument=commitment.instrument.code,
            instrument_kind=str(commitment.instrument.get_kind_display()),
            title=commitment.shown_title,
            jurisdiction=commitment.jurisdiction.name,
            responsible=str(commitment.responsible_body or ""),
            due_on=commitment.due_on,
            status_start=commitment.status_start,
            status_end=commitment.status_end,
            direct=direct,
            changes=changes,
            is_initiative=commitment.instrument.kind in INITIATIVE_KINDS,
        )

    def _changes(self, commitment_ids):
        """{commitment id: [Change]} effective in the period, with their evidence (two queries)."""
        updates = (
            StatusUpdate.objects.visible_to(self.user)
            .filter(
                commitment_id__in=commitment_ids,
                sensitivity__in=self.sensitivities,
                takes_effect_on__gte=self.date_from,
                takes_effect_on__lte=self.date_to,
            )
            .select_related("assessor", "recorded_by")
            .order_by("commitment_id", *HISTORY_ORDER)
        )
        evidence = defaultdict(list)
        for item in (
            Evidence.objects.visible_to(self.user)
            .filter(
                commitment_id__in=commitment_ids,
                status_update__takes_effect_on__gte=self.date_from,
                status_update__takes_effect_on__lte=self.date_to,
                sensitivity__in=self.sensitivities,
                status_update__sensitivity__in=self.sensitivities,
                redacted_at__isnull=True,
            )
            .select_related("source_organisation")
            .order_by("evidence_on", "added_at", "id")
        ):
            evidence[item.status_update_id].append(EvidenceLine.of(item))
        result = defaultdict(list)
        for update in updates:
            result[update.commitment_id].append(
                Change(
                    effective_on=update.effective_on,
                    effective_display=update.effective_display,
                    status=update.status,
                    assessor=str(update.assessor),
                    recorded_by="" if self.is_external else _person(update.recorded_by),
                    recorded_on=timezone.localdate(update.recorded_at),
                    verified=update.is_verified,
                    note="" if update.redacted_at else update.note,
                    evidence=evidence.get(update.pk, []),
                )
            )
        return result

    # -- what the formats share -----------------------------------------------------------

    def groups(self):
        """[(group label, [ConventionSection])] in the requirement list's group order."""
        result = []
        for section in self.conventions:
            if not result or result[-1][0] != section.group_label:
                result.append((section.group_label, []))
            result[-1][1].append(section)
        return result

    def summary_lines(self):
        """[(group label, code, open, progress, resolved, not assessed, own at end, contributing at end)]."""
        lines = []
        for section in self.conventions:
            counts = section.issue_counts()
            lines.append(
                (
                    section.group_label,
                    section.code,
                    counts["open"],
                    counts["progress"],
                    counts["resolved"],
                    counts[""],
                    section.own_total,
                    section.contributing_total,
                )
            )
        return lines


def build_scorecard_report(*, user, cycle, scope=None, audience=Audience.INTERNAL):
    """The scorecard reply for `cycle`, over the commitments in `scope` the user may read."""
    if cycle is None:
        raise ValueError(_("Choose the GSP+ monitoring cycle to reply for."))
    return ScorecardReport(user=user, cycle=cycle, scope=scope or Scope(), audience=audience)
