"""GSP+ monitoring: the conventions page, a scorecard issue (raise, sources, state per cycle, what
addresses it) and a biennial cycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access
from ..forms import IssueLinkForm, IssueSourceForm, IssueUpdateForm, ScopeForm, ScorecardIssueForm
from ..models import GSPCycle, IssueUpdate, ScorecardIssue
from ..selectors import gsp as selectors
from ..services import gsp as services


def _add_errors(form, error):
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def gsp_overview(request):
    """The GSP+ conventions by group: ratification, reporting, open scorecard issues, contributing commitments."""
    form = ScopeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "commitments/gsp.html", {"scope_form": form}, status=400)
    scope = form.scope() if request.GET else None
    context = selectors.gsp_overview(request.user, scope=scope)
    context.update(scope_form=form, scope=scope, can_manage=access.may_manage_scorecard(request.user))
    return render(request, "commitments/gsp.html", context)


def _issue_page(request, issue, *, update_form=None, link_form=None, source_form=None, status=200):
    user = request.user
    context = selectors.issue_detail(user, issue)
    if access.may_manage_scorecard(user, issue.convention):
        context.update(
            can_manage=True,
            update_form=update_form or IssueUpdateForm(issue=issue),
            link_form=link_form or IssueLinkForm(user=user),
            source_form=source_form or IssueSourceForm(),
        )
    return render(request, "commitments/gsp_issue.html", context, status=status)


def _issue(pk):
    return get_object_or_404(ScorecardIssue.objects.select_related("convention", "convention__monitoring_body"), pk=pk)


@login_required
def gsp_issue(request, pk):
    return _issue_page(request, _issue(pk))


@login_required
def gsp_issue_add(request):
    """Raise a scorecard issue on a convention, with who raised it."""
    if not access.may_manage_scorecard(request.user):
        raise PermissionDenied
    form = ScorecardIssueForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            arguments = form.service_arguments()
            if not access.may_manage_scorecard(request.user, arguments["convention"]):
                raise PermissionDenied
            try:
                issue = services.scorecard_issue_raise(**arguments)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Issue raised."))
                return redirect(issue)
        return render(request, "commitments/gsp_issue_add.html", {"form": form}, status=400)
    return render(request, "commitments/gsp_issue_add.html", {"form": form})


def _managed_issue(request, pk):
    issue = _issue(pk)
    if not access.may_manage_scorecard(request.user, issue.convention):
        raise PermissionDenied
    return issue


@login_required
@require_POST
def gsp_issue_update(request, pk):
    """Record what a source says of the issue's state in a cycle (or the state's reply)."""
    issue = _managed_issue(request, pk)
    form = IssueUpdateForm(request.POST, issue=issue)
    if form.is_valid():
        try:
            services.issue_update_record(issue=issue, recorded_by=request.user, **form.service_arguments())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect(issue)
    return _issue_page(request, issue, update_form=form, status=400)


@login_required
@require_POST
def gsp_issue_link(request, pk):
    """Link (or unlink) a commitment or recommendation that addresses the issue."""
    issue = _managed_issue(request, pk)
    form = IssueLinkForm(request.POST, user=request.user)
    if form.is_valid():
        commitment = form.cleaned_data["commitment"]
        try:
            if form.cleaned_data["unlink"]:
                services.issue_commitment_unlink(issue=issue, commitment=commitment)
            else:
                services.issue_commitment_link(issue=issue, commitment=commitment, user=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(issue)
    return _issue_page(request, issue, link_form=form, status=400)


@login_required
@require_POST
def gsp_issue_source_add(request, pk):
    """Add who else raised the issue (a UN or ILO body's finding, civil society, the Commission)."""
    issue = _managed_issue(request, pk)
    form = IssueSourceForm(request.POST)
    if form.is_valid():
        try:
            services.issue_source_add(issue=issue, **form.service_arguments())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(issue)
    return _issue_page(request, issue, source_form=form, status=400)


@login_required
def gsp_cycle(request, pk):
    cycle = get_object_or_404(GSPCycle.objects.select_related("scheme", "report"), pk=pk)
    context = selectors.cycle_detail(request.user, cycle)
    context["reply_kind"] = IssueUpdate.Kind.REPLY
    return render(request, "commitments/gsp_cycle.html", context)
