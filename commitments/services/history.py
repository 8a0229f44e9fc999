"""Writes to the status history: record an update (with its evidence), attach evidence,
verify, redact. All or nothing; the derived data follows in the same transaction."""

import dataclasses
import datetime
import uuid

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access, derived
from ..choices import Precision, Sensitivity
from ..dates import takes_effect_on
from ..models import Commitment, Evidence, Redaction, StagedUpload, StatusUpdate
from ..querysets import readers_of_jurisdiction
from .audit import Action, Subject, audit_entry_add, change
from .people import profile_for
from .publishing import is_public_material, public_data_changed, public_history_changed
from .uploads import sha256_of


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


def restricted_audience(*, sensitivity, restricted_to, recorded_by):
    """Who may see a restricted entry: the people named, and whoever records it, who must still see it."""
    if sensitivity != Sensitivity.RESTRICTED:
        return []
    people = list(restricted_to)
    if recorded_by not in people:
        people.append(recorded_by)
    return people


def instrument_date(instrument):
    """When the instrument came to exist: its signature or adoption, whichever is earlier."""
    known = [d for d in (instrument.signed_on, instrument.bound_on) if d is not None]
    return min(known) if known else None


def earliest_allowed_date(commitment):
    """The earliest date the commitment's history may carry: its own history start, else its instrument's date.

    A commitment to develop a plan has preparatory steps before the plan exists; its own
    earliest date (Commitment.history_starts_on, set with a reason) lets them be recorded.
    """
    if commitment.history_starts_on is not None:
        return commitment.history_starts_on
    return instrument_date(commitment.instrument)


def _check_effective_date(commitment, effective_on, precision, today):
    errors = {}
    if effective_on > today:
        errors["effective_on"] = _("The effective date cannot be in the future.")
    earliest = earliest_allowed_date(commitment)
    # A year-only date is allowed if any day of that year is on or after the earliest date.
    if earliest is not None and takes_effect_on(effective_on, precision) < earliest:
        if commitment.history_starts_on is not None:
            message = _("The effective date is before this commitment's history starts (%(date)s).")
        else:
            message = _(
                "The effective date is before %(instrument)s existed (%(date)s). If this is a preparatory "
                "step, set the commitment's own history start, with a reason."
            )
        errors["effective_on"] = message % {"instrument": commitment.instrument.code, "date": earliest.isoformat()}
    if errors:
        raise ValidationError(errors)


def claim_document_required(*, recorded_by, assessor, according_to=None, evidence=()):
    """Refuse a view recorded in another organisation's name without the document that carries it.

    A person records directly for their own organisation and those on their profile
    (access.may_record_for); for any other, a Source, a file or a link must be given. Records
    no person enters (the seed) are attributed by their own sources.
    """
    if recorded_by is None or according_to is not None or any(evidence):
        return
    if access.may_record_for(recorded_by, assessor):
        return
    raise ValidationError(
        {
            "according_to": _(
                "You are recording the view of %(who)s, not of your own organisation: name the document "
                "that carries it (a source, or a file or link as evidence)."
            )
            % {"who": assessor}
        }
    )


def status_update_record(
    *,
    commitment,
    status,
    effective_on,
    assessor,
    recorded_by,
    effective_precision=Precision.DAY,
    note="",
    according_to=None,
    evidence=(),
    claim_document_check=False,
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
    Files written to storage are removed again if anything fails. Where a person enters the
    update (the form, the API, the import, a correction) claim_document_check=True applies
    claim_document_required().
    """
    today = today or timezone.localdate()
    if corrects is not None and corrects.commitment_id != commitment.pk:
        raise ValidationError({"corrects": _("A correction must be about the same commitment.")})
    if submission_key is not None:
        existing = StatusUpdate.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return _same_submission(existing, recorded_by)
    _check_effective_date(commitment, effective_on, effective_precision, today)
    if corrects is not None and assessor.pk == corrects.assessor_id:
        # The same source's claim, put right: the corrected entry's document still carries it.
        according_to = according_to or corrects.according_to
    elif claim_document_check:
        claim_document_required(
            recorded_by=recorded_by, assessor=assessor, according_to=according_to, evidence=evidence
        )
    if sensitivity == Sensitivity.RESTRICTED and not restricted_to:
        raise ValidationError({"restricted_to": _("Name at least one person who may see a restricted update.")})

    update = StatusUpdate(
        commitment=commitment,
        status=status,
        effective_on=effective_on,
        effective_precision=effective_precision,
        takes_effect_on=takes_effect_on(effective_on, effective_precision),
        note=note,
        assessor=assessor,
        according_to=according_to,
        recorder_organisation=profile_for(recorded_by).organisation if recorded_by is not None else None,
        follow_up_grade=follow_up_grade,
        recorded_by=recorded_by,
        recorded_at=recorded_at or timezone.now(),
        corrects=corrects,
        sensitivity=sensitivity,
        personal_data=personal_data,
        submission_key=submission_key or uuid.uuid4(),
        is_demo=is_demo,
    )
    update.full_clean(
        exclude=["commitment", "assessor", "recorded_by", "corrects", "according_to", "recorder_organisation"]
    )

    written = []
    try:
        with transaction.atomic():
            # Serialise writers of one commitment so the derived data is computed on a stable history.
            locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
            previous = derived.current_timeline(locked.pk)
            corrected_was_public = is_public_material(corrects)
            try:
                with transaction.atomic():
                    update.save()
            except IntegrityError:
                # A concurrent post of the same form won the race.
                existing = StatusUpdate.objects.filter(submission_key=update.submission_key).first()
                if existing is not None:
                    return _same_submission(existing, recorded_by)
                raise
            if restricted_to:
                update.restricted_to.set(restricted_to)
            for item in evidence:
                evidence_attach(
                    commitment=locked,
                    status_update=update,
                    item=item,
                    added_by=recorded_by,
                    _written=written,
                    is_demo=is_demo,
                )
            derived.refresh(locked, previous)
            public_history_changed(commitment=locked, public_touched=corrected_was_public or is_public_material(update))
            for field in (*derived.DERIVED_FIELDS, *derived.PUBLIC_FIELDS):
                setattr(commitment, field, getattr(locked, field))
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return update


def status_update_correct(
    *,
    original,
    status,
    effective_on,
    effective_precision,
    assessor,
    note,
    corrected_by,
    according_to=None,
    evidence=(),
    submission_key=None,
    today=None,
):
    """Correct an entry: a new update that supersedes it (the original stays in the history).

    Who may correct is access.may_correct(); an entry already corrected is corrected through its
    latest correction. The correction keeps the original's audience; it is in the audit trail.
    """
    if submission_key is not None:
        existing = StatusUpdate.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return _same_submission(existing, corrected_by)
    if not access.may_correct(corrected_by, original):
        raise ValidationError(_("You may correct only your own entries, unless you review this jurisdiction."))
    if not note.strip():
        raise ValidationError({"note": _("Say what was wrong and what is right.")})
    with transaction.atomic():
        # Lock the entry so that two people correcting it at once make one correction, not two.
        StatusUpdate.objects.select_for_update().filter(pk=original.pk).first()
        latest = original.corrections.order_by("-recorded_at", "-id").first()
        if latest is not None:
            raise ValidationError(
                _("This entry was already corrected (entry #%(pk)d): correct the correction instead.")
                % {"pk": latest.pk}
            )
        correction = status_update_record(
            commitment=original.commitment,
            status=status,
            effective_on=effective_on,
            effective_precision=effective_precision,
            assessor=assessor,
            note=note,
            according_to=according_to,
            evidence=evidence,
            recorded_by=corrected_by,
            claim_document_check=True,
            corrects=original,
            sensitivity=original.sensitivity,
            personal_data=original.personal_data,
            restricted_to=restricted_audience(
                sensitivity=original.sensitivity,
                restricted_to=list(original.restricted_to.all()),
                recorded_by=corrected_by,
            ),
            submission_key=submission_key,
            today=today,
        )
        changes = {}
        for label, before, after in (
            (_("status"), original.get_status_display(), correction.get_status_display()),
            (_("effective date"), original.effective_display, correction.effective_display),
            (_("who says so"), str(original.assessor), str(correction.assessor)),
        ):
            if before != after:
                changes[label] = change(before, after)
        if original.note != correction.note:
            changes[_("note")] = _("changed")
        changes[_("corrected by")] = f"#{correction.pk}"
        audit_entry_add(
            action=Action.CORRECTED,
            subject=Subject.STATUS_UPDATE,
            actor=corrected_by,
            label=_item_label(original),
            object_id=original.pk,
            changes=changes,
            commitment=original.commitment,
            status_update=original,
        )
    return correction


def _same_submission(existing, recorded_by):
    """The update a form posted twice recorded, if the same person posted it; refused otherwise."""
    if existing.recorded_by_id != getattr(recorded_by, "pk", None):
        raise ValidationError(
            {"submission_key": _("This form was already sent by someone else. Open the form again and resend it.")}
        )
    return existing


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
        evidence.sha256 = item.sha256 or sha256_of(item.file)
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
    """Mark an update verified (who and when, in the audit trail). Nobody verifies their own."""
    if not access.can_verify(reviewer, update):
        raise ValidationError(_("You cannot verify this update."))
    with transaction.atomic():
        now = timezone.now()
        if StatusUpdate.objects.filter(pk=update.pk, verified_at__isnull=True).update(
            verified_by=reviewer, verified_at=now
        ):
            audit_entry_add(
                action=Action.VERIFIED,
                subject=Subject.STATUS_UPDATE,
                actor=reviewer,
                label=_item_label(update),
                object_id=update.pk,
                changes={"verified at": now.isoformat(timespec="seconds")},
                commitment=update.commitment,
                status_update=update,
            )
            public_history_changed(commitment=update.commitment, public_touched=is_public_material(update))
    update.refresh_from_db(fields=["verified_by", "verified_at"])
    return update


def evidence_verify(*, evidence, reviewer):
    """Mark evidence verified (who and when, in the audit trail). Nobody verifies their own."""
    if not access.can_verify(reviewer, evidence):
        raise ValidationError(_("You cannot verify this evidence."))
    with transaction.atomic():
        now = timezone.now()
        if Evidence.objects.filter(pk=evidence.pk, verified_at__isnull=True).update(
            verified_by=reviewer, verified_at=now
        ):
            audit_entry_add(
                action=Action.VERIFIED,
                subject=Subject.EVIDENCE,
                actor=reviewer,
                label=_item_label(evidence),
                object_id=evidence.pk,
                changes={"verified at": now.isoformat(timespec="seconds")},
                commitment=evidence.commitment,
                evidence=evidence,
                status_update=evidence.status_update,
            )
    evidence.refresh_from_db(fields=["verified_by", "verified_at"])
    return evidence


def _item_label(item):
    """How the audit trail names an update or evidence: by its commitment and number, never by its content."""
    kind = _("status update") if isinstance(item, StatusUpdate) else _("evidence")
    return f"{item.commitment.instrument.code} {item.commitment.reference}, {kind} #{item.pk}"


def restricted_to_set(*, item, people, actor):
    """Change who may see a restricted update or evidence, without reading it (administrators).

    Everyone named must be able to read the commitment; at least one person stays named.
    """
    if item.sensitivity != Sensitivity.RESTRICTED:
        raise ValidationError(_("Only a restricted item names the people who may see it."))
    people = list(people)
    if not people:
        raise ValidationError({"restricted_to": _("Name at least one person who may see a restricted item.")})
    readers = set(readers_of_jurisdiction(item.commitment.jurisdiction_id).values_list("pk", flat=True))
    outside = sorted(p.get_username() for p in people if p.pk not in readers)
    if outside:
        raise ValidationError(
            {
                "restricted_to": _("%(people)s may not read this commitment, so cannot be named on it.")
                % {"people": ", ".join(outside)}
            }
        )
    with transaction.atomic():
        before = sorted(item.restricted_to.values_list("username", flat=True))
        item.restricted_to.set(people)
        after = sorted(p.get_username() for p in people)
        if before != after:
            audit_entry_add(
                action=Action.NAMED,
                subject=Subject.STATUS_UPDATE if isinstance(item, StatusUpdate) else Subject.EVIDENCE,
                actor=actor,
                label=_item_label(item),
                object_id=item.pk,
                changes={_("visible only to"): change(before, after)},
                commitment=item.commitment,
                status_update=item if isinstance(item, StatusUpdate) else item.status_update,
                evidence=item if isinstance(item, Evidence) else None,
            )
    return item


def status_update_note_redact(*, update, reason, redacted_by):
    """Purge a note from the update and from every history row of it; leave a tombstone."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the note is redacted.")})
    with transaction.atomic():
        now = timezone.now()
        if is_public_material(update):
            public_data_changed()
        StatusUpdate.objects.filter(pk=update.pk).update(note="", redacted_at=now, redacted_by=redacted_by)
        StatusUpdate.history.filter(id=update.pk).update(note="")
        redaction = Redaction.objects.create(
            target=Redaction.Target.NOTE,
            status_update=update,
            reason=reason.strip(),
            redacted_by=redacted_by,
            redacted_at=now,
        )
        audit_entry_add(
            action=Action.REDACTED,
            subject=Subject.STATUS_UPDATE,
            actor=redacted_by,
            label=_item_label(update),
            object_id=update.pk,
            commitment=update.commitment,
            status_update=update,
        )
    update.refresh_from_db()
    return redaction


def evidence_file_redact(*, evidence, reason, redacted_by):
    """Purge an evidence file (every stored copy of the same content) from the record, its history and storage."""
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
        if any(item.sensitivity == Sensitivity.PUBLIC for item in copies):
            public_data_changed()
        for item in copies:
            to_delete.extend(
                name for name in Evidence.history.filter(id=item.pk).values_list("file", flat=True).distinct() if name
            )
            if item.file:
                to_delete.append(item.file.name)
            Evidence.objects.filter(pk=item.pk).update(
                file="",
                original_filename="",
                sha256="",
                size=None,
                content_type="",
                url="",
                redacted_at=now,
                redacted_by=redacted_by,
            )
            Evidence.history.filter(id=item.pk).update(file="", original_filename="", sha256="", size=None, url="")
            redactions.append(
                Redaction.objects.create(
                    target=Redaction.Target.EVIDENCE,
                    evidence=item,
                    reason=reason.strip(),
                    redacted_by=redacted_by,
                    redacted_at=now,
                )
            )
            audit_entry_add(
                action=Action.REDACTED,
                subject=Subject.EVIDENCE,
                actor=redacted_by,
                label=_item_label(item),
                object_id=item.pk,
                commitment=item.commitment,
                status_update=item.status_update,
                evidence=item,
            )
        if evidence.sha256:
            for staged in StagedUpload.objects.filter(sha256=evidence.sha256):
                to_delete.append(staged.file.name)
                staged.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in set(to_delete)])
    evidence.refresh_from_db()
    return redactions
