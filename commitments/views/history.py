"""The status history outside the admin: record an update with its evidence, verify, redact."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import access
from ..choices import Sensitivity, Status
from ..forms import EVIDENCE_MAX_ITEMS, EvidenceFormSet, RedactionForm, StatusCorrectionForm, StatusUpdateForm
from ..models import Assessment, Commitment, Evidence, StatusUpdate
from ..selectors.history import headline_with
from ..services import history, uploads
from .errors import refused

EVIDENCE_PREFIX = "evidence"


def _writable_commitment(request, pk):
    """404 if the user may not read it; 403 if they may read it but not change it."""
    commitment = get_object_or_404(
        Commitment.objects.visible_to(request.user).select_related("instrument", "jurisdiction"), pk=pk
    )
    if not access.can_write_commitment(request.user, commitment):
        raise PermissionDenied(
            _(
                "You may read this commitment but not change it: you may record updates only in the "
                "jurisdictions you may write, and %(jurisdiction)s is not one of them."
            )
            % {"jurisdiction": commitment.jurisdiction}
        )
    return commitment


def _evidence_items(formset, *, sensitivity, personal_data, restricted_to):
    items = []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.cleaned_data
        source = form.checked or form.staged_upload
        if source is None and not data.get("url"):
            continue
        common = {"sensitivity": sensitivity, "personal_data": personal_data, "restricted_to": restricted_to}
        if form.checked:
            items.append(
                history.EvidenceItem(
                    title=data.get("title") or source.original_filename,
                    file=source.file,
                    original_filename=source.original_filename,
                    content_type=source.content_type,
                    sha256=source.sha256,
                    location_metadata=source.location_metadata,
                    **common,
                )
            )
        elif form.staged_upload:
            with source.file.open("rb") as handle:
                content = ContentFile(handle.read(), name="upload")
            items.append(
                history.EvidenceItem(
                    title=data.get("title") or source.original_filename,
                    file=content,
                    original_filename=source.original_filename,
                    content_type=source.content_type,
                    sha256=source.sha256,
                    location_metadata=source.location_metadata,
                    **common,
                )
            )
        else:
            items.append(history.EvidenceItem(title=data.get("title") or data["url"], url=data["url"], **common))
    return items


def _stage_accepted_files(request, formset):
    """Keep each accepted file of a rejected submission so it need not be sent again."""
    for form in formset.forms:
        if form.checked is not None:
            form.staged_upload = uploads.staged_upload_save(user=request.user, checked=form.checked)
            form.checked = None


def _already_stored_notices(request, update):
    """Say which files were already stored, naming only records the user may read."""
    new = list(update.evidence.exclude(sha256="").values_list("pk", "sha256", "original_filename"))
    if not new:
        return
    hashes = {sha for _pk, sha, _name in new}
    earlier = (
        Evidence.objects.visible_to(request.user)
        .filter(sha256__in=hashes)
        .exclude(pk__in=[pk for pk, _sha, _name in new])
        .select_related("commitment")
        .order_by("added_at")
    )
    seen = {}
    for item in earlier:
        seen.setdefault(item.sha256, []).append(item)
    for _pk, sha, name in new:
        if sha in seen:
            places = ", ".join(f"{e.commitment.reference} ({e.title})" for e in seen[sha][:3])
            messages.info(
                request,
                _("“%(name)s” was already stored, as evidence on %(places)s.") % {"name": name, "places": places},
            )


@login_required
def record_update(request, pk):
    """One form, one submit: a new status, its date and note, and any number of evidence items."""
    commitment = _writable_commitment(request, pk)
    user = request.user
    rows = request.GET.get("rows")
    extra = 3
    if rows is not None:
        # Decimal digits (Urdu ones too); "²" is a digit to str.isdigit() but not a number to int().
        if not (rows.isdecimal() and len(rows) <= 4 and int(rows) > 0):
            return refused(
                request,
                _("“rows” must be a whole number from 1 to %(max)d.") % {"max": EVIDENCE_MAX_ITEMS},
            )
        extra = min(int(rows), EVIDENCE_MAX_ITEMS)
    status_code = 200
    step_down = None
    if request.method == "POST":
        uploads.staged_uploads_purge_expired()
        form = StatusUpdateForm(request.POST, user=user, commitment=commitment)
        formset = EvidenceFormSet(request.POST, request.FILES, prefix=EVIDENCE_PREFIX, form_kwargs={"user": user})
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if form_ok and formset_ok:
            data = form.cleaned_data
            effective_on, precision = data["effective_on"]
            restricted_to = history.restricted_audience(
                sensitivity=data["sensitivity"], restricted_to=data["restricted_to"], recorded_by=user
            )
            step_down = _step_down(commitment, data, effective_on, precision)
            if step_down is not None and not request.POST.get("confirm"):
                # The second screen: the same form, its files kept, asking to confirm the loss.
                _stage_accepted_files(request, formset)
                context = _record_context(commitment, form, formset)
                context["step_down"] = step_down
                return render(request, "commitments/record_update.html", context)
            items = _evidence_items(
                formset,
                sensitivity=data["sensitivity"],
                personal_data=data["personal_data"],
                restricted_to=restricted_to,
            )
            try:
                update = history.status_update_record(
                    commitment=commitment,
                    status=data["status"],
                    effective_on=effective_on,
                    effective_precision=precision,
                    assessor=data["assessor"],
                    according_to=data["according_to"],
                    note=data["note"],
                    recorded_by=user,
                    evidence=items,
                    claim_document_check=True,
                    sensitivity=data["sensitivity"],
                    personal_data=data["personal_data"],
                    restricted_to=restricted_to,
                    submission_key=data["submission_key"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                for f in formset.forms:
                    if f.staged_upload is not None:
                        uploads.staged_upload_discard(staged=f.staged_upload)
                count = update.evidence.count()
                messages.success(
                    request,
                    ngettext(
                        "Update recorded with %(count)d evidence item.",
                        "Update recorded with %(count)d evidence items.",
                        count,
                    )
                    % {"count": count},
                )
                _already_stored_notices(request, update)
                return redirect(commitment)
        _stage_accepted_files(request, formset)
        status_code = 400
    else:
        form = StatusUpdateForm(user=user, commitment=commitment)
        formset = EvidenceFormSet(prefix=EVIDENCE_PREFIX, form_kwargs={"user": user})
        formset.extra = extra
    return render(
        request, "commitments/record_update.html", _record_context(commitment, form, formset), status=status_code
    )


def _form_errors(form, exc):
    """A service's refusal shown on the form, each message beside its field where it has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _step_down(commitment, data, effective_on, precision):
    """(headline now, headline after) when the update would move the headline down; else None."""
    candidate = StatusUpdate(
        commitment=commitment,
        status=data["status"],
        effective_on=effective_on,
        effective_precision=precision,
        assessor=data["assessor"],
        sensitivity=data.get("sensitivity") or Sensitivity.INTERNAL,
    )
    after = headline_with(commitment, candidate)
    if Status.is_step_down(commitment.status, after):
        return Status(commitment.status), Status(after)
    return None


def _record_context(commitment, form, formset):
    return {
        "commitment": commitment,
        "form": form,
        "formset": formset,
        "assessments": Assessment.objects.filter(commitment=commitment).select_related("assessor", "update"),
        "more_rows": min(len(formset.forms) + 3, EVIDENCE_MAX_ITEMS),
        "max_items": EVIDENCE_MAX_ITEMS,
        "main_fields": ("status", "effective_on", "assessor", "according_to", "note"),
    }


@login_required
def correct_update(request, pk):
    """Correct an entry from the commitment's page: a new entry that supersedes it."""
    user = request.user
    original = get_object_or_404(
        StatusUpdate.objects.visible_to(user).select_related("commitment__instrument", "commitment__jurisdiction"),
        pk=pk,
    )
    commitment = original.commitment
    if not access.may_correct(user, original):
        raise PermissionDenied(
            _(
                "You may correct your own entries; reviewers and administrators correct any entry in their jurisdictions."
            )
        )
    latest = original.corrections.order_by("-recorded_at", "-id").first()
    if latest is not None:
        messages.info(request, _("This entry was already corrected: you are correcting its correction."))
        return redirect("commitments:correct_update", latest.pk)
    status_code = 200
    if request.method == "POST":
        form = StatusCorrectionForm(request.POST, user=user, original=original)
        if form.is_valid():
            data = form.cleaned_data
            effective_on, precision = data["effective_on"]
            try:
                history.status_update_correct(
                    original=original,
                    status=data["status"],
                    effective_on=effective_on,
                    effective_precision=precision,
                    assessor=data["assessor"],
                    according_to=data["according_to"],
                    note=data["note"],
                    corrected_by=user,
                    submission_key=data["submission_key"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Correction recorded; the corrected entry stays in the history."))
                return redirect(commitment)
        status_code = 400
    elif request.method in ("GET", "HEAD"):
        form = StatusCorrectionForm(user=user, original=original)
    else:
        raise Http404
    context = {"commitment": commitment, "original": original, "form": form}
    return render(request, "commitments/correct_update.html", context, status=status_code)


def _verifiable(request, queryset, pk):
    item = get_object_or_404(queryset.select_related("commitment"), pk=pk)
    if not access.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers verify updates and evidence."))
    if not access.can_verify(request.user, item):
        raise PermissionDenied(_("Nobody verifies their own entry."))
    return item


@login_required
@require_POST
def update_verify(request, pk):
    update = _verifiable(request, StatusUpdate.objects.visible_to(request.user), pk)
    history.status_update_verify(update=update, reviewer=request.user)
    messages.success(request, _("Update marked as verified."))
    return redirect(update.commitment)


@login_required
@require_POST
def evidence_verify(request, pk):
    evidence = _verifiable(request, Evidence.objects.visible_to(request.user), pk)
    history.evidence_verify(evidence=evidence, reviewer=request.user)
    messages.success(request, _("Evidence marked as verified."))
    return redirect(evidence.commitment)


def _redactable(request, queryset, pk):
    item = get_object_or_404(queryset.select_related("commitment"), pk=pk)
    if not access.may_redact(request.user):
        raise PermissionDenied(_("Only administrators redact."))
    return item


@login_required
def update_redact(request, pk):
    update = _redactable(request, StatusUpdate.objects.visible_to(request.user), pk)
    return _redact(
        request,
        update,
        what=_("the note of this update"),
        service=lambda reason: (
            history.status_update_note_redact(update=update, reason=reason, redacted_by=request.user)
        ),
    )


@login_required
def evidence_redact(request, pk):
    evidence = _redactable(request, Evidence.objects.visible_to(request.user).filter(Q(redacted_at__isnull=True)), pk)
    return _redact(
        request,
        evidence,
        what=_("this evidence file or link (every stored copy)"),
        service=lambda reason: (
            history.evidence_file_redact(evidence=evidence, reason=reason, redacted_by=request.user)
        ),
    )


def _redact(request, item, *, what, service):
    form = RedactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Redacted. A note of who redacted it and when stays on the record."))
            return redirect(item.commitment)
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    return render(request, "commitments/redact.html", {"item": item, "what": what, "form": form})
