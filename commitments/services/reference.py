"""Writes to the reference data the audit trail follows: organisations, sources, GSP+ requirements,
GSP+ requirement lists (when the requirements apply) and themes.

The admin, the seed and any page that changes one of these records call these services, so
that every change, however it arrives, is in the audit trail.
"""

from django.db import transaction

from ..models import GSPRequirement, GSPRequirementList, Organisation, Source, Theme
from .audit import Action, Subject, audit_entry_add, differences, snapshot
from .publishing import public_data_changed

SUBJECTS = {
    Organisation: Subject.ORGANISATION,
    Source: Subject.SOURCE,
    GSPRequirement: Subject.GSP_REQUIREMENT,
    GSPRequirementList: Subject.GSP_REQUIREMENT_LIST,
    Theme: Subject.THEME,
}


def reference_save(*, record, actor=None, m2m=None):
    """Save a reference record (SUBJECTS) with its many-to-many values; in the audit trail.

    `m2m` maps many-to-many field names to the values to set (ids or records).
    """
    model = type(record)
    m2m = m2m or {}
    with transaction.atomic():
        before = snapshot(model.objects.get(pk=record.pk)) if record.pk else {}
        record.full_clean(exclude=[field.name for field in model._meta.many_to_many])
        record.save()
        for name, values in m2m.items():
            getattr(record, name).set(values)
        # Organisations (who says so), sources and GSP+ requirements are shown on the public portal.
        public_data_changed()
        after = snapshot(record)
        if not before:
            changes = {
                str(model._meta.get_field(name).verbose_name): value
                for name, value in after.items()
                if value not in ("", [], None, False)
            }
            audit_entry_add(
                action=Action.CREATED,
                subject=SUBJECTS[model],
                actor=actor,
                label=str(record),
                object_id=record.pk,
                changes=changes,
            )
        else:
            changes = differences(before, after, model)
            if changes:
                audit_entry_add(
                    action=Action.CHANGED,
                    subject=SUBJECTS[model],
                    actor=actor,
                    label=str(record),
                    object_id=record.pk,
                    changes=changes,
                )
    return record


def reference_delete(*, record, actor=None):
    """Delete a reference record (SUBJECTS); the audit trail keeps what it was."""
    model = type(record)
    with transaction.atomic():
        audit_entry_add(
            action=Action.DELETED,
            subject=SUBJECTS[model],
            actor=actor,
            label=str(record),
            object_id=record.pk,
            changes={key: value for key, value in snapshot(record).items() if value not in ("", [], None, False)},
        )
        record.delete()
