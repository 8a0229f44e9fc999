"""Derived status data, written only by services in the transaction that changes the history.

- derive(): from one commitment's history, its headline, each source's view, whether it is
  contested and when its latest update took effect. One pure function, used by refresh()
  (one stored commitment), the demo data and the benchmark generator (many new ones).
- Assessment rows: each source's latest view of a commitment.
- Commitment.status / status_on / contested / last_*: the headline and what the lists sort by.
- StatusMonthDelta rows: the month-by-month trend as net changes per month.
- CommitmentRollUp rows: which commitments contribute to which, at any depth (the transitive
  closure of the contribution links), written by the link services: rollup_link_added() and
  rollup_follow() (removing a link or a commitment).
- StatusCount / ThemeStatusCount rows: how many commitments hold each status, per jurisdiction
  and instrument / theme. Every change of a commitment that can move them (history, jurisdiction,
  instrument, themes, creation, deletion) runs inside counts_follow(), or, in bulk paths, adds
  contributions() of what it inserts or removes.

The headline on any date follows one rule (the same as CommitmentQuerySet.with_headline_as_of):
the latest unrestricted real view ("no information" is never a view), in history order, of the
organisation running the tracker, or of any source where it has none; else "no information".
An update dated only to a year or a month takes effect at the end of that period.
"""

import dataclasses
import datetime
from collections import Counter
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count, F, Sum

from .choices import Sensitivity, Status
from .dates import takes_effect_on
from .models import (
    Assessment,
    Commitment,
    CommitmentLink,
    CommitmentRollUp,
    StatusCount,
    StatusMonthDelta,
    StatusUpdate,
    ThemeStatusCount,
)
from .querysets import HISTORY_ORDER, tracker_organisation_id

# The fields derive() reads of each update.
HISTORY_FIELDS = (
    "id",
    "status",
    "effective_on",
    "effective_precision",
    "takes_effect_on",
    "assessor_id",
    "recorded_at",
    "sensitivity",
)


def effect_date(update):
    """When an update takes effect: its stored takes_effect_on, or computed (unsaved updates, issue updates)."""
    stored = getattr(update, "takes_effect_on", None)
    return stored or takes_effect_on(update.effective_on, update.effective_precision)


def history_key(update):
    """An update's place in history order (querysets.HISTORY_ORDER); unsaved updates keep their list order."""
    return (effect_date(update), update.recorded_at, update.id or 0)


def is_view(update):
    """ "No information" is never a view: it sets no headline, counts for no contest and ends no run."""
    return update.status != Status.NO_INFORMATION


def is_contested(statuses):
    """Sources disagree when their current views hold more than one status ("no information" is no view)."""
    return len({status for status in statuses if status != Status.NO_INFORMATION}) > 1


def headline_timeline(updates, own_id):
    """[(takes effect on, precision, status, deciding update)] each time the headline changes.

    `updates` are one commitment's unrestricted updates in history order. The headline is the
    latest real view (not "no information") of the organisation running the tracker, else the
    latest real view of any source; the same rule as StatusUpdateQuerySet.headline_candidates().
    """
    timeline = []
    latest_own = None
    latest_any = None
    index = 0
    while index < len(updates):
        day = effect_date(updates[index])
        while index < len(updates) and effect_date(updates[index]) == day:
            update = updates[index]
            index += 1
            if not is_view(update):
                continue
            latest_any = update
            if own_id is not None and update.assessor_id == own_id:
                latest_own = update
        headline = latest_own or latest_any
        if headline is None:
            continue
        if not timeline or timeline[-1][2] != headline.status:
            timeline.append((day, headline.effective_precision, headline.status, headline))
        else:
            # Same status, possibly a new deciding update: keep the first date it held.
            timeline[-1] = (*timeline[-1][:3], headline)
    return timeline


def status_run(updates, deciding):
    """(first, latest) update of the deciding source's unbroken run of the deciding status.

    `updates` are in history order. "Since" is when that source first said the status it still
    says; "last confirmed" is when it last said so. "No information" does not break a run.
    """
    own = [u for u in updates if u.assessor_id == deciding.assessor_id and is_view(u)]
    position = next(i for i, u in enumerate(own) if u is deciding)
    first = position
    while first > 0 and own[first - 1].status == deciding.status:
        first -= 1
    return own[first], deciding


@dataclasses.dataclass
class Derivation:
    """What a commitment's history says now: see derive()."""

    timeline: list
    views: dict  # assessor id -> that source's latest real view
    status: str
    status_on: datetime.date | None
    status_precision: str
    confirmed_on: datetime.date | None
    confirmed_precision: str
    contested: bool
    last_effective_on: datetime.date | None
    last_recorded_at: datetime.datetime | None

    def apply_to(self, commitment):
        """Set the commitment's derived fields (not saved)."""
        for field in DERIVED_FIELDS:
            setattr(commitment, field, getattr(self, field))


DERIVED_FIELDS = (
    "status",
    "status_on",
    "status_precision",
    "confirmed_on",
    "confirmed_precision",
    "contested",
    "last_effective_on",
    "last_recorded_at",
)


def derive(updates, own_id):
    """The headline, each source's view, contested and the latest dates, from one commitment's history.

    `updates` may be in any order and may hold restricted updates: they are left out, because
    a restricted update never moves anything everyone who may read the commitment sees.
    """
    unrestricted = sorted((u for u in updates if u.sensitivity != Sensitivity.RESTRICTED), key=history_key)
    timeline = headline_timeline(unrestricted, own_id)
    views = {}
    for update in unrestricted:
        if is_view(update):
            views[update.assessor_id] = update
    if timeline:
        status, deciding = timeline[-1][2], timeline[-1][3]
        first, latest = status_run(unrestricted, deciding)
        status_on, precision = first.effective_on, first.effective_precision
        confirmed_on, confirmed_precision = latest.effective_on, latest.effective_precision
    else:
        status, status_on, precision, confirmed_on, confirmed_precision = Status.NO_INFORMATION, None, "", None, ""
    return Derivation(
        timeline=timeline,
        views=views,
        status=status,
        status_on=status_on,
        status_precision=precision,
        confirmed_on=confirmed_on,
        confirmed_precision=confirmed_precision,
        contested=is_contested(u.status for u in views.values()),
        last_effective_on=max((u.effective_on for u in unrestricted), default=None),
        last_recorded_at=max((u.recorded_at for u in unrestricted), default=None),
    )


def _month(day):
    return day.replace(day=1)


def month_contributions(timeline):
    """Counter of (month, status) → +1/-1: the headline held at each month end, as net changes."""
    contributions = Counter()
    for position, (start, _precision, status, _update) in enumerate(timeline):
        contributions[(_month(start), status)] += 1
        if position + 1 < len(timeline):
            contributions[(_month(timeline[position + 1][0]), status)] -= 1
    return contributions


def unrestricted_history(commitment_id):
    return list(
        StatusUpdate.objects.filter(commitment_id=commitment_id)
        .unrestricted()
        .in_force()
        .order_by(*HISTORY_ORDER)
        .only(*HISTORY_FIELDS)
    )


def current_timeline(commitment_id):
    """The headline timeline as the stored history gives it now (before a change, to diff against after)."""
    return headline_timeline(unrestricted_history(commitment_id), tracker_organisation_id())


def apply_month_deltas(jurisdiction_id, changes):
    """Add `changes` {(month, status): n} to the trend summary, safely under concurrency."""
    changes = {key: value for key, value in changes.items() if value}
    if not changes:
        return
    keys = sorted(changes)
    StatusMonthDelta.objects.bulk_create(
        [
            StatusMonthDelta(month=month, jurisdiction_id=jurisdiction_id, status=status, delta=0)
            for month, status in keys
        ],
        ignore_conflicts=True,
    )
    # Sorted, so that two transactions lock the same rows in the same order.
    for month, status in keys:
        StatusMonthDelta.objects.filter(month=month, jurisdiction_id=jurisdiction_id, status=status).update(
            delta=F("delta") + changes[(month, status)]
        )


def refresh(commitment, previous_timeline):
    """Recompute the headline, each source's view, the trend summary and the counts after the history changed.

    `previous_timeline` is headline_timeline() as it was before the change.
    """
    with counts_follow([commitment]):
        return _refresh(commitment, previous_timeline)


def _refresh(commitment, previous_timeline):
    derivation = derive(unrestricted_history(commitment.pk), tracker_organisation_id())

    diff = month_contributions(derivation.timeline)
    diff.subtract(month_contributions(previous_timeline))
    apply_month_deltas(commitment.jurisdiction_id, diff)

    existing = {a.assessor_id: a for a in Assessment.objects.filter(commitment=commitment)}
    for assessor_id, update in derivation.views.items():
        current = existing.pop(assessor_id, None)
        if current is None:
            Assessment.objects.create(
                commitment=commitment,
                assessor_id=assessor_id,
                update=update,
                status=update.status,
                effective_on=update.effective_on,
            )
        elif current.update_id != update.pk:
            current.update = update
            current.status = update.status
            current.effective_on = update.effective_on
            current.save(update_fields=["update", "status", "effective_on"])
    if existing:
        Assessment.objects.filter(pk__in=[a.pk for a in existing.values()]).delete()

    derivation.apply_to(commitment)
    Commitment.objects.filter(pk=commitment.pk).update(
        **{field: getattr(derivation, field) for field in DERIVED_FIELDS}
    )
    return derivation.timeline


PUBLIC_FIELDS = ("public_status", "public_status_on", "public_status_precision", "public_contested")


def public_history(commitment_id):
    """The commitment's public material only (StatusUpdateQuerySet.public_verified), for its public headline."""
    return list(
        StatusUpdate.objects.filter(commitment_id=commitment_id)
        .public_verified()
        .order_by(*HISTORY_ORDER)
        .only(*HISTORY_FIELDS)
    )


def derive_public(commitment_id):
    """{public field: value}: the headline rule (derive()) applied to public, verified, uncorrected updates."""
    derivation = derive(public_history(commitment_id), tracker_organisation_id())
    return {
        "public_status": derivation.status,
        "public_status_on": derivation.status_on,
        "public_status_precision": derivation.status_precision,
        "public_contested": derivation.contested,
    }


def refresh_public(commitment):
    """Store the public headline; True when it changed. Call inside the transaction that changed the history."""
    values = derive_public(commitment.pk)
    stored = Commitment.objects.filter(pk=commitment.pk).values(*PUBLIC_FIELDS).first() or {}
    changed = any(stored.get(field) != value for field, value in values.items())
    if changed:
        Commitment.objects.filter(pk=commitment.pk).update(**values)
        for field, value in values.items():
            setattr(commitment, field, value)
    return changed


def move_jurisdiction(commitment, old_jurisdiction_id):
    """Move a commitment's share of the trend summary when its jurisdiction changes."""
    contributions = month_contributions(current_timeline(commitment.pk))
    apply_month_deltas(old_jurisdiction_id, {key: -value for key, value in contributions.items()})
    apply_month_deltas(commitment.jurisdiction_id, contributions)


def months_between(first, last):
    months = []
    month = _month(first)
    while month <= last:
        months.append(month)
        month = _month(month + datetime.timedelta(days=32))
    return months


def trend(jurisdiction_q=None, *, first, last):
    """[(month, {status: count})]: headline counts at each month end, from the maintained summary.

    Two queries whatever the size of the history.
    """
    rows = StatusMonthDelta.objects.all()
    if jurisdiction_q is not None:
        rows = rows.filter(jurisdiction_q)
    first, last = _month(first), _month(last)
    running = Counter(dict(rows.filter(month__lt=first).values_list("status").annotate(total=Sum("delta")).order_by()))
    changes = {}
    for month, status, total in (
        rows.filter(month__gte=first, month__lte=last)
        .values_list("month", "status")
        .annotate(total=Sum("delta"))
        .order_by()
    ):
        changes.setdefault(month, Counter())[status] += total
    result = []
    for month in months_between(first, last):
        running.update(changes.get(month, {}))
        result.append((month, {status: running.get(status, 0) for status in Status.values}))
    return result


def recompute_month_deltas():
    """The trend summary rebuilt from the full history (for checks and repairs)."""
    own_id = tracker_organisation_id()
    expected = {}
    histories = {}
    jurisdiction_of = dict(Commitment.objects.values_list("pk", "jurisdiction_id"))
    for update in (
        StatusUpdate.objects.unrestricted()
        .in_force()
        .order_by("commitment_id", *HISTORY_ORDER)
        .only("commitment_id", *HISTORY_FIELDS)
        .iterator(chunk_size=5000)
    ):
        histories.setdefault(update.commitment_id, []).append(update)
    for commitment_id, updates in histories.items():
        jurisdiction_id = jurisdiction_of[commitment_id]
        for (month, status), value in month_contributions(headline_timeline(updates, own_id)).items():
            if value:
                key = (month, jurisdiction_id, status)
                expected[key] = expected.get(key, 0) + value
    return {key: value for key, value in expected.items() if value}


def stored_month_deltas():
    return {
        (row.month, row.jurisdiction_id, row.status): row.delta for row in StatusMonthDelta.objects.all() if row.delta
    }


def rederive_all():
    """Recompute every commitment's derived data from its history; idempotent. Returns how many changed.

    The headline, since, last confirmed, contested, each source's view, the counts and the trend
    summary, as recording each history again would leave them: after a change of the rules
    (`manage.py tracker_rederive`, and the migration that brought the rule in).
    """
    own_id = tracker_organisation_id()
    with transaction.atomic():
        histories = {}
        for update in (
            StatusUpdate.objects.unrestricted()
            .order_by("commitment_id", *HISTORY_ORDER)
            .only("commitment_id", *HISTORY_FIELDS)
            .iterator(chunk_size=5000)
        ):
            histories.setdefault(update.commitment_id, []).append(update)
        assessments = {(a.commitment_id, a.assessor_id): a for a in Assessment.objects.all()}
        changed, create, update_rows = [], [], []
        for commitment in Commitment.objects.only("pk", *DERIVED_FIELDS).order_by("pk").iterator(chunk_size=2000):
            derivation = derive(histories.get(commitment.pk, []), own_id)
            if any(getattr(commitment, field) != getattr(derivation, field) for field in DERIVED_FIELDS):
                derivation.apply_to(commitment)
                changed.append(commitment)
            for assessor_id, update in derivation.views.items():
                current = assessments.pop((commitment.pk, assessor_id), None)
                if current is None:
                    create.append(
                        Assessment(
                            commitment_id=commitment.pk,
                            assessor_id=assessor_id,
                            update=update,
                            status=update.status,
                            effective_on=update.effective_on,
                        )
                    )
                elif (current.update_id, current.status, current.effective_on) != (
                    update.pk,
                    update.status,
                    update.effective_on,
                ):
                    current.update, current.status, current.effective_on = update, update.status, update.effective_on
                    update_rows.append(current)
        Commitment.objects.bulk_update(changed, DERIVED_FIELDS, batch_size=1000)
        Assessment.objects.filter(pk__in=[a.pk for a in assessments.values()]).delete()
        Assessment.objects.bulk_update(update_rows, ["update", "status", "effective_on"], batch_size=1000)
        Assessment.objects.bulk_create(create, batch_size=1000)

        StatusMonthDelta.objects.all().delete()
        StatusMonthDelta.objects.bulk_create(
            [
                StatusMonthDelta(month=month, jurisdiction_id=jurisdiction_id, status=status, delta=delta)
                for (month, jurisdiction_id, status), delta in sorted(recompute_month_deltas().items(), key=str)
            ],
            batch_size=1000,
        )
        StatusCount.objects.all().delete()
        ThemeStatusCount.objects.all().delete()
        apply_counts(*contributions(Commitment.objects.all()))
    return len(changed)


# --- Maintained counts -------------------------------------------------------------------


# What a StatusCount row is keyed by (its fields, the Commitment's fields of the same name).
STATUS_COUNT_KEY = ("jurisdiction_id", "instrument_id", "status", "contested", "is_own_project")


def contributions(commitments):
    """(status counts, theme counts) of a Commitment queryset, as Counters keyed like the count tables.

    Status keys are STATUS_COUNT_KEY: (jurisdiction_id, instrument_id, status, contested,
    is_own_project); theme keys are (jurisdiction_id, theme_id, status). Two grouped queries.
    """
    status_counts = Counter(
        {
            tuple(row[:-1]): row[-1]
            for row in commitments.values_list(*STATUS_COUNT_KEY).annotate(n=Count("pk")).order_by()
        }
    )
    theme_counts = Counter(
        {
            (jurisdiction_id, theme_id, status): n
            for jurisdiction_id, theme_id, status, n in Commitment.themes.through.objects.filter(
                commitment__in=commitments.values("pk")
            )
            .values_list("commitment__jurisdiction_id", "theme_id", "commitment__status")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    return status_counts, theme_counts


def _subtract(after, before):
    result = Counter(after)
    result.subtract(before)
    return result


def apply_counts(status_changes, theme_changes, sign=1):
    """Add `sign` × the changes to the count tables, safely under concurrency (rows locked in key order)."""
    for model, fields, changes in (
        (StatusCount, STATUS_COUNT_KEY, status_changes),
        (ThemeStatusCount, ("jurisdiction_id", "theme_id", "status"), theme_changes),
    ):
        changes = {key: sign * value for key, value in changes.items() if value}
        if not changes:
            continue
        keys = sorted(changes, key=lambda key: tuple(str(part) for part in key))
        model.objects.bulk_create([model(**dict(zip(fields, key)), count=0) for key in keys], ignore_conflicts=True)
        for key in keys:
            model.objects.filter(**dict(zip(fields, key))).update(count=F("count") + changes[key])


@contextmanager
def counts_follow(commitments):
    """Keep the count tables right across a change of these commitments (Commitment instances).

    Reads their contribution before and after the change (new ones count from nothing, deleted
    ones to nothing) and applies the difference. Call inside the change's transaction.
    """
    before_ids = [c.pk for c in commitments if c.pk]
    before = contributions(Commitment.objects.filter(pk__in=before_ids)) if before_ids else (Counter(), Counter())
    yield
    after_ids = [c.pk for c in commitments if c.pk]
    after = contributions(Commitment.objects.filter(pk__in=after_ids)) if after_ids else (Counter(), Counter())
    apply_counts(_subtract(after[0], before[0]), _subtract(after[1], before[1]))


def recompute_counts():
    """The count tables rebuilt from the Commitment table (for checks and repairs): (status, theme) dicts."""
    status_counts, theme_counts = contributions(Commitment.objects.all())
    return (
        {key: value for key, value in status_counts.items() if value},
        {key: value for key, value in theme_counts.items() if value},
    )


def stored_counts():
    return (
        {
            tuple(getattr(row, field) for field in STATUS_COUNT_KEY): row.count
            for row in StatusCount.objects.all()
            if row.count
        },
        {
            (row.jurisdiction_id, row.theme_id, row.status): row.count
            for row in ThemeStatusCount.objects.all()
            if row.count
        },
    )


def check_counts():
    """Raise AssertionError when the stored counts differ from a recount."""
    expected, stored = recompute_counts(), stored_counts()
    for name, want, have in (("status", expected[0], stored[0]), ("theme", expected[1], stored[1])):
        if want != have:
            wrong = sorted(set(want.items()) ^ set(have.items()), key=str)[:5]
            raise AssertionError(f"{name} counts differ from a recount, e.g. {wrong}")


# --- Roll-up: contribution links at any depth ---------------------------------------------


def _reaching(target_ids):
    """Ids of the commitments that contribute (at any depth) to any of `target_ids`, from the closure."""
    return set(CommitmentRollUp.objects.filter(target_id__in=target_ids).values_list("source_id", flat=True))


def rollup_link_added(source_id, target_id):
    """A link source → target was added: everything reaching `source` (and it) now reaches everything `target` reaches (and it)."""
    sources = _reaching([source_id]) | {source_id}
    targets = set(CommitmentRollUp.objects.filter(source_id=target_id).values_list("target_id", flat=True))
    targets.add(target_id)
    CommitmentRollUp.objects.bulk_create(
        [CommitmentRollUp(source_id=s, target_id=t) for s in sorted(sources) for t in sorted(targets) if s != t],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _closure(source_ids):
    """{source id: set of target ids} reachable through the links, one query per level."""
    reach = {pk: set() for pk in source_ids}
    frontier = {pk: {pk} for pk in source_ids}
    while any(frontier.values()):
        nodes = set().union(*frontier.values())
        edges = {}
        for source_id, target_id in CommitmentLink.objects.filter(source_id__in=nodes).values_list(
            "source_id", "target_id"
        ):
            edges.setdefault(source_id, set()).add(target_id)
        for origin, current in frontier.items():
            found = set().union(*(edges.get(node, set()) for node in current)) - reach[origin] - {origin}
            reach[origin] |= found
            frontier[origin] = found
    return reach


def rollup_rebuild(source_ids=None):
    """Rewrite the closure rows of these sources (all commitments with links when None) from the links."""
    if source_ids is None:
        source_ids = set(CommitmentLink.objects.values_list("source_id", flat=True))
        CommitmentRollUp.objects.all().delete()
    else:
        source_ids = set(source_ids)
        CommitmentRollUp.objects.filter(source_id__in=source_ids).delete()
    rows = [
        CommitmentRollUp(source_id=source_id, target_id=target_id)
        for source_id, targets in sorted(_closure(sorted(source_ids)).items())
        for target_id in sorted(targets)
    ]
    CommitmentRollUp.objects.bulk_create(rows, batch_size=1000)


@contextmanager
def rollup_follow(commitment_ids):
    """Keep the closure right across removing links from, or deleting, these commitments."""
    affected = _reaching(commitment_ids) | set(commitment_ids)
    yield
    existing = set(Commitment.objects.filter(pk__in=affected).values_list("pk", flat=True))
    rollup_rebuild(existing)


def recompute_rollup():
    """The closure rebuilt from the links, as a set of (source id, target id) (for checks)."""
    sources = set(CommitmentLink.objects.values_list("source_id", flat=True))
    return {(source, target) for source, targets in _closure(sorted(sources)).items() for target in targets}


def check_rollup():
    """Raise AssertionError when the stored closure differs from a recomputation."""
    stored = set(CommitmentRollUp.objects.values_list("source_id", "target_id"))
    expected = recompute_rollup()
    if stored != expected:
        wrong = sorted(stored ^ expected)[:5]
        raise AssertionError(f"roll-up differs from a recomputation from the links, e.g. {wrong}")
