"""Civil-society submissions: sent by anyone on a published commitment, moderated by a reviewer of its
jurisdiction (access.may_moderate_submission), who accepts one as a status update attributed to the
submitting organisation, asks for more, or rejects it. Nothing submitted is public."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import access
from ..choices import Precision, Sensitivity
from ..models import AuditEntry, Organisation, Submission, SubmissionFile
from .audit import audit_entry_add
from .history import EvidenceItem, status_update_record
from .reference import reference_save

Action = AuditEntry.Action
Subject = AuditEntry.Subject

RATE_WINDOW_SECONDS = 3600


def _label(submission):
    # Never the sender's words or address: the audit trail names the submission by its commitment and number.
    return (
        f"{submission.commitment.instrument.code} {submission.commitment.reference}, {_('submission')} #{submission.pk}"
    )


def submission_rate_check(*, ip_address):
    """Count one submission from `ip_address`; refused past TRACKER_SUBMISSIONS_PER_HOUR in the hour."""
    key = f"tracker:submissions:{ip_address or 'unknown'}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        sent = 1
    if sent > settings.TRACKER_SUBMISSIONS_PER_HOUR:
        raise ValidationError(
            _("Too many submissions were sent from your connection in the last hour. Please try again later."),
            code="rate_limited",
        )


def submission_send(
    *,
    commitment,
    statement,
    organisation_name="",
    contact_email="",
    links=(),
    files=(),
    consent_to_attribution=False,
    ip_address=None,
):
    """Receive a submission on a published commitment (files already checked by files.check_upload), all or nothing."""
    if not commitment.is_published():
        raise ValidationError(_("Submissions are open on published commitments only."), code="not_published")
    if len(files) > settings.TRACKER_SUBMISSION_MAX_FILES:
        raise ValidationError(
            _("Send at most %(count)d files.") % {"count": settings.TRACKER_SUBMISSION_MAX_FILES}, code="files"
        )
    submission = Submission(
        commitment=commitment,
        statement=statement.strip(),
        organisation_name=organisation_name.strip(),
        contact_email=contact_email.strip(),
        links=list(links),
        consent_to_attribution=consent_to_attribution,
    )
    submission.full_clean(exclude=["commitment"])
    submission_rate_check(ip_address=ip_address)
    written = []
    try:
        with transaction.atomic():
            submission.save()
            for checked in files:
                kept = SubmissionFile(
                    submission=submission,
                    original_filename=checked.original_filename,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                    location_metadata=checked.location_metadata,
                )
                checked.file.seek(0)
                kept.file.save("upload", checked.file, save=False)
                written.append(kept.file.name)
                kept.save()
            audit_entry_add(
                action=Action.CREATED,
                subject=Subject.SUBMISSION,
                label=_label(submission),
                object_id=submission.pk,
                commitment=commitment,
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return submission


def _moderate(submission, reviewer):
    """The submission, locked, if `reviewer` may moderate it and it is still open."""
    if not access.may_moderate_submission(reviewer, submission):
        raise ValidationError(_("You cannot moderate this submission."), code="forbidden")
    locked = Submission.objects.select_for_update().select_related("commitment__instrument").get(pk=submission.pk)
    if locked.state not in (Submission.State.RECEIVED, Submission.State.MORE_ASKED):
        raise ValidationError(_("This submission was already moderated."), code="moderated")
    return locked


def _tell_sender(submission, subject, body):
    if submission.contact_email:
        address = submission.contact_email
        transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))


def organisation_for_submission(*, name, actor):
    """The organisation of that name (by name or short name), or a new civil-society organisation, audited."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"organisation_name": _("Name the organisation that says so.")})
    found = (
        Organisation.objects.filter(name__iexact=name).first()
        or Organisation.objects.filter(short_name__iexact=name).first()
    )
    if found is not None:
        return found
    base = slugify(name)[:50] or "organisation"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    organisation = Organisation(name=name[:200], slug=slug, kind=Organisation.Kind.CIVIL_SOCIETY)
    reference_save(record=organisation, actor=actor)
    return organisation


def submission_accept(
    *,
    submission,
    reviewer,
    status,
    effective_on,
    effective_precision=Precision.DAY,
    organisation=None,
    organisation_name="",
    sensitivity=Sensitivity.INTERNAL,
    message="",
    notify=False,
):
    """Accept a submission as a status update: who says so is the submitting organisation (an existing one,
    or one created from the name the reviewer confirms), recorded by the reviewer. All or nothing."""
    if sensitivity == Sensitivity.RESTRICTED:
        raise ValidationError({"sensitivity": _("A submission is accepted as a public or an internal update.")})
    with transaction.atomic():
        locked = _moderate(submission, reviewer)
        if not locked.consent_to_attribution:
            raise ValidationError(
                _("The sender did not agree to be named as the source: ask for more, or reject the submission."),
                code="no_consent",
            )
        if organisation is None:
            organisation = organisation_for_submission(
                name=organisation_name or locked.organisation_name, actor=reviewer
            )
        evidence = [
            EvidenceItem(title=link[:300], url=link, source_organisation=organisation, sensitivity=sensitivity)
            for link in locked.links
        ]
        handles = []
        try:
            for kept in locked.files.all():
                handle = kept.file.open("rb")
                handles.append(handle)
                evidence.append(
                    EvidenceItem(
                        title=kept.original_filename[:300],
                        file=File(handle, name=kept.original_filename),
                        original_filename=kept.original_filename,
                        content_type=kept.content_type,
                        sha256=kept.sha256,
                        location_metadata=kept.location_metadata,
                        source_organisation=organisation,
                        sensitivity=sensitivity,
                    )
                )
            update = status_update_record(
                commitment=locked.commitment,
                status=status,
                effective_on=effective_on,
                effective_precision=effective_precision,
                assessor=organisation,
                recorded_by=reviewer,
                note=locked.statement,
                evidence=evidence,
                sensitivity=sensitivity,
                submission_key=uuid.uuid5(uuid.NAMESPACE_URL, f"tracker-submission-{locked.pk}"),
            )
        finally:
            for handle in handles:
                handle.close()
        locked.state = Submission.State.ACCEPTED
        locked.status_update = update
        locked.organisation = organisation
        locked.moderated_by = reviewer
        locked.moderated_at = timezone.now()
        locked.moderator_message = message.strip()
        locked.full_clean(exclude=["commitment", "status_update", "organisation", "moderated_by"])
        locked.save()
        audit_entry_add(
            action=Action.ACCEPTED,
            subject=Subject.SUBMISSION,
            actor=reviewer,
            label=_label(locked),
            object_id=locked.pk,
            commitment=locked.commitment,
            status_update=update,
        )
        if notify:
            _tell_sender(
                locked,
                _("Your submission was accepted"),
                _("Thank you. Your submission on %(commitment)s was accepted into the record.\n\n%(message)s")
                % {"commitment": locked.commitment, "message": locked.moderator_message},
            )
    return locked


def _close(*, submission, reviewer, message, notify, state, action, subject_line, body):
    with transaction.atomic():
        locked = _moderate(submission, reviewer)
        locked.state = state
        locked.moderated_by = reviewer
        locked.moderated_at = timezone.now()
        locked.moderator_message = message.strip()
        locked.save(update_fields=["state", "moderated_by", "moderated_at", "moderator_message"])
        audit_entry_add(
            action=action,
            subject=Subject.SUBMISSION,
            actor=reviewer,
            label=_label(locked),
            object_id=locked.pk,
            commitment=locked.commitment,
        )
        if notify:
            _tell_sender(
                locked, subject_line, body % {"commitment": locked.commitment, "message": locked.moderator_message}
            )
    return locked


def submission_ask_more(*, submission, reviewer, message, notify=False):
    """Ask the sender for more (the submission stays open)."""
    if not message.strip():
        raise ValidationError({"message": _("Say what more you need from the sender.")})
    return _close(
        submission=submission,
        reviewer=reviewer,
        message=message,
        notify=notify,
        state=Submission.State.MORE_ASKED,
        action=Action.ASKED,
        subject_line=_("More information needed about your submission"),
        body=_("Thank you for your submission on %(commitment)s. We need more information:\n\n%(message)s"),
    )


def submission_reject(*, submission, reviewer, message="", notify=False):
    """Reject a submission; nothing of it enters the record."""
    return _close(
        submission=submission,
        reviewer=reviewer,
        message=message,
        notify=notify,
        state=Submission.State.REJECTED,
        action=Action.REJECTED,
        subject_line=_("Your submission was not accepted"),
        body=_("Thank you for your submission on %(commitment)s. It was not accepted into the record.\n\n%(message)s"),
    )
