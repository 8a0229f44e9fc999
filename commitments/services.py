"""Writes that touch more than one row. Admin, forms, import and seed all come through here,
so the rules (append-only history, headline status, contested flag, sensitivity) hold
whichever way data arrives."""

import dataclasses
import datetime
import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import status as derived
from .dates import Precision, period_end
from .models import (
    Commitment,
    CommitmentLink,
    Evidence,
    Sensitivity,
    StatusUpdate,
)


@dataclasses.dataclass
class EvidenceItem:
    """One piece of evidence to attach: a checked file (see evidence.py) or a link."""

    title: str
    url: str = ""
    file: object = None  # a django File, already checked by evidence.check_upload()
    original_filename: str = ""
    content_type: str = ""
    sha256: str = ""
    location_metadata: bool = False
    evidence_on: datetime.date | None = None
    evidence_precision: str = ""
    source_organisation: object = None
    sensitivity: str = Sensitivity.INTERNAL
    personal_data: bool = False
    restricted_to: tuple = ()


def earliest_allowed_date(instrument):
    """An update cannot take effect before the instrument existed (its signature or adoption)."""
    known = [d for d in (instrument.signed_on, instrument.bound_on) if d is not None]
    return min(known) if known else None


def _check_effective_date(commitment, effective_on, precision, today):
    errors = {}
    if effective_on > today:
        errors["effective_on"] = _("The effective date cannot be in the future.")
    earliest = earliest_allowed_date(commitment.instrument)
    # A year-only date is allowed if any day of that year is on or after the instrument's date.
    if earliest is not None and period_end(effective_on, precision) < earliest:
        errors["effective_on"] = _("The effective date is before %(instrument)s existed (%(date)s).") % {
            "instrument": commitment.instrument.code,
            "date": earliest.isoformat(),
        }
    if errors:
        raise ValidationError(errors)


def _sha256_of(django_file):
    digest = hashlib.sha256()
    django_file.seek(0)
    for chunk in django_file.chunks():
        digest.update(chunk)
    django_file.seek(0)
    return digest.hexdigest()


def status_update_record(
    *,
    commitment,
    status,
    effective_on,
    assessor,
    recorded_by,
    effective_precision=Precision.DAY,
    note="",
    evidence=(),
    sensitivity=Sensitivity.INTERNAL,
    personal_data=False,
    restricted_to=(),
    follow_up_grade="",
    corrects=None,
    submission_key=None,
    recorded_at=None,
    is_demo=False,
    today=None,
):
    """Record a new status for a commitment with its evidence, all or nothing.

    Returns the update. The same submission_key posted twice returns the first update.
    Files written to storage are removed again if anything fails.
    """
    today = today or timezone.localdate()
    if corrects is not None:
        if corrects.commitment_id != commitment.pk:
            raise ValidationError({"corrects": _("A correction must be about the same commitment.")})
        # A correction takes effect when the corrected entry did, in the same source's name.
        effective_on, effective_precision, assessor = (
            corrects.effective_on,
            corrects.effective_precision,
            corrects.assessor,
        )
    if submission_key is not None:
        existing = StatusUpdate.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    _check_effective_date(commitment, effective_on, effective_precision, today)
    if sensitivity == Sensitivity.RESTRICTED and not restricted_to:
        raise ValidationError({"restricted_to": _("Name at least one person who may see a restricted update.")})

    update = StatusUpdate(
        commitment=commitment,
        status=status,
        effective_on=effective_on,
        effective_precision=effective_precision,
        note=note,
        assessor=assessor,
        follow_up_grade=follow_up_grade,
        recorded_by=recorded_by,
        recorded_at=recorded_at or timezone.now(),
        corrects=corrects,
        sensitivity=sensitivity,
        personal_data=personal_data,
        submission_key=submission_key or uuid.uuid4(),
        is_demo=is_demo,
    )
    update.full_clean(exclude=["commitment", "assessor", "recorded_by", "corrects"])

    written = []
    try:
        with transaction.atomic():
            # Serialise writers of one commitment so the derived data is computed on a stable history.
            locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
            previous = derived.headline_timeline(derived.unrestricted_history(locked.pk), derived.tracker_organisation_id())
            try:
                with transaction.atomic():
                    update.save()
            except IntegrityError:
                # A concurrent post of the same form won the race.
                existing = StatusUpdate.objects.filter(submission_key=update.submission_key).first()
                if existing is not None:
                    return existing
                raise
            if restricted_to:
                update.restricted_to.set(restricted_to)
            for item in evidence:
                evidence_attach(
                    commitment=locked, status_update=update, item=item, added_by=recorded_by, _written=written,
                    is_demo=is_demo,
                )
            derived.refresh(locked, previous)
            commitment.status = locked.status
            commitment.status_on = locked.status_on
            commitment.status_precision = locked.status_precision
            commitment.contested = locked.contested
            commitment.last_recorded_at = locked.last_recorded_at
            commitment.last_effective_on = locked.last_effective_on
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return update


def evidence_attach(*, commitment, item, added_by, status_update=None, _written=None, is_demo=False):
    """Attach one evidence item. Call inside a transaction; records written file names in `_written`."""
    if not item.title.strip():
        raise ValidationError({"title": _("Give the evidence a title.")})
    if not item.file and not item.url:
        raise ValidationError(_("Evidence needs a file or a link."))
    if item.sensitivity == Sensitivity.RESTRICTED and not item.restricted_to:
        raise ValidationError({"restricted_to": _("Name at least one person who may see restricted evidence.")})
    evidence = Evidence(
        commitment=commitment,
        status_update=status_update,
        title=item.title.strip(),
        url=item.url,
        original_filename=item.original_filename,
        content_type=item.content_type,
        location_metadata=item.location_metadata,
        evidence_on=item.evidence_on,
        evidence_precision=item.evidence_precision or (Precision.DAY if item.evidence_on else ""),
        source_organisation=item.source_organisation,
        added_by=added_by,
        sensitivity=item.sensitivity,
        personal_data=item.personal_data,
        is_demo=is_demo,
    )
    if item.file:
        evidence.sha256 = item.sha256 or _sha256_of(item.file)
        evidence.size = item.file.size
        evidence.file.save("upload", item.file, save=False)
        if _written is not None:
            _written.append(evidence.file.name)
    evidence.full_clean(exclude=["commitment", "status_update", "source_organisation", "added_by", "file"])
    evidence.save()
    if item.restricted_to:
        evidence.restricted_to.set(item.restricted_to)
    return evidence


def status_update_verify(*, update, reviewer):
    """Mark an update verified. Nobody verifies their own."""
    from .access import can_verify

    if not can_verify(reviewer, update):
        raise ValidationError(_("You cannot verify this update."))
    StatusUpdate.objects.filter(pk=update.pk, verified_at__isnull=True).update(
        verified_by=reviewer, verified_at=timezone.now()
    )
    update.refresh_from_db(fields=["verified_by", "verified_at"])
    return update


def evidence_verify(*, evidence, reviewer):
    from .access import can_verify

    if not can_verify(reviewer, evidence):
        raise ValidationError(_("You cannot verify this evidence."))
    Evidence.objects.filter(pk=evidence.pk, verified_at__isnull=True).update(
        verified_by=reviewer, verified_at=timezone.now()
    )
    evidence.refresh_from_db(fields=["verified_by", "verified_at"])
    return evidence


def would_create_cycle(source, target):
    """True if `target` already contributes (directly or not) to `source`."""
    if source.pk == target.pk:
        return True
    seen = {target.pk}
    frontier = [target.pk]
    while frontier:
        frontier = [
            pk
            for pk in CommitmentLink.objects.filter(source_id__in=frontier).values_list("target_id", flat=True)
            if pk not in seen
        ]
        if source.pk in frontier:
            return True
        seen.update(frontier)
    return False


def commitment_link_add(*, source, target, note=""):
    """`source` contributes to `target`. Contribution links form no cycles."""
    with transaction.atomic():
        if would_create_cycle(source, target):
            raise ValidationError(
                _("%(source)s cannot contribute to %(target)s: %(target)s already contributes to it.")
                % {"source": source.reference, "target": target.reference}
            )
        link, _created = CommitmentLink.objects.get_or_create(source=source, target=target, defaults={"note": note})
    return link


def commitment_save(*, commitment):
    """Save a commitment (admin, import, seed); keeps the trend summary right if its jurisdiction moved."""
    with transaction.atomic(), derived.counts_follow([commitment]):
        old_jurisdiction_id = None
        if commitment.pk:
            old_jurisdiction_id = (
                Commitment.objects.filter(pk=commitment.pk).values_list("jurisdiction_id", flat=True).first()
            )
        commitment.full_clean(exclude=["sources", "themes"])
        commitment.save()
        if old_jurisdiction_id and old_jurisdiction_id != commitment.jurisdiction_id:
            derived.move_jurisdiction(commitment, old_jurisdiction_id)
    return commitment


def commitment_themes_set(*, commitment, themes):
    """Set a commitment's themes (ids or Theme objects); keeps the theme counts right."""
    with transaction.atomic(), derived.counts_follow([commitment]):
        commitment.themes.set(themes)


def commitment_delete(*, commitment):
    """Delete a commitment (one with no history: updates protect it); its counts go with it."""
    with transaction.atomic(), derived.counts_follow([commitment]):
        commitment.delete()


# ---------------------------------------------------------------------------------------
# Data entry: staged files, redaction, users
# ---------------------------------------------------------------------------------------


def staged_upload_save(*, user, checked):
    """Keep a file accepted in a rejected submission, so a slow connection need not send it again."""
    from .models import StagedUpload

    staged = StagedUpload(
        user=user,
        original_filename=checked.original_filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        location_metadata=checked.location_metadata,
    )
    checked.file.seek(0)
    staged.file.save("upload", checked.file, save=False)
    try:
        staged.save()
    except BaseException:
        default_storage.delete(staged.file.name)
        raise
    return staged


def staged_upload_discard(*, staged):
    name = staged.file.name
    staged.delete()
    if name:
        default_storage.delete(name)


def staged_uploads_purge_expired(*, now=None):
    """Remove staged files older than TRACKER_STAGED_UPLOAD_HOURS. Returns how many."""
    from django.conf import settings

    from .models import StagedUpload

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.TRACKER_STAGED_UPLOAD_HOURS)
    expired = list(StagedUpload.objects.filter(created_at__lt=cutoff))
    for staged in expired:
        staged_upload_discard(staged=staged)
    return len(expired)


def status_update_note_redact(*, update, reason, redacted_by):
    """Purge a note from the update and from every history row of it; leave a tombstone."""
    from .models import Redaction

    if not reason.strip():
        raise ValidationError({"reason": _("Say why the note is redacted.")})
    with transaction.atomic():
        now = timezone.now()
        StatusUpdate.objects.filter(pk=update.pk).update(note="", redacted_at=now, redacted_by=redacted_by)
        StatusUpdate.history.filter(id=update.pk).update(note="")
        redaction = Redaction.objects.create(
            target=Redaction.Target.NOTE, status_update=update, reason=reason.strip(), redacted_by=redacted_by,
            redacted_at=now,
        )
    update.refresh_from_db()
    return redaction


def evidence_file_redact(*, evidence, reason, redacted_by):
    """Purge an evidence file (every stored copy of the same content) from the record, its history and storage."""
    from .models import Redaction, StagedUpload

    if not reason.strip():
        raise ValidationError({"reason": _("Say why the file is redacted.")})
    to_delete = []
    with transaction.atomic():
        now = timezone.now()
        copies = [evidence]
        if evidence.sha256:
            copies = list(Evidence.objects.select_for_update().filter(sha256=evidence.sha256, redacted_at__isnull=True))
            if evidence not in copies:
                copies.append(evidence)
        redactions = []
        for item in copies:
            to_delete.extend(
                name for name in Evidence.history.filter(id=item.pk).values_list("file", flat=True).distinct() if name
            )
            if item.file:
                to_delete.append(item.file.name)
            Evidence.objects.filter(pk=item.pk).update(
                file="", original_filename="", sha256="", size=None, content_type="", url="",
                redacted_at=now, redacted_by=redacted_by,
            )
            Evidence.history.filter(id=item.pk).update(file="", original_filename="", sha256="", size=None, url="")
            redactions.append(
                Redaction.objects.create(
                    target=Redaction.Target.EVIDENCE, evidence=item, reason=reason.strip(), redacted_by=redacted_by,
                    redacted_at=now,
                )
            )
        if evidence.sha256:
            for staged in StagedUpload.objects.filter(sha256=evidence.sha256):
                to_delete.append(staged.file.name)
                staged.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in set(to_delete)])
    evidence.refresh_from_db()
    return redactions


def tracker_user_save(*, username, role, read=(), write=(), email="", password=None):
    """Create or update a user with one role and the jurisdictions they may read and write.

    `read` and `write` are jurisdiction codes; write implies read. Returns (user, created).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from . import access
    from .models import Jurisdiction

    if role not in access.ROLES:
        raise ValidationError({"role": _("Unknown role %(role)s: choose one of %(roles)s.") % {
            "role": role, "roles": ", ".join(access.ROLES)}})
    codes = set(read) | set(write)
    found = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise ValidationError({"jurisdictions": _("Unknown jurisdiction code(s): %(codes)s.") % {
            "codes": ", ".join(missing)}})
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if email:
            user.email = email
        user.is_staff = role == access.ADMINISTRATOR
        if password is not None:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password, user)
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=access.ROLES))
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        profile = access.profile_for(user)
        profile.read_jurisdictions.set([found[c] for c in codes])
        profile.write_jurisdictions.set([found[c] for c in set(write)])
    return user, created
