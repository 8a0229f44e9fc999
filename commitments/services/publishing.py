"""What the public portal shows: publishing instruments and commitments, the public headline, the
public data version (the public pages' ETag and Last-Modified).

Every write that can change what the portal shows calls public_history_changed() or
public_data_changed() in its own transaction, so a cached public page is never older than the
data. The version moves only when public material changes: a change to internal or restricted
entries leaves it (and every public date) as it was, so it reveals nothing.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import derived
from ..models import AuditEntry, Commitment, PublicDataVersion, StatusUpdate
from .audit import audit_entry_add

Action = AuditEntry.Action
Subject = AuditEntry.Subject


def public_data_version():
    """The current PublicDataVersion (created on first use)."""
    version, _created = PublicDataVersion.objects.get_or_create(pk=1)
    return version


def public_data_changed():
    """Bump the public data version (call inside the transaction of the change)."""
    public_data_version()
    PublicDataVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())


def is_public_material(update):
    return update is not None and StatusUpdate.objects.public_verified().filter(pk=update.pk).exists()


def public_history_changed(*, commitment, public_touched=False):
    """After a commitment's history changed: store its public headline, and bump the version when
    public material changed (`public_touched`: a changed entry is or was public) or the headline moved."""
    headline_moved = derived.refresh_public(commitment)
    if headline_moved or public_touched:
        public_data_changed()


def _set_published(*, record, published, actor, subject, commitment=None):
    with transaction.atomic():
        if record.published == published:
            return record
        type(record).objects.filter(pk=record.pk).update(published=published)
        record.published = published
        audit_entry_add(
            action=Action.PUBLISHED if published else Action.UNPUBLISHED,
            subject=subject,
            actor=actor,
            label=str(record),
            object_id=record.pk,
            changes={_("published"): [not published, published]},
            commitment=commitment,
        )
        public_data_changed()
    return record


def instrument_publish_set(*, instrument, published, actor):
    """Publish an instrument (its published commitments appear on the portal) or withdraw it."""
    return _set_published(record=instrument, published=published, actor=actor, subject=Subject.INSTRUMENT)


def commitment_publish_set(*, commitment, published, actor):
    """Publish a commitment on the portal (shown once its instrument is published too) or withdraw it."""
    return _set_published(
        record=commitment, published=published, actor=actor, subject=Subject.COMMITMENT, commitment=commitment
    )


def public_headlines_rebuild():
    """Recompute every stored public headline (after an import or a restore); returns how many moved."""
    moved = 0
    for commitment in Commitment.objects.only("pk", *derived.PUBLIC_FIELDS).iterator():
        with transaction.atomic():
            moved += derived.refresh_public(commitment)
    if moved:
        public_data_changed()
    return moved
