"""The audit trail: every service that changes something outside the stored versions of
commitments, updates and evidence writes one entry here, in the same transaction.

An entry names the record it is about and lists what changed: {field: {"before": x, "after": y}}
for a change, {field: value} for what a record held when it was created or deleted, and
{"added": [...], "removed": [...]} for themes. It never copies a restricted item's content: an
entry about a restricted update or evidence points at the item, and is shown only to the
people who may read it (AuditEntry.objects.visible_to).
"""

from ..models import AuditEntry

Action = AuditEntry.Action
Subject = AuditEntry.Subject


def _shown(value):
    """A value as the trail keeps it: text for records and dates, lists sorted, None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(_shown(v) for v in value)
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def snapshot(obj, fields=None):
    """{field name: value} of a model instance, many-to-many fields as sorted names (for diffs)."""
    if obj is None or obj.pk is None:
        return {}
    values = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.primary_key:
            continue
        value = getattr(obj, field.name) if field.is_relation else field.value_from_object(obj)
        values[field.name] = _shown(value)
    for field in obj._meta.many_to_many:
        if fields is not None and field.name not in fields:
            continue
        values[field.name] = _shown([str(o) for o in getattr(obj, field.name).all()])
    return values


def change(before, after):
    """One change as the trail keeps it."""
    return {"before": before, "after": after}


def differences(before, after, model=None):
    """{label: change(before, after)} for the keys whose values differ; labels are field names made readable."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            changes[_label(model, name)] = change(old, new)
    return changes


def _label(model, name):
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:
            pass
    return name.replace("_", " ")


def audit_entry_add(
    *,
    action,
    subject,
    actor=None,
    label="",
    object_id="",
    changes=None,
    commitment=None,
    related_commitment=None,
    status_update=None,
    evidence=None,
    person=None,
):
    """Write one entry of the audit trail (call inside the change's transaction)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        action=action,
        subject=subject,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        label=str(label)[:300],
        object_id=str(object_id if object_id not in (None, "") else ""),
        changes=changes or {},
        commitment=commitment,
        related_commitment=related_commitment,
        status_update=status_update,
        evidence=evidence,
        person=person,
    )
    entry.full_clean(exclude=["actor", "commitment", "related_commitment", "status_update", "evidence", "person"])
    entry.save()
    return entry
