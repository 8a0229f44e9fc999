"""Loading the seeded data (fixtures/, built by seeds/build_fixtures.py), idempotently.

Plain `loaddata` would overwrite every field of every row (resetting a commitment's
derived status) and write a history row each time. Here each fixture object is matched
to its row by natural key and saved only when a listed field actually changed, through
the same services the app uses; status updates go through status_update_record() with a
fixed submission key, so loading twice records them once.
"""

import dataclasses
import json
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import transaction

from .dates import parse_partial_date
from .models import (
    Commitment,
    CommitmentLink,
    GSPRequirement,
    IssueSource,
    IssueUpdate,
    Organisation,
    ReportingCycle,
    Review,
    StatusUpdate,
)
from .querysets import forget_tracker_organisation
from .services.commitments import commitment_link_add, commitment_save, commitment_themes_set
from .services.gsp import issue_update_record
from .services.history import EvidenceItem, status_update_record
from .services.reference import SUBJECTS as AUDITED_REFERENCE
from .services.reference import reference_save

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
# In dependency order: each file refers only to records of the files before it.
FIXTURE_FILES = ("sources.json", "reference.json", "instruments.json", "commitments.json", "gsp.json")
STATUS_UPDATES_FILE = "status_updates.json"
STATUS_UPDATES_FORMAT = "tracker-status-updates/1"


@dataclasses.dataclass
class SeedResult:
    created: Counter = dataclasses.field(default_factory=Counter)
    changed: Counter = dataclasses.field(default_factory=Counter)
    unchanged: Counter = dataclasses.field(default_factory=Counter)

    def summary(self):
        labels = sorted(set(self.created) | set(self.changed) | set(self.unchanged))
        return [
            f"{label}: {self.created[label]} created, {self.changed[label]} changed, {self.unchanged[label]} unchanged"
            for label in labels
        ]


def _existing(instance):
    """The stored row an instance read from a fixture stands for, or None."""
    model = type(instance)
    if model is GSPRequirement:
        return model.objects.filter(scheme_id=instance.scheme_id, instrument_id=instance.instrument_id).first()
    if model is Review:
        return model.objects.filter(
            instrument_id=instance.instrument_id, reviewed_on=instance.reviewed_on, title=instance.title
        ).first()
    if model is CommitmentLink:
        return model.objects.filter(source_id=instance.source_id, target_id=instance.target_id).first()
    if model is IssueSource:
        return model.objects.filter(
            issue_id=instance.issue_id, organisation_id=instance.organisation_id, said_on=instance.said_on
        ).first()
    if model is ReportingCycle:
        return model.objects.filter(
            instrument_id=instance.instrument_id, instrument_kind=instance.instrument_kind, deadline=instance.deadline
        ).first()
    try:
        return model._default_manager.get_by_natural_key(*instance.natural_key())
    except model.DoesNotExist:
        return None


def _save_new(instance, m2m):
    model = type(instance)
    if model is CommitmentLink:
        return commitment_link_add(
            source=instance.source, target=instance.target, note=instance.note, basis=instance.basis
        )
    if model is IssueUpdate:
        # The issue's history is append-only and recorded through its service, like a status update.
        return issue_update_record(
            issue=instance.issue,
            cycle=instance.cycle,
            kind=instance.kind,
            status=instance.status,
            effective_on=instance.effective_on,
            effective_precision=instance.effective_precision,
            assessor=instance.assessor,
            note=instance.note,
            document=instance.document,
            url=instance.url,
            sensitivity=instance.sensitivity,
            recorded_by=None,
            submission_key=instance.submission_key,
        )
    if model in AUDITED_REFERENCE:
        return reference_save(record=instance, m2m=m2m)
    if model is Commitment:
        commitment_save(commitment=instance)
    else:
        instance.full_clean()
        instance.save()
    for name, ids in m2m.items():
        _m2m_set(instance, name, ids)
    return instance


def _m2m_set(instance, name, ids):
    if isinstance(instance, Commitment) and name == "themes":
        commitment_themes_set(commitment=instance, themes=ids)  # keeps the theme counts right
    else:
        getattr(instance, name).set(ids)


def _save_changes(existing, instance, listed, m2m):
    """Copy the listed fields that differ onto the stored row; save only if one did. True if saved."""
    model = type(existing)
    if model is IssueUpdate:
        return False  # append-only: a seeded update is recorded once and never edited
    changed = []
    for name in listed:
        field = model._meta.get_field(name)
        if field.many_to_many:
            continue
        if getattr(existing, field.attname) != getattr(instance, field.attname):
            setattr(existing, field.attname, getattr(instance, field.attname))
            changed.append(field.attname)
    if model in AUDITED_REFERENCE:
        m2m_changed = {
            name: ids
            for name, ids in m2m.items()
            if set(getattr(existing, name).values_list("pk", flat=True)) != set(ids)
        }
        if changed or m2m_changed:
            reference_save(record=existing, m2m=m2m_changed)
        return bool(changed or m2m_changed)
    if changed:
        if model is Commitment:
            # The stored row keeps its derived status; the service keeps the trend right if it moved.
            commitment_save(commitment=existing)
        else:
            existing.full_clean()
            existing.save(update_fields=changed)
    m2m_changed = False
    for name, ids in m2m.items():
        manager = getattr(existing, name)
        if set(manager.values_list("pk", flat=True)) != set(ids):
            _m2m_set(existing, name, ids)
            m2m_changed = True
    return bool(changed) or m2m_changed


def load_fixture(path, result):
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    objects = serializers.deserialize("python", entries, handle_forward_references=False)
    for entry, deserialized in zip(entries, objects, strict=True):
        instance = deserialized.object
        label = instance._meta.model_name
        m2m = deserialized.m2m_data or {}
        existing = _existing(instance)
        if existing is None:
            instance.pk = None
            _save_new(instance, m2m)
            result.created[label] += 1
        elif _save_changes(existing, instance, entry["fields"].keys(), m2m):
            result.changed[label] += 1
        else:
            result.unchanged[label] += 1


def load_status_updates(path, result):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != STATUS_UPDATES_FORMAT:
        raise ValidationError(f"{path}: expected format {STATUS_UPDATES_FORMAT!r}")
    organisations = {o.slug: o for o in Organisation.objects.all()}
    for entry in data["updates"]:
        key = uuid.UUID(entry["submission_key"])
        if StatusUpdate.objects.filter(submission_key=key).exists():
            # The history is append-only: a seeded update is never edited, only recorded once.
            result.unchanged["statusupdate"] += 1
            continue
        commitment = Commitment.objects.select_related("instrument").get_by_natural_key(*entry["commitment"])
        effective_on, precision = parse_partial_date(entry["effective"])
        evidence = [
            EvidenceItem(
                title=item["title"],
                url=item["url"],
                source_organisation=organisations.get(item.get("source_organisation")),
                sensitivity=entry["sensitivity"],
            )
            for item in entry["evidence"]
        ]
        status_update_record(
            commitment=commitment,
            status=entry["status"],
            effective_on=effective_on,
            effective_precision=precision,
            assessor=organisations[entry["assessor"]],
            recorded_by=None,
            note=entry["note"],
            evidence=evidence,
            sensitivity=entry["sensitivity"],
            submission_key=key,
        )
        result.created["statusupdate"] += 1


def seed_load(*, fixtures_dir=None):
    """Load every fixture and the seeded status updates in one transaction: all or nothing."""
    fixtures_dir = Path(fixtures_dir or FIXTURES_DIR)
    result = SeedResult()
    try:
        with transaction.atomic():
            for name in FIXTURE_FILES:
                load_fixture(fixtures_dir / name, result)
            # The tracker's own organisation may have just been created: look it up again.
            forget_tracker_organisation()
            load_status_updates(fixtures_dir / STATUS_UPDATES_FILE, result)
    finally:
        forget_tracker_organisation()
    return result
