"""Recommendations: add one, its similar ones and clusters, and the treaty-body follow-up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access, overlaps
from ..forms import (
    FollowUpAssessmentForm,
    FollowUpPriorityForm,
    FollowUpReplyForm,
    RecommendationAddForm,
    RecommendationGroupForm,
)
from ..models import Commitment, Mechanism, Recommendation, Review
from ..services import history
from ..services import recommendations as services


def _recommendation(request, pk):
    """The recommendation of a commitment the user may read, or 404."""
    commitment = get_object_or_404(
        Commitment.objects.visible_to(request.user).select_related(
            "instrument", "jurisdiction", "recommendation__mechanism__organisation"
        ),
        pk=pk,
        recommendation__isnull=False,
    )
    return commitment, commitment.recommendation


@login_required
def recommendation_add(request):
    """Type in one recommendation, concern or ILO comment; similar recorded ones are shown once it is saved."""
    if not access.may_add_recommendation(request.user):
        raise PermissionDenied
    form = RecommendationAddForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commitment = services.recommendation_add(
                user=request.user,
                mechanism=data["mechanism"],
                instrument=data["instrument"],
                jurisdiction=data["jurisdiction"],
                reference=data["reference"],
                text=data["text"],
                kind=data["kind"],
                review=data["review"],
                document_symbol=data["document_symbol"],
                paragraph=data["paragraph"],
                position=data["position"],
                position_source=data["position_source"],
                themes=data["themes"],
                sdg_targets=form.split("sdg_targets"),
                affected_groups=form.split("affected_groups"),
                upr_session=data["upr_session"],
                recommending_states=data["recommending_states"],
                normlex_ref=data["normlex_ref"],
                ilo_year=data["ilo_year"],
                ilo_session=data["ilo_session"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Recommendation %(reference)s recorded.") % {"reference": commitment.reference})
            return redirect("commitments:recommendation_similar", pk=commitment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "commitments/recommendation_add.html", {"form": form}, status=status)


@login_required
def recommendation_similar(request, pk):
    """Recorded recommendations with similar text, to group with this one in a cluster that shares actions."""
    commitment, recommendation = _recommendation(request, pk)
    matches = overlaps.similar_recommendations(user=request.user, commitment=commitment)
    can_group = access.can_write_commitment(request.user, commitment)
    candidates = Commitment.objects.visible_to(request.user).filter(pk__in=[m.pk for m in matches])
    form = RecommendationGroupForm(request.POST or None, candidates=candidates) if can_group else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            members = [commitment, *form.cleaned_data["members"]]
            if not all(access.can_write_commitment(request.user, member) for member in members):
                raise PermissionDenied
            cluster = services.cluster_group(
                recommendations=Recommendation.objects.filter(pk__in=[m.pk for m in members]),
                user=request.user,
                name=form.cleaned_data["name"],
            )
            messages.success(request, _("Grouped in the cluster “%(name)s”.") % {"name": cluster.name})
            return redirect("commitments:detail", pk=commitment.pk)
    cluster_members = []
    if recommendation.cluster_id:
        cluster_members = list(
            Commitment.objects.visible_to(request.user)
            .filter(recommendation__cluster_id=recommendation.cluster_id)
            .exclude(pk=commitment.pk)
            .select_related("instrument")
        )
    context = {
        "commitment": commitment,
        "recommendation": recommendation,
        "matches": matches,
        "form": form,
        "cluster_members": cluster_members,
        "threshold": overlaps.SIMILARITY_MIN,
    }
    return render(
        request, "commitments/recommendation_similar.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def recommendation_cluster_leave(request, pk):
    commitment, recommendation = _recommendation(request, pk)
    if not access.can_write_commitment(request.user, commitment):
        raise PermissionDenied
    services.cluster_leave(recommendation=recommendation)
    messages.success(request, _("Taken out of its cluster."))
    return redirect("commitments:detail", pk=commitment.pk)


@login_required
@require_POST
def review_follow_up_set(request, pk):
    """Mark the priority recommendations of a treaty-body review and the follow-up reply's due date."""
    review = get_object_or_404(Review.objects.select_related("instrument"), pk=pk)
    if not access.may_add_recommendation(request.user):
        raise PermissionDenied
    recommendations = Commitment.objects.writable_by(request.user).filter(
        review=review, recommendation__mechanism__kind=Mechanism.Kind.TREATY_BODY
    )
    form = FollowUpPriorityForm(request.POST, recommendations=recommendations)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("commitments:review", pk=review.pk)
    try:
        services.follow_up_priority_set(
            user=request.user,
            recommendations=Recommendation.objects.filter(
                pk__in=[c.pk for c in form.cleaned_data["recommendations"]]
            ).select_related("commitment", "mechanism"),
            due_on=form.cleaned_data["due_on"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Priority recommendations recorded; the follow-up reply is in the calendar."))
    return redirect("commitments:review", pk=review.pk)


@login_required
@require_POST
def follow_up_reply(request, pk):
    commitment, recommendation = _recommendation(request, pk)
    if not access.can_write_commitment(request.user, commitment):
        raise PermissionDenied
    form = FollowUpReplyForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_reply_record(
                user=request.user, recommendation=recommendation, replied_on=form.cleaned_data["replied_on"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The follow-up reply is recorded as sent."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("commitments:detail", pk=commitment.pk)


@login_required
@require_POST
def follow_up_assessment(request, pk):
    """Record the treaty body's A–E assessment of the follow-up, in the body's own name."""
    commitment, recommendation = _recommendation(request, pk)
    if not access.can_write_commitment(request.user, commitment):
        raise PermissionDenied
    form = FollowUpAssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        evidence = []
        if data["url"]:
            evidence.append(
                history.EvidenceItem(
                    title=_("Follow-up assessment of %(body)s") % {"body": recommendation.mechanism.organisation},
                    url=data["url"],
                    evidence_on=data["effective_on"],
                    source_organisation=recommendation.mechanism.organisation,
                )
            )
        try:
            services.follow_up_assessment_record(
                commitment=commitment,
                grade=data["follow_up_grade"],
                status=data["status"],
                effective_on=data["effective_on"],
                recorded_by=request.user,
                note=data["note"],
                evidence=evidence,
                claim_document_check=True,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The assessment is recorded as %(body)s's view.") % {"body": recommendation.mechanism.organisation},
            )
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    return redirect("commitments:detail", pk=commitment.pk)
