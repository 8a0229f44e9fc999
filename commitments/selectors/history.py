"""A commitment's change history: who changed what and when, from the stored versions of
the commitment, its updates and its evidence (django-simple-history), and the audit trail
(themes, contribution links, verification, who may see a restricted item, redaction)."""

from django.db.models import ForeignKey
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import derived
from ..choices import Sensitivity
from ..models import AuditEntry, Commitment, Evidence, StatusUpdate
from ..querysets import tracker_organisation_id

HISTORY_LIMIT = 100
ACTIONS = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}


def _field_label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _changes(model, record, previous, fk_names):
    if previous is None:
        return []
    delta = record.diff_against(previous, foreign_keys_are_objs=False)
    changes = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        old, new = change.old, change.new
        if isinstance(field, ForeignKey):
            old, new = fk_names.get((field.related_model, old), old), fk_names.get((field.related_model, new), new)
        elif getattr(field, "choices", None):
            labels = dict(field.flatchoices)
            old, new = labels.get(old, old), labels.get(new, new)
        changes.append(
            (_field_label(model, change.field), "" if old is None else str(old), "" if new is None else str(new))
        )
    return changes


def _entries(model, records, kind_label, label_of, fk_names):
    entries = []
    previous_by_id = {}
    for record in records:
        previous = previous_by_id.get(record.id)
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "action": f"{ACTIONS.get(record.history_type, record.history_type)} {kind_label}",
                "label": label_of(record),
                "changes": _changes(model, record, previous, fk_names),
            }
        )
        previous_by_id[record.id] = record
    return entries


def _fk_names(records_by_model):
    """Names of the records foreign keys point at, one query per related model."""
    wanted = {}
    for model, records in records_by_model:
        for field in model._meta.fields:
            if isinstance(field, ForeignKey) and field.related_model not in (Commitment, StatusUpdate):
                for record in records:
                    value = getattr(record, field.attname, None)
                    if value is not None:
                        wanted.setdefault(field.related_model, set()).add(value)
    names = {}
    for related, ids in wanted.items():
        for obj in related._default_manager.filter(pk__in=ids):
            names[(related, obj.pk)] = str(obj)
    return names


def _text(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is None or value is False:
        return ""
    return str(value)


def audit_changes(changes):
    """An audit entry's changes as (field, before, after) rows, like the stored versions' (see services.audit)."""
    rows = []
    for field, value in (changes or {}).items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            rows.append((field, _text(value["before"]), _text(value["after"])))
        elif field == "removed":
            if value:
                rows.append((_("removed"), _text(value), ""))
        elif field == "added":
            if value:
                rows.append((_("added"), "", _text(value)))
        else:
            rows.append((field, "", _text(value)))
    return rows


def format_changes(changes):
    """An audit entry's changes on one line (the admin's list)."""
    return "; ".join(f"{field}: {old or '—'} → {new or '—'}" for field, old, new in audit_changes(changes)) or "—"


def _audit_entries(user, commitment):
    entries = []
    for entry in (
        AuditEntry.objects.visible_to(user)
        .about_commitment(commitment)
        .select_related("actor")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    ):
        entries.append(
            {
                "when": entry.at,
                "who": entry.actor or entry.actor_name or None,
                "action": f"{entry.get_action_display()} {entry.get_subject_display()}",
                "label": entry.label,
                "changes": audit_changes(entry.changes),
            }
        )
    return entries


def commitment_history(user, commitment):
    """Who changed what and when: the commitment, its updates and its evidence, and the audit trail
    about it, newest first.

    Only updates and evidence the user may read appear, and only audit entries about them.
    """
    visible_updates = StatusUpdate.objects.visible_to(user).filter(commitment=commitment).values("pk")
    visible_evidence = Evidence.objects.visible_to(user).filter(commitment=commitment).values("pk")
    commitment_records = list(
        Commitment.history.filter(id=commitment.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    update_records = list(
        StatusUpdate.history.filter(id__in=visible_updates)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    evidence_records = list(
        Evidence.history.filter(id__in=visible_evidence)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    fk_names = _fk_names(
        [(Commitment, commitment_records), (StatusUpdate, update_records), (Evidence, evidence_records)]
    )
    status_labels = dict(StatusUpdate._meta.get_field("status").flatchoices)
    entries = (
        _entries(Commitment, commitment_records, _("commitment"), lambda r: r.reference, fk_names)
        + _entries(
            StatusUpdate,
            update_records,
            _("status update"),
            lambda r: f"{status_labels.get(r.status, r.status)} ({r.effective_on:%Y-%m-%d})",
            fk_names,
        )
        + _entries(Evidence, evidence_records, _("evidence"), lambda r: r.title, fk_names)
        + _audit_entries(user, commitment)
    )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:HISTORY_LIMIT]


def headline_with(commitment, update):
    """The headline status the commitment would have with `update` (unsaved) added to its history.

    The same rule as the stored headline (derived.derive()); a restricted update moves nothing.
    """
    history = derived.unrestricted_history(commitment.pk)
    if update.sensitivity != Sensitivity.RESTRICTED:
        history.append(update)
    return derived.derive(history, tracker_organisation_id()).status
