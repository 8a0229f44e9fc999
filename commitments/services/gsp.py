"""Writes of GSP+ monitoring: raise a scorecard issue, add who raised it, record what a source says of
its state in a cycle (append-only, like a status update), and link the commitments that address it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..dates import takes_effect_on
from ..models import Commitment, GSPRequirement, IssueSource, IssueUpdate, ScorecardIssue


def _check_required(convention, scheme=None):
    requirements = GSPRequirement.objects.filter(instrument=convention)
    if scheme is not None:
        requirements = requirements.filter(scheme=scheme)
    if not requirements.exists():
        raise ValidationError(
            {"convention": _("%(code)s is not a convention the GSP+ scheme requires.") % {"code": convention.code}}
        )


def scorecard_issue_raise(
    *, convention, reference, title, raised_on, raised_precision="day", description="", source=None
):
    """Raise an issue on a GSP+ convention, with who raised it (`source`: IssueSource fields), all or nothing."""
    _check_required(convention)
    issue = ScorecardIssue(
        convention=convention,
        reference=reference.strip(),
        title=title.strip(),
        description=description.strip(),
        raised_on=raised_on,
        raised_precision=raised_precision,
    )
    with transaction.atomic():
        issue.full_clean()
        issue.save()
        if source:
            issue_source_add(issue=issue, **source)
    return issue


def issue_source_add(*, issue, kind, organisation, said_on, said_precision="day", document="", url="", passage=""):
    """Record who raised an issue and where (a UN or ILO body's finding needs its document symbol or NORMLEX reference)."""
    source = IssueSource(
        issue=issue,
        kind=kind,
        organisation=organisation,
        document=document.strip(),
        url=url.strip(),
        said_on=said_on,
        said_precision=said_precision,
        passage=passage.strip(),
    )
    source.full_clean()
    source.save()
    return source


def issue_update_record(
    *,
    issue,
    cycle,
    status,
    effective_on,
    assessor,
    recorded_by,
    kind=IssueUpdate.Kind.FINDING,
    effective_precision="day",
    note="",
    document="",
    url="",
    sensitivity="internal",
    submission_key=None,
    recorded_at=None,
):
    """Record what `assessor` says of the issue's state in `cycle`. The history is append-only.

    The state's reply comes from a government body; the cycle is the issue's scheme's. The same
    submission key records once.
    """
    if submission_key is not None:
        existing = IssueUpdate.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    errors = {}
    if not GSPRequirement.objects.filter(scheme=cycle.scheme_id, instrument=issue.convention_id).exists():
        errors["cycle"] = _("This cycle is of a scheme that does not require %(code)s.") % {
            "code": issue.convention.code
        }
    if kind == IssueUpdate.Kind.REPLY and not assessor.is_government:
        errors["assessor"] = _("The state's reply is given by a government body or legislature.")
    if effective_on > timezone.localdate():
        errors["effective_on"] = _("The date is in the future.")
    if errors:
        raise ValidationError(errors)
    update = IssueUpdate(
        issue=issue,
        cycle=cycle,
        kind=kind,
        status=status,
        effective_on=effective_on,
        effective_precision=effective_precision,
        takes_effect_on=takes_effect_on(effective_on, effective_precision),
        assessor=assessor,
        note=note.strip(),
        document=document.strip(),
        url=url.strip(),
        recorded_by=recorded_by,
        sensitivity=sensitivity,
    )
    if submission_key is not None:
        update.submission_key = submission_key
    if recorded_at is not None:
        update.recorded_at = recorded_at
    with transaction.atomic():
        update.full_clean()
        update.save()
    return update


def issue_commitment_link(*, issue, commitment, user):
    """Link a commitment or recommendation (one the user may read) as addressing the issue."""
    if not Commitment.objects.visible_to(user).filter(pk=commitment.pk).exists():
        raise ValidationError({"commitment": _("No such commitment.")})
    issue.addressed_by.add(commitment)


def issue_commitment_unlink(*, issue, commitment):
    issue.addressed_by.remove(commitment)
