"""Synthetic demo data for trying the tracker at scale.

Every demo row is marked (is_demo on commitments, status updates and evidence; titles
start with "[Demo]"; references with "DEMO-") and demo_clear() removes all of it, with
its share of the trend summary. Rows are bulk-inserted for speed, then the derived data
(headline, each source's view, trend summary) is computed by derived.derive(), the same
code the status-update service runs, so it is exactly what recording them one by one
would have given.
"""

import datetime
import random

import factory
import factory.random
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import derived
from .choices import Precision
from .dates import period_end
from .models import (
    Assessment,
    Commitment,
    CommitmentLink,
    Evidence,
    Instrument,
    Jurisdiction,
    Organisation,
    Redaction,
    Sensitivity,
    Status,
    StatusCount,
    StatusMonthDelta,
    StatusUpdate,
    Theme,
    ThemeStatusCount,
)
from .querysets import HISTORY_ORDER, tracker_organisation_id
from .services.history import earliest_allowed_date

DEMO_TITLE_PREFIX = "[Demo] "
DEMO_REFERENCE_PREFIX = "DEMO-"
BATCH_SIZE = 500
# Histories start no earlier than this, so that demo trends fall in the period people look at.
HISTORY_START = datetime.date(2015, 1, 1)

# Where a status tends to go next (weights), for histories that read like real ones.
NEXT_STATUS = {
    Status.NO_INFORMATION: {Status.NOT_STARTED: 3, Status.IN_PROGRESS: 3},
    Status.NOT_STARTED: {Status.IN_PROGRESS: 6, Status.STALLED: 1},
    Status.IN_PROGRESS: {Status.PARTIALLY_IMPLEMENTED: 5, Status.STALLED: 2, Status.IMPLEMENTED: 1},
    Status.PARTIALLY_IMPLEMENTED: {Status.IMPLEMENTED: 4, Status.STALLED: 1, Status.REGRESSED: 1},
    Status.IMPLEMENTED: {Status.IMPLEMENTED: 3, Status.REGRESSED: 1},
    Status.STALLED: {Status.IN_PROGRESS: 3, Status.REGRESSED: 1},
    Status.REGRESSED: {Status.IN_PROGRESS: 2, Status.STALLED: 1},
}


class DemoCommitmentFactory(factory.Factory):
    class Meta:
        model = Commitment

    reference = factory.Sequence(lambda n: f"{DEMO_REFERENCE_PREFIX}{n:06d}")
    title = factory.LazyFunction(lambda: DEMO_TITLE_PREFIX + _faker().sentence(nb_words=8).rstrip("."))
    description = factory.LazyFunction(lambda: "Synthetic demo commitment. " + _faker().paragraph(nb_sentences=2))
    is_demo = True


class DemoUpdateFactory(factory.Factory):
    class Meta:
        model = StatusUpdate

    note = factory.LazyFunction(lambda: "[Demo] " + _faker().sentence(nb_words=12))
    is_demo = True


class DemoEvidenceFactory(factory.Factory):
    class Meta:
        model = Evidence

    title = factory.LazyFunction(lambda: DEMO_TITLE_PREFIX + _faker().sentence(nb_words=5).rstrip("."))
    url = factory.Sequence(lambda n: f"https://example.org/demo-evidence/{n}")
    is_demo = True


def _faker():
    return factory.Faker._get_faker()


def _next_number():
    references = Commitment.objects.filter(reference__startswith=DEMO_REFERENCE_PREFIX).values_list(
        "reference", flat=True
    )
    numbers = [int(r[len(DEMO_REFERENCE_PREFIX) :]) for r in references if r[len(DEMO_REFERENCE_PREFIX) :].isdecimal()]
    return max(numbers, default=0) + 1


def _history(rng, start, today):
    """[(effective_on, precision, status, recorded_at)] in order, for one commitment."""
    count = rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 3, 2, 1])[0]
    span = max((today - start).days, 0)
    days = sorted(rng.randint(0, span) for _ in range(count))
    status = rng.choice([Status.NO_INFORMATION, Status.NOT_STARTED, Status.IN_PROGRESS])
    history = []
    for offset in days:
        day = start + datetime.timedelta(days=offset)
        precision = rng.choices([Precision.DAY, Precision.MONTH, Precision.YEAR], weights=[8, 2, 1])[0]
        if precision == Precision.MONTH:
            day = day.replace(day=1)
        elif precision == Precision.YEAR:
            day = day.replace(month=1, day=1)
        # A period starting before the instrument existed still ends after it: keep the day.
        if period_end(day, precision) < start:
            day, precision = start, Precision.DAY
        recorded = timezone.make_aware(
            datetime.datetime.combine(min(day + datetime.timedelta(days=rng.randint(0, 40)), today), datetime.time(10))
        )
        history.append((day, precision, status, recorded))
        choices = NEXT_STATUS[status]
        status = rng.choices(list(choices), weights=list(choices.values()))[0]
    return history


def _derive(commitment, history, own_id, share):
    """Set the derived fields of a new commitment whose whole history is `history` (in recording order).

    derived.derive() decides, as it does for derived.refresh(); this adds the trend
    contributions to `share` and returns the Assessment rows to create. A test checks the
    result against recording the same history one update at a time.
    """
    derivation = derived.derive(history, own_id)
    for key, value in derived.month_contributions(derivation.timeline).items():
        share[key] = share.get(key, 0) + value
    derivation.apply_to(commitment)
    return [
        Assessment(
            commitment=commitment,
            assessor_id=assessor_id,
            update=update,
            status=update.status,
            effective_on=update.effective_on,
        )
        for assessor_id, update in derivation.views.items()
    ]


def demo_add(*, count, random_seed=None, progress=None, today=None):
    """Add `count` demo commitments with status histories and evidence. One transaction."""
    rng = random.Random(random_seed)
    factory.random.reseed_random(random_seed if random_seed is not None else rng.random())
    today = today or timezone.localdate()
    instruments = list(
        Instrument.objects.filter(is_demo=False).exclude(
            pakistan_status__in=[Instrument.PakistanStatus.NOT_RATIFIED, Instrument.PakistanStatus.SIGNED, ""]
        )
    )
    jurisdictions = list(Jurisdiction.objects.all())
    organisations = list(Organisation.objects.all())
    themes = list(Theme.objects.values_list("pk", flat=True))
    if not (instruments and jurisdictions and organisations):
        raise ValueError("Load the seeded data first (manage.py seed): demo data needs instruments and organisations.")
    own_id = tracker_organisation_id()
    tracker = next((o for o in organisations if o.pk == own_id), organisations[0])
    others = [o for o in organisations if o.pk != tracker.pk] or [tracker]
    bodies = [o for o in organisations if o.is_government] or organisations
    step = max(1, count // 20)
    totals = {"commitments": 0, "updates": 0, "evidence": 0}
    shares = {}

    with transaction.atomic():
        DemoCommitmentFactory.reset_sequence(_next_number())
        done = 0
        while done < count:
            # Batches no larger than a progress step, so that progress shows every count/20.
            size = min(BATCH_SIZE, step, count - done)
            commitments, updates, evidence, assessments = [], [], [], []
            for _ in range(size):
                instrument = rng.choice(instruments)
                commitment = DemoCommitmentFactory.build(
                    instrument=instrument,
                    jurisdiction=rng.choice(jurisdictions),
                    responsible_body=rng.choice(bodies),
                )
                start = max(earliest_allowed_date(instrument) or HISTORY_START, HISTORY_START)
                history = [
                    DemoUpdateFactory.build(
                        commitment=commitment,
                        status=status,
                        effective_on=day,
                        effective_precision=precision,
                        assessor=tracker if rng.random() < 0.75 else rng.choice(others),
                        recorded_at=recorded,
                        sensitivity=rng.choice([Sensitivity.PUBLIC, Sensitivity.INTERNAL]),
                    )
                    for day, precision, status, recorded in _history(rng, start, today)
                ]
                evidence += [
                    DemoEvidenceFactory.build(
                        commitment=commitment,
                        status_update=update,
                        evidence_on=update.effective_on,
                        evidence_precision=update.effective_precision,
                        sensitivity=update.sensitivity,
                        added_at=update.recorded_at,
                    )
                    for update in history
                    if rng.random() < 0.5
                ]
                assessments += _derive(commitment, history, own_id, shares.setdefault(commitment.jurisdiction.pk, {}))
                commitments.append(commitment)
                updates += history
            # Foreign keys to rows built above are filled in from their new ids as each batch is inserted.
            Commitment.objects.bulk_create(commitments, batch_size=BATCH_SIZE)
            through = Commitment.themes.through
            through.objects.bulk_create(
                [
                    through(commitment_id=c.pk, theme_id=theme)
                    for c in commitments
                    for theme in rng.sample(themes, k=min(len(themes), rng.randint(1, 2)))
                ],
                batch_size=BATCH_SIZE,
            )
            StatusUpdate.objects.bulk_create(updates, batch_size=BATCH_SIZE)
            Evidence.objects.bulk_create(evidence, batch_size=BATCH_SIZE)
            Assessment.objects.bulk_create(assessments, batch_size=BATCH_SIZE)
            derived.apply_counts(*derived.contributions(Commitment.objects.filter(pk__in=[c.pk for c in commitments])))
            totals["commitments"] += len(commitments)
            totals["updates"] += len(updates)
            totals["evidence"] += len(evidence)
            done += size
            if progress and (done % step == 0 or done == count):
                progress(f"  {done}/{count} demo commitments")
        for jurisdiction_id, share in shares.items():
            derived.apply_month_deltas(jurisdiction_id, share)
    return totals


def _month_contributions_by_jurisdiction(commitments):
    """{jurisdiction_id: {(month, status): n}}: the trend-summary share of these commitments."""
    own_id = tracker_organisation_id()
    jurisdiction_of = dict(commitments.values_list("pk", "jurisdiction_id"))
    histories = {}
    for update in (
        StatusUpdate.objects.filter(commitment__in=commitments)
        .unrestricted()
        .order_by("commitment_id", *HISTORY_ORDER)
        .only("commitment_id", *derived.HISTORY_FIELDS)
        .iterator(chunk_size=5000)
    ):
        histories.setdefault(update.commitment_id, []).append(update)
    shares = {}
    for commitment_id, updates in histories.items():
        share = shares.setdefault(jurisdiction_of[commitment_id], {})
        for key, value in derived.month_contributions(derived.headline_timeline(updates, own_id)).items():
            share[key] = share.get(key, 0) + value
    return shares


def demo_clear():
    """Remove every demo commitment, status update and evidence item, and their share of the trend summary."""
    from simple_history.utils import get_history_model_for_model

    with transaction.atomic():
        commitments = Commitment.objects.filter(is_demo=True)
        status_share, theme_share = derived.contributions(commitments)
        derived.apply_counts(status_share, theme_share, sign=-1)
        # Count rows that only demo data needed are now zero: remove them too (see below on concurrency).
        for jurisdiction_id, instrument_id, status, contested in status_share:
            StatusCount.objects.filter(
                jurisdiction_id=jurisdiction_id,
                instrument_id=instrument_id,
                status=status,
                contested=contested,
                count=0,
            ).delete()
        for jurisdiction_id, theme_id, status in theme_share:
            ThemeStatusCount.objects.filter(
                jurisdiction_id=jurisdiction_id, theme_id=theme_id, status=status, count=0
            ).delete()
        shares = _month_contributions_by_jurisdiction(commitments)
        for jurisdiction_id, share in shares.items():
            derived.apply_month_deltas(jurisdiction_id, {key: -value for key, value in share.items()})
        # Summary rows that only demo data needed are now zero: remove them, so nothing is left behind.
        # (Seeding and demo data are maintenance commands, not run while people record updates.)
        for jurisdiction_id, share in shares.items():
            for month, status in share:
                StatusMonthDelta.objects.filter(
                    jurisdiction_id=jurisdiction_id, month=month, status=status, delta=0
                ).delete()

        updates = StatusUpdate.objects.filter(Q(is_demo=True) | Q(commitment__is_demo=True))
        evidence = Evidence.objects.filter(
            Q(is_demo=True) | Q(commitment__is_demo=True) | Q(status_update__is_demo=True)
        )
        # Real commitments that carry demo updates: their derived data is refreshed after the removal.
        touched = list(Commitment.objects.filter(updates__is_demo=True, is_demo=False).distinct())
        previous = {c.pk: derived.current_timeline(c.pk) for c in touched}
        ids = {
            Commitment: list(commitments.values_list("pk", flat=True)),
            StatusUpdate: list(updates.values_list("pk", flat=True)),
            Evidence: list(evidence.values_list("pk", flat=True)),
        }

        Redaction.objects.filter(Q(status_update__in=updates) | Q(evidence__in=evidence)).delete()
        removed = {"evidence": evidence.delete()[1].get(Evidence._meta.label, 0)}
        updates.filter(corrects__isnull=False).update(corrects=None)
        removed["updates"] = updates.delete()[1].get(StatusUpdate._meta.label, 0)
        with derived.rollup_follow(ids[Commitment]):
            CommitmentLink.objects.filter(Q(source__is_demo=True) | Q(target__is_demo=True)).delete()
            removed["commitments"] = commitments.delete()[1].get(Commitment._meta.label, 0)
        # Deleting writes a "deleted" history row per record; demo data leaves no trace there.
        for model, model_ids in ids.items():
            history = get_history_model_for_model(model)
            for start in range(0, len(model_ids), 500):
                history.objects.filter(id__in=model_ids[start : start + 500]).delete()
        for commitment in touched:
            derived.refresh(commitment, previous[commitment.pk])
    return removed
