"""Bulk generation of a benchmark database: commitments, their status history and evidence.

The history is inserted with bulk_create, and the data the services would have derived
(headline status, each source's assessment, the month-by-month trend summary) is computed
here in Python with the same functions status.refresh() uses, then inserted in bulk.
verify() checks the result against a full recomputation from the history.

Every record is marked as demo data and named "Benchmark ...": nothing here is real.
"""

import datetime
import hashlib
import random
from collections import Counter
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from commitments import access, derived
from commitments.choices import Precision
from commitments.models import (
    Assessment,
    Commitment,
    Evidence,
    Instrument,
    Jurisdiction,
    Organisation,
    Sensitivity,
    Status,
    StatusMonthDelta,
    StatusUpdate,
    Theme,
)
from commitments.querysets import forget_tracker_organisation

JURISDICTIONS = [
    ("federal", "Federal", Jurisdiction.Kind.FEDERAL),
    ("punjab", "Punjab", Jurisdiction.Kind.PROVINCE),
    ("sindh", "Sindh", Jurisdiction.Kind.PROVINCE),
    ("kp", "Khyber Pakhtunkhwa", Jurisdiction.Kind.PROVINCE),
    ("balochistan", "Balochistan", Jurisdiction.Kind.PROVINCE),
    ("ict", "Islamabad Capital Territory", Jurisdiction.Kind.TERRITORY),
    ("gb", "Gilgit-Baltistan", Jurisdiction.Kind.TERRITORY),
]
INSTRUMENTS = 48
# The progress report is timed on this jurisdiction: it holds the same number of commitments at
# every size, so the report measures how its cost grows with the database, not with its own rows.
REPORT_JURISDICTION = "gb"
REPORT_COMMITMENTS = 100
THEMES = 12
OTHER_SOURCES = 5
UPDATES_PER_COMMITMENT = 10
FILE_POOL = 64
CHUNK = 2000
ADMIN_USERNAME = "bench-admin"
EDITOR_USERNAME = "bench-editor"
HISTORY_START = datetime.date(2017, 1, 1)
HISTORY_END = datetime.date(2026, 6, 30)
# Status updates are drawn with these weights: most commitments move, a few stall or regress.
STATUS_WEIGHTS = {
    Status.NO_INFORMATION: 1,
    Status.NOT_STARTED: 3,
    Status.IN_PROGRESS: 5,
    Status.PARTIALLY_IMPLEMENTED: 4,
    Status.IMPLEMENTED: 2,
    Status.STALLED: 2,
    Status.REGRESSED: 1,
}


def evidence_rate(size):
    """Share of status updates that carry evidence: fewer at the largest sizes."""
    return 0.2 if size <= 10_000 else 0.03


def _ids_from(model):
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _reference_data():
    jurisdictions = []
    for code, name, kind in JURISDICTIONS:
        jurisdiction, _created = Jurisdiction.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
        jurisdictions.append(jurisdiction)
    own, _created = Organisation.objects.get_or_create(
        slug=settings.TRACKER_ORGANISATION,
        defaults={"name": "Benchmark tracking organisation", "kind": Organisation.Kind.CIVIL_SOCIETY},
    )
    others = [
        Organisation.objects.get_or_create(
            slug=f"bench-source-{n}", defaults={"name": f"Benchmark source {n}", "kind": kind}
        )[0]
        for n, kind in enumerate(
            [
                Organisation.Kind.GOVERNMENT,
                Organisation.Kind.NHRI,
                Organisation.Kind.TREATY_BODY,
                Organisation.Kind.INTERNATIONAL,
                Organisation.Kind.LEGISLATURE,
            ][:OTHER_SOURCES],
            start=1,
        )
    ]
    themes = [
        Theme.objects.get_or_create(slug=f"bench-theme-{n}", defaults={"name": f"Benchmark theme {n}"})[0]
        for n in range(1, THEMES + 1)
    ]
    instruments = [
        Instrument.objects.get_or_create(
            code=f"BENCH-{n:02d}",
            defaults={
                "title": f"Benchmark instrument {n}",
                "kind": Instrument.Kind.UN_CORE if n % 3 else Instrument.Kind.PROVINCIAL_PLAN,
                "jurisdiction": jurisdictions[n % len(jurisdictions)],
                "bound_on": datetime.date(2010, 1, 1),
                "bound_precision": Precision.DAY,
                "is_demo": True,
                "published": True,  # the public dashboard and list are measured at full size
            },
        )[0]
        for n in range(1, INSTRUMENTS + 1)
    ]
    admin, created = User.objects.get_or_create(username=ADMIN_USERNAME, defaults={"is_staff": True})
    if created:
        admin.set_unusable_password()
        admin.save()
    admin.groups.add(Group.objects.get(name=access.ADMINISTRATOR))
    editor, _created = User.objects.get_or_create(username=EDITOR_USERNAME)
    editor.groups.add(Group.objects.get(name=access.EDITOR))
    return SimpleNamespace(
        jurisdictions=jurisdictions,
        own=own,
        sources=[own, *others],
        themes=themes,
        instruments=instruments,
        admin=admin,
        editor=editor,
    )


def _file_pool(rng):
    """A few small generated files that evidence items point at: (name, size, sha256)."""
    pool = []
    for n in range(FILE_POOL):
        body = f"Benchmark evidence file {n}\n".encode() + bytes(rng.randrange(256) for _ in range(512 + 64 * n))
        name = f"evidence/bench/bench-{n:03d}.bin"
        if not default_storage.exists(name):
            default_storage.save(name, _content(body))
        pool.append((name, len(body), hashlib.sha256(body).hexdigest()))
    return pool


def _content(body):
    return ContentFile(body)


def _random_day(rng, first, last):
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def generate(size, *, seed=1, progress=None, updates_per_commitment=UPDATES_PER_COMMITMENT):
    """Add `size` commitments with their history to the database; returns counts of what was made."""
    rng = random.Random(seed)
    progress = progress or (lambda message: None)
    ref = _reference_data()
    pool = _file_pool(rng)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    rate = evidence_rate(size)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    own_id = ref.own.pk
    next_commitment = _ids_from(Commitment)
    next_update = _ids_from(StatusUpdate)
    month_deltas = Counter()
    made = Counter()
    themes_through = Commitment.themes.through
    restricted_through = StatusUpdate.restricted_to.through

    report_instruments = [i for i in ref.instruments if i.jurisdiction.code == REPORT_JURISDICTION]
    other_instruments = [i for i in ref.instruments if i.jurisdiction.code != REPORT_JURISDICTION]
    report_every = max(1, size // REPORT_COMMITMENTS)
    in_report = 0

    for chunk_start in range(0, size, CHUNK):
        chunk = range(chunk_start, min(size, chunk_start + CHUNK))
        commitments, updates, evidence, theme_links, restricted, assessments = [], [], [], [], [], []
        for n in chunk:
            commitment_id = next_commitment
            next_commitment += 1
            if n % report_every == 0 and in_report < REPORT_COMMITMENTS:
                instrument = report_instruments[in_report % len(report_instruments)]
                in_report += 1
            else:
                instrument = other_instruments[n % len(other_instruments)]
            jurisdiction_id = instrument.jurisdiction_id
            days = sorted(_random_day(rng, HISTORY_START, HISTORY_END) for _ in range(updates_per_commitment))
            history = []
            for day in days:
                recorded_at = datetime.datetime.combine(
                    day + datetime.timedelta(days=rng.randrange(0, 40)), datetime.time(rng.randrange(8, 18)), tz
                )
                sensitivity = rng.choices(
                    [Sensitivity.INTERNAL, Sensitivity.PUBLIC, Sensitivity.RESTRICTED], [70, 28, 2]
                )[0]
                update = StatusUpdate(
                    id=next_update,
                    commitment_id=commitment_id,
                    status=rng.choices(statuses, weights)[0],
                    effective_on=day,
                    effective_precision=Precision.DAY,
                    takes_effect_on=day,
                    note=f"Benchmark note {next_update}",
                    assessor_id=own_id if rng.random() < 0.4 else rng.choice(ref.sources[1:]).pk,
                    recorded_by_id=ref.editor.pk,
                    recorded_at=min(recorded_at, now),
                    sensitivity=sensitivity,
                    is_demo=True,
                )
                next_update += 1
                history.append(update)
                if sensitivity == Sensitivity.RESTRICTED:
                    restricted.append(restricted_through(statusupdate_id=update.id, user_id=ref.editor.pk))
                if rng.random() < rate:
                    if rng.random() < 0.8:
                        name, file_size, digest = rng.choice(pool)
                        evidence.append(
                            Evidence(
                                commitment_id=commitment_id,
                                status_update_id=update.id,
                                title=f"Benchmark evidence for update {update.id}",
                                file=name,
                                original_filename="evidence.bin",
                                content_type="application/octet-stream",
                                size=file_size,
                                sha256=digest,
                                evidence_on=day,
                                evidence_precision=Precision.DAY,
                                added_by_id=ref.editor.pk,
                                added_at=update.recorded_at,
                                is_demo=True,
                                sensitivity=Sensitivity.PUBLIC
                                if sensitivity == Sensitivity.PUBLIC
                                else Sensitivity.INTERNAL,
                            )
                        )
                    else:
                        evidence.append(
                            Evidence(
                                commitment_id=commitment_id,
                                status_update_id=update.id,
                                title=f"Benchmark link for update {update.id}",
                                url=f"https://example.org/bench/{update.id}",
                                evidence_on=day,
                                evidence_precision=Precision.DAY,
                                added_by_id=ref.editor.pk,
                                added_at=update.recorded_at,
                                is_demo=True,
                            )
                        )
            updates.extend(history)

            # Derived data, by the one rule the services use (derived.derive()).
            derivation = derived.derive(history, own_id)
            for (month, status), value in derived.month_contributions(derivation.timeline).items():
                if value:
                    month_deltas[(month, jurisdiction_id, status)] += value
            for assessor_id, update in derivation.views.items():
                assessments.append(
                    Assessment(
                        commitment_id=commitment_id,
                        assessor_id=assessor_id,
                        update_id=update.id,
                        status=update.status,
                        effective_on=update.effective_on,
                    )
                )
            status_fields = {field: getattr(derivation, field) for field in derived.DERIVED_FIELDS}
            due_on = (
                _random_day(rng, datetime.date(2018, 1, 1), datetime.date(2030, 12, 31)) if rng.random() < 0.8 else None
            )
            commitments.append(
                Commitment(
                    id=commitment_id,
                    instrument_id=instrument.pk,
                    reference=f"B-{commitment_id:06d}",
                    title=f"Benchmark commitment {commitment_id}",
                    description=f"Generated for the benchmark: commitment {commitment_id} under {instrument.code}.",
                    jurisdiction_id=jurisdiction_id,
                    responsible_body_id=rng.choice(ref.sources[1:]).pk,
                    due_on=due_on,
                    is_demo=True,
                    published=True,
                    **status_fields,
                )
            )
            for theme in rng.sample(ref.themes, rng.choice((1, 1, 2, 3))):
                theme_links.append(themes_through(commitment_id=commitment_id, theme_id=theme.pk))

        with transaction.atomic():
            Commitment.objects.bulk_create(commitments, batch_size=500)
            themes_through.objects.bulk_create(theme_links, batch_size=1000)
            StatusUpdate.objects.bulk_create(updates, batch_size=500)
            restricted_through.objects.bulk_create(restricted, batch_size=1000)
            Evidence.objects.bulk_create(evidence, batch_size=500)
            Assessment.objects.bulk_create(assessments, batch_size=1000)
            # The dashboard's maintained counts, from what was just inserted (ids are contiguous).
            derived.apply_counts(
                *derived.contributions(Commitment.objects.filter(pk__gte=commitments[0].pk, pk__lte=commitments[-1].pk))
            )
        made.update(commitments=len(commitments), updates=len(updates), evidence=len(evidence))
        progress(f"  {chunk.stop:,}/{size:,} commitments, {made['updates']:,} updates, {made['evidence']:,} evidence")

    _merge_month_deltas(month_deltas)
    _reset_sequences()
    return dict(made)


def _merge_month_deltas(deltas):
    existing = {(r.month, r.jurisdiction_id, r.status): r for r in StatusMonthDelta.objects.all()}
    new, changed = [], []
    for (month, jurisdiction_id, status), value in deltas.items():
        if not value:
            continue
        row = existing.get((month, jurisdiction_id, status))
        if row is None:
            new.append(StatusMonthDelta(month=month, jurisdiction_id=jurisdiction_id, status=status, delta=value))
        else:
            row.delta += value
            changed.append(row)
    with transaction.atomic():
        StatusMonthDelta.objects.bulk_create(new, batch_size=1000)
        StatusMonthDelta.objects.bulk_update(changed, ["delta"], batch_size=500)


def _reset_sequences():
    """Explicit ids were inserted: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Commitment, StatusUpdate, Evidence, Assessment])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def verify(progress=None):
    """Check the derived data against a full recomputation from the history; raise on any difference."""
    progress = progress or (lambda message: None)
    forget_tracker_organisation()
    expected = derived.recompute_month_deltas()
    stored = derived.stored_month_deltas()
    if expected != stored:
        wrong = sorted(set(expected.items()) ^ set(stored.items()))[:5]
        raise AssertionError(f"trend summary differs from the history, e.g. {wrong}")
    progress(f"  trend summary agrees with the history ({len(stored):,} month rows)")
    today = timezone.localdate()
    mismatched = (
        Commitment.objects.with_status_as_of(today).exclude(status_as_of=F("status")).values_list("pk", flat=True)[:5]
    )
    mismatched = list(mismatched)
    if mismatched:
        raise AssertionError(f"headline status differs from the as-of status for commitments {mismatched}")
    progress("  every headline status equals the as-of status from the history")
    derived.check_counts()
    progress("  the dashboard's maintained counts equal a recount of the commitments")
