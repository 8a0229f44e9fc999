"""Moderating civil-society submissions: the queue of a reviewer's jurisdictions, and each decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import access
from ..forms import SubmissionModerationForm
from ..models import SubmissionFile
from ..selectors.public import moderation_queue
from ..services.submissions import submission_accept, submission_ask_more, submission_reject


@login_required
def queue(request):
    if not access.may_moderate_submissions(request.user):
        raise PermissionDenied(_("Only reviewers moderate submissions."))
    return render(request, "commitments/public/moderation_queue.html", {"submissions": moderation_queue(request.user)})


def _submission(request, pk):
    if not access.may_moderate_submissions(request.user):
        raise PermissionDenied(_("Only reviewers moderate submissions."))
    submission = moderation_queue(request.user).prefetch_related("files").filter(pk=pk).first()
    if submission is None:
        raise Http404
    return submission


@login_required
def decide(request, pk):
    submission = _submission(request, pk)
    initial = {"organisation_name": submission.organisation_name}
    form = SubmissionModerationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == form.Decision.ACCEPT:
                    result = submission_accept(
                        submission=submission,
                        reviewer=request.user,
                        status=data["status"],
                        effective_on=data["effective_on"],
                        organisation=data["organisation"],
                        organisation_name=data["organisation_name"],
                        sensitivity=data["sensitivity"],
                        message=data["message"],
                        notify=data["notify"],
                    )
                    messages.success(request, _("Accepted: the status update is in the commitment's history."))
                    return redirect(result.commitment.get_absolute_url())
                if data["decision"] == form.Decision.ASK:
                    submission_ask_more(
                        submission=submission, reviewer=request.user, message=data["message"], notify=data["notify"]
                    )
                    messages.success(request, _("The submission waits for more from its sender."))
                else:
                    submission_reject(
                        submission=submission, reviewer=request.user, message=data["message"], notify=data["notify"]
                    )
                    messages.success(request, _("The submission was rejected."))
                return redirect("moderation:queue")
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
        status = 400
    return render(
        request,
        "commitments/public/moderation_decide.html",
        {"submission": submission, "form": form},
        status=status,
    )


@login_required
def submission_file(request, pk):
    """A submitted file, to its moderators only, always as a download never rendered by the browser."""
    if not access.may_moderate_submissions(request.user):
        raise PermissionDenied(_("Only reviewers moderate submissions."))
    kept = SubmissionFile.objects.filter(pk=pk, submission__in=moderation_queue(request.user).values("pk")).first()
    if kept is None:
        raise Http404
    response = FileResponse(
        kept.file.open("rb"),
        as_attachment=True,
        filename=kept.original_filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
