"""Progress reports and "since the last review": each commitment's status at one date and at
another, what changed in between (who recorded it, whether it was verified, the evidence),
where sources disagree, and the sources the commitments rest on.

Everything here is read through CommitmentQuerySet.with_status_as_of (the one as-of
implementation) and StatusUpdateQuerySet.latest_per_source_as_of. A report costs a fixed
number of queries for its summary, then four queries per batch of CHUNK commitments for its
rows, which are produced lazily so that a large export never holds them all in memory.

Audience: an internal report shows public and internal items; an external one (to send
outside the organisation) only public items, without staff names. Restricted items are in
no report: a report is a document that travels.
"""

import dataclasses
import datetime
from collections import Counter, defaultdict

from django.db import models
from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import Audience, Sensitivity, Status
from ..dates import format_partial_date
from ..derived import is_contested
from ..models import (
    Commitment,
    Evidence,
    GSPRequirement,
    Instrument,
    Jurisdiction,
    Mechanism,
    Organisation,
    ReportRunResult,
    Review,
    SDGTarget,
    Source,
    StatusUpdate,
    Theme,
)
from ..querysets import HISTORY_ORDER, known_by_q, tracker_organisation_id
from ..scopes import Scope

__all__ = ["GROUP_BY", "ProgressReport", "ReportKind", "Scope", "scope_choices"]

CHUNK = 500


class ReportKind(models.TextChoices):
    PROGRESS = "progress", gettext_lazy("Progress over a period")
    SINCE_REVIEW = "since_review", gettext_lazy("Change since the last review")
    SINCE_RUN = "since_run", gettext_lazy("Change since a kept report")
    GSP_SCORECARD = "gsp_scorecard", gettext_lazy("GSP+ scorecard reply for a cycle")


# How far along a status is; a move to a higher rank is progress, to a lower one a slip.
PROGRESS_RANK = {
    Status.REGRESSED: 0,
    Status.NOT_STARTED: 1,
    Status.STALLED: 2,
    Status.IN_PROGRESS: 3,
    Status.PARTIALLY_IMPLEMENTED: 4,
    Status.IMPLEMENTED: 5,
}


class Movement:
    FORWARD = "forward"
    SLIPPED = "slipped"
    NEW = "new"
    UNCHANGED = "unchanged"

    labels = {
        FORWARD: gettext_lazy("Moved forward"),
        SLIPPED: gettext_lazy("Slipped back"),
        NEW: gettext_lazy("New"),
        UNCHANGED: gettext_lazy("No change"),
    }


def movement(start, end):
    """Forward, slipped, new (no status at the start, one at the end) or unchanged."""
    if start == end or end == Status.NO_INFORMATION:
        return Movement.UNCHANGED
    if start == Status.NO_INFORMATION:
        return Movement.NEW
    return Movement.FORWARD if PROGRESS_RANK[end] > PROGRESS_RANK[start] else Movement.SLIPPED


# ---------------------------------------------------------------------------------------
# Scope and grouping
# ---------------------------------------------------------------------------------------


def scope_choices():
    """(value, label) of every scope, for forms."""
    choices = [("all", _("All commitments"))]
    choices += [
        (f"jurisdiction:{code}", _("Jurisdiction: %s") % name)
        for code, name in Jurisdiction.objects.values_list("code", "name")
    ]
    choices += [
        (f"instrument:{code}", _("Instrument: %s") % code) for code in Instrument.objects.values_list("code", flat=True)
    ]
    choices += [(f"kind:{value}", _("Instrument kind: %s") % label) for value, label in Instrument.Kind.choices]
    choices += [(f"gsp_group:{value}", _("GSP+ group: %s") % label) for value, label in GSPRequirement.Group.choices]
    choices += [(f"theme:{slug}", _("Theme: %s") % name) for slug, name in Theme.objects.values_list("slug", "name")]
    choices += [
        (f"mechanism:{slug}", _("Mechanism: %s") % name) for slug, name in Mechanism.objects.values_list("slug", "name")
    ]
    choices += [(f"sdg:{goal}", _("SDG %d") % goal) for goal in range(1, 18)]
    choices += [
        (f"sdg:{code}", _("SDG target: %s") % f"{code} {title}".strip())
        for code, title in SDGTarget.objects.values_list("code", "title")
    ]
    return choices


GROUP_BY = {
    "instrument": gettext_lazy("Instrument"),
    "article": gettext_lazy("Convention article"),
    "recommendation": gettext_lazy("Recommendation"),
}
_GROUP_ORDER = {
    "instrument": ("instrument__code", "reference"),
    "article": ("articles", "instrument__code", "reference"),
    "recommendation": ("recommendation_ref", "instrument__code", "reference"),
}


def _group_label(group_by, commitment):
    if group_by == "article":
        return _("Articles: %s") % commitment.articles if commitment.articles else _("No article given")
    if group_by == "recommendation":
        return commitment.recommendation_ref or _("Not a recommendation")
    return f"{commitment.instrument.code}: {commitment.instrument.shown_title}"


# ---------------------------------------------------------------------------------------
# What a report holds
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class EvidenceLine:
    title: str
    date: str
    source: str
    url: str
    filename: str

    @classmethod
    def of(cls, evidence):
        """What a report says of one item of evidence (its file by name only)."""
        return cls(
            title=evidence.title,
            date=evidence.evidence_display,
            source=str(evidence.source_organisation or ""),
            url=evidence.url,
            filename=evidence.original_filename if evidence.file else "",
        )


@dataclasses.dataclass
class Change:
    effective_on: datetime.date
    effective_display: str
    status: str
    assessor: str
    recorded_by: str
    recorded_on: datetime.date
    verified: bool
    note: str
    evidence: list

    @property
    def status_label(self):
        return Status(self.status).label


@dataclasses.dataclass
class SourceView:
    assessor: str
    status: str
    effective_display: str

    @property
    def status_label(self):
        return Status(self.status).label


@dataclasses.dataclass
class Row:
    pk: int
    reference: str
    title: str
    instrument: str
    jurisdiction: str
    group: str
    due_on: datetime.date | None
    baseline: datetime.date
    status_start: str
    status_end: str
    overdue_end: bool
    changes: list
    source_views: list
    sources: list
    position: str = ""
    follow_up_grade: str = ""  # the treaty body's latest A–E grade of the follow-up, by the end of the period

    @property
    def movement(self):
        return movement(self.status_start, self.status_end)

    @property
    def movement_label(self):
        return Movement.labels[self.movement]

    @property
    def status_start_label(self):
        return Status(self.status_start).label

    @property
    def status_end_label(self):
        return Status(self.status_end).label


@dataclasses.dataclass
class SummaryLine:
    status: str
    label: str
    start: int
    end: int

    @property
    def change(self):
        return self.end - self.start


class ProgressReport:
    """A report's header and summary (computed when built) and its rows (computed when read)."""

    def __init__(
        self,
        *,
        kind,
        user,
        scope,
        date_from,
        date_to,
        audience,
        group_by,
        commitments,
        baseline,
        known_on=None,
        run=None,
    ):
        self.kind = kind
        self.known_on = known_on  # as known on that day: only entries recorded by then count
        self.run = run  # the kept report compared against, whose stored results are the start
        self.user = user
        self.scope = scope
        self.scope_label = scope.label()
        self.date_from = date_from
        self.date_to = date_to
        self.audience = audience
        self.group_by = group_by
        self.generated_at = timezone.now()
        self.generated_by = _generated_by(user, audience)
        self.sensitivities = Audience(audience).sensitivities
        overdue_end = Commitment.objects.overdue_q(date_to, status_field="status_end")
        self._commitments = commitments.annotate(
            overdue_end=ExpressionWrapper(overdue_end, output_field=BooleanField())
        ).with_follow_up_grade(date_to, sensitivities=self.sensitivities, name="follow_up_grade_end")
        self._baseline = baseline
        self.without_review = 0
        self._summarise()
        self._count_left_out()

    # -- header -------------------------------------------------------------------------

    @property
    def title(self):
        if self.is_since_review:
            return _("Change since the last review: %(scope)s") % {"scope": self.scope_label}
        return _("Progress report: %(scope)s") % {"scope": self.scope_label}

    @property
    def period_label(self):
        if self.is_since_review:
            label = _("From each instrument's last review to %(to)s") % {"to": format_partial_date(self.date_to, "day")}
        elif self.run is not None:
            label = _("Since the report kept on %(kept)s (period to %(to)s), to %(today)s") % {
                "kept": format_partial_date(timezone.localdate(self.run.created_at), "day"),
                "to": format_partial_date(self.run.period_to, "day"),
                "today": format_partial_date(self.date_to, "day"),
            }
        else:
            label = _("%(from)s to %(to)s") % {
                "from": format_partial_date(self.date_from, "day"),
                "to": format_partial_date(self.date_to, "day"),
            }
        if self.known_on is not None:
            label += " " + _("(as known on %(known)s)") % {"known": format_partial_date(self.known_on, "day")}
        return label

    @property
    def is_since_review(self):
        return self.kind == ReportKind.SINCE_REVIEW

    @property
    def audience_label(self):
        return Audience(self.audience).label

    @property
    def group_by_label(self):
        return GROUP_BY[self.group_by]

    @property
    def is_external(self):
        return self.audience == Audience.EXTERNAL

    def export_scope(self):
        """What the export log and a kept run record about this report."""
        return {
            **self.scope.as_dict(),
            "report": self.kind,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat(),
            "group_by": self.group_by,
            **({"known_on": self.known_on.isoformat()} if self.known_on else {}),
            **({"run": self.run.pk} if self.run is not None else {}),
        }

    # -- summary ------------------------------------------------------------------------

    def _summarise(self):
        transitions = (
            self._commitments.values("status_start", "status_end")
            .annotate(
                n=Count("pk"),
                overdue=Count("pk", filter=Commitment.objects.overdue_q(self.date_to, status_field="status_end")),
            )
            .order_by()
        )
        start, end, moves = Counter(), Counter(), Counter()
        self.overdue_end = 0
        for row in transitions:
            start[row["status_start"]] += row["n"]
            end[row["status_end"]] += row["n"]
            moves[movement(row["status_start"], row["status_end"])] += row["n"]
            self.overdue_end += row["overdue"]
        self.total = sum(start.values())
        self.summary = [SummaryLine(s, str(label), start[s], end[s]) for s, label in Status.choices]
        graded = dict(
            self._commitments.exclude(follow_up_grade_end=None)
            .values_list("follow_up_grade_end")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.follow_up_grades = [
            (grade, label, graded[grade]) for grade, label in StatusUpdate.Grade.choices if graded.get(grade)
        ]
        self.moved_forward = moves[Movement.FORWARD]
        self.slipped_back = moves[Movement.SLIPPED]
        self.new = moves[Movement.NEW]
        self.unchanged = moves[Movement.UNCHANGED]

    def _count_left_out(self):
        """How many entries of the period the audience leaves out, of those the reader may see.

        An external report leaves out internal and restricted entries, an internal one
        restricted entries; the entries counted are those that would be changes of the report
        (effective after each commitment's start, up to the end date). Only entries the
        reader may see are counted, so a count never reveals a restricted entry to someone
        not named on it.
        """
        baseline = self._commitments.filter(pk=OuterRef("commitment_id")).values("report_baseline")[:1]
        left_out = (
            StatusUpdate.objects.visible_to(self.user)
            .exclude(sensitivity__in=self.sensitivities)
            .filter(known_by_q(self.known_on))
            .filter(commitment_id__in=self._commitments.values("pk"), takes_effect_on__lte=self.date_to)
            .filter(takes_effect_on__gt=Subquery(baseline, output_field=DateField()))
            .aggregate(
                internal=Count("pk", filter=models.Q(sensitivity=Sensitivity.INTERNAL)),
                restricted=Count("pk", filter=models.Q(sensitivity=Sensitivity.RESTRICTED)),
            )
        )
        self.left_out_internal = left_out["internal"]
        self.left_out_restricted = left_out["restricted"]

    @property
    def left_out(self):
        """The entries of the period this report leaves out for its audience (see _count_left_out)."""
        return self.left_out_internal + self.left_out_restricted

    @property
    def left_out_text(self):
        """What the first page says about the entries left out (always, for an external report)."""
        if not self.is_external and not self.left_out:
            return ""
        if self.is_external:
            return _(
                "This report leaves out %(internal)d internal and %(restricted)d restricted entries of the period "
                "that you may see: it holds public entries only."
            ) % {"internal": self.left_out_internal, "restricted": self.left_out_restricted}
        return _("This report leaves out %(restricted)d restricted entries of the period that you may see.") % {
            "restricted": self.left_out_restricted
        }

    # -- rows ---------------------------------------------------------------------------

    def rows(self, progress=None):
        """Yield one Row per commitment, in group order, a batch of CHUNK at a time."""
        commitments = self._commitments.select_related("instrument", "jurisdiction").order_by(
            *_GROUP_ORDER[self.group_by]
        )
        batch = []
        done = 0
        for commitment in commitments.iterator(chunk_size=CHUNK):
            batch.append(commitment)
            if len(batch) == CHUNK:
                yield from self._rows_for(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(done, self.total)
        if batch:
            yield from self._rows_for(batch)
            done += len(batch)
            if progress:
                progress(done, self.total)

    def _updates(self):
        return (
            StatusUpdate.objects.visible_to(self.user)
            .filter(sensitivity__in=self.sensitivities)
            .filter(known_by_q(self.known_on))
        )

    def _changes_q(self, earliest):
        """The updates that are changes of the report: effective in the period; since a kept report,
        also those recorded after it was kept, whatever their effective date (a late entry)."""
        in_period = models.Q(takes_effect_on__gt=earliest, takes_effect_on__lte=self.date_to)
        if self.run is not None:
            return in_period | models.Q(recorded_at__gt=self.run.created_at, takes_effect_on__lte=self.date_to)
        return in_period

    def results(self):
        """(commitment id, status, date, precision, who says so) at the end: what a kept report stores.

        The status is the report's status at the end; its date and who says so come from the
        update that decides it (CommitmentQuerySet.with_headline_as_of, for the same audience).
        """
        return self._commitments.with_headline_as_of(
            self.date_to,
            sensitivities=self.sensitivities,
            known_on=self.known_on,
            fields={
                "result_on": "effective_on",
                "result_precision": "effective_precision",
                "result_assessor": "assessor_id",
            },
        ).values_list("pk", "status_end", "result_on", "result_precision", "result_assessor")

    def _rows_for(self, batch):
        ids = [c.pk for c in batch]
        earliest = min(c.report_baseline for c in batch)
        changes = defaultdict(list)
        updates = (
            self._updates()
            .filter(self._changes_q(earliest), commitment_id__in=ids)
            .select_related("assessor", "recorded_by")
            .order_by("commitment_id", *HISTORY_ORDER)
        )
        evidence = defaultdict(list)
        for item in (
            Evidence.objects.visible_to(self.user)
            .filter(
                commitment_id__in=ids,
                status_update__in=self._updates().filter(self._changes_q(earliest), commitment_id__in=ids),
                sensitivity__in=self.sensitivities,
                status_update__sensitivity__in=self.sensitivities,
                redacted_at__isnull=True,
            )
            .select_related("source_organisation")
            .order_by("evidence_on", "added_at", "id")
        ):
            evidence[item.status_update_id].append(EvidenceLine.of(item))
        for update in updates:
            changes[update.commitment_id].append(
                (
                    update.takes_effect_on,  # a year or a month counts in the period it ends in
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
                    ),
                    update.recorded_at,
                )
            )
        views = defaultdict(list)
        for update in (
            self._updates()
            .filter(commitment_id__in=ids)
            .latest_per_source_as_of(self.date_to, self.sensitivities, known_on=self.known_on)
            .select_related("assessor")
            .order_by("commitment_id", "assessor__name")
        ):
            views[update.commitment_id].append(
                SourceView(
                    assessor=str(update.assessor), status=update.status, effective_display=update.effective_display
                )
            )
        sources = defaultdict(list)
        for link in (
            Commitment.sources.through.objects.filter(commitment_id__in=ids)
            .select_related("source")
            .order_by("source__title", "source__url")
        ):
            sources[link.commitment_id].append(link.source)
        for commitment in batch:
            said = views.get(commitment.pk, [])
            disagree = is_contested(v.status for v in said)
            yield Row(
                pk=commitment.pk,
                reference=commitment.reference,
                title=commitment.shown_title,
                instrument=commitment.instrument.code,
                jurisdiction=commitment.jurisdiction.name,
                group=_group_label(self.group_by, commitment),
                due_on=commitment.due_on,
                baseline=commitment.report_baseline,
                status_start=commitment.status_start,
                status_end=commitment.status_end,
                overdue_end=commitment.overdue_end,
                changes=[
                    c
                    for day, c, recorded_at in changes.get(commitment.pk, [])
                    if day > commitment.report_baseline or (self.run is not None and recorded_at > self.run.created_at)
                ],
                source_views=said if disagree else [],
                sources=sources.get(commitment.pk, []),
                position=str(commitment.get_recommendation_response_display()),
                follow_up_grade=commitment.follow_up_grade_end or "",
            )

    def sources(self):
        """Every source cited by a commitment in the report, once."""
        ids = self._commitments.values("pk")
        return list(
            Source.objects.filter(
                pk__in=Commitment.sources.through.objects.filter(commitment_id__in=ids).values("source_id")
            )
        )


def _person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _generated_by(user, audience):
    """Internal reports name the person; external ones the organisation running the tracker."""
    if audience == Audience.EXTERNAL or user is None:
        organisation = Organisation.objects.filter(pk=tracker_organisation_id()).first()
        return str(organisation.name) if organisation else ""
    return _person(user)


def _in_scope(user, scope):
    visible = Commitment.objects.visible_to(user).filter(scope.q())
    # A scope through a many-valued relation (theme, GSP+ group) could repeat a commitment.
    return Commitment.objects.filter(pk__in=visible.values("pk"))


def build_progress_report(
    *,
    user,
    scope,
    date_from,
    date_to,
    audience=Audience.INTERNAL,
    group_by="instrument",
    known_on=None,
):
    """Status of each commitment in `scope` at the start and at the end of a period, and what changed.

    The start is the status recorded up to the day before `date_from`; changes are the
    updates effective from `date_from` to `date_to`, both included. `known_on`: everything as
    it was known on that day (only the entries recorded by then).
    """
    if date_from > date_to:
        raise ValueError(_("The period starts after it ends."))
    if group_by not in GROUP_BY:
        raise ValueError(_("Group by one of: %s.") % ", ".join(GROUP_BY))
    baseline = date_from - datetime.timedelta(days=1)
    sensitivities = Audience(audience).sensitivities
    commitments = (
        _in_scope(user, scope)
        .annotate(report_baseline=Value(baseline, output_field=DateField()))
        .with_status_as_of(baseline, sensitivities, name="status_start", known_on=known_on)
        .with_status_as_of(date_to, sensitivities, name="status_end", known_on=known_on)
    )
    return ProgressReport(
        kind=ReportKind.PROGRESS,
        user=user,
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        audience=audience,
        group_by=group_by,
        commitments=commitments,
        baseline=baseline,
        known_on=known_on,
    )


def build_since_review_report(
    *, user, scope, today=None, audience=Audience.INTERNAL, group_by="instrument", known_on=None
):
    """Each commitment's status at its instrument's last review against today (or `known_on`).

    Commitments whose instrument has no review on or before today are left out and counted
    in `without_review`.
    """
    today = today or timezone.localdate()
    sensitivities = Audience(audience).sensitivities
    last_review = (
        Review.objects.filter(instrument_id=OuterRef("instrument_id"), reviewed_on__lte=today)
        .order_by("-reviewed_on")
        .values("reviewed_on")[:1]
    )
    in_scope = _in_scope(user, scope).annotate(report_baseline=Subquery(last_review, output_field=DateField()))
    commitments = (
        in_scope.filter(report_baseline__isnull=False)
        .with_status_as_of(OuterRef("report_baseline"), sensitivities, name="status_start", known_on=known_on)
        .with_status_as_of(today, sensitivities, name="status_end", known_on=known_on)
    )
    report = ProgressReport(
        kind=ReportKind.SINCE_REVIEW,
        user=user,
        scope=scope,
        date_from=None,
        date_to=today,
        audience=audience,
        group_by=group_by,
        commitments=commitments,
        baseline=None,
        known_on=known_on,
    )
    report.without_review = in_scope.filter(report_baseline__isnull=True).count()
    return report


def build_since_run_report(*, user, run, today=None, audience=None, group_by="instrument"):
    """What changed since a kept report: its scope, from what it said to today.

    The start is what the kept report said of each commitment when it was kept (its stored
    ReportRunResult rows), not its period re-run today, so an entry recorded later about an
    earlier date shows as a change instead of rewriting the start. A commitment the kept
    report did not hold starts at "no information". A report kept before results were stored
    is compared by its period's end, as recorded now.
    """
    today = today or timezone.localdate()
    if not run.results.exists():
        return build_progress_report(
            user=user,
            scope=Scope.from_dict(run.scope),
            date_from=min(run.period_to + datetime.timedelta(days=1), today),
            date_to=today,
            audience=audience or run.audience,
            group_by=group_by,
        )
    audience = audience or run.audience
    if group_by not in GROUP_BY:
        raise ValueError(_("Group by one of: %s.") % ", ".join(GROUP_BY))
    sensitivities = Audience(audience).sensitivities
    baseline = run.period_to
    said = ReportRunResult.objects.filter(run=run, commitment=OuterRef("pk")).values("status")[:1]
    commitments = (
        _in_scope(user, Scope.from_dict(run.scope))
        .annotate(
            report_baseline=Value(baseline, output_field=DateField()),
            status_start=Coalesce(Subquery(said), Value(Status.NO_INFORMATION)),
        )
        .with_status_as_of(today, sensitivities, name="status_end")
    )
    return ProgressReport(
        kind=ReportKind.PROGRESS,
        user=user,
        scope=Scope.from_dict(run.scope),
        date_from=min(run.period_to + datetime.timedelta(days=1), today),
        date_to=today,
        audience=audience,
        group_by=group_by,
        commitments=commitments,
        baseline=baseline,
        run=run,
    )
