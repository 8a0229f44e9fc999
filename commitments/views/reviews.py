"""A review of an instrument and the recommendations received in it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access
from ..forms import FollowUpPriorityForm, RecommendationForm
from ..models import Commitment, Mechanism, Review
from ..services import commitments as commitment_services


@login_required
def review_detail(request, pk):
    """A review and the recommendations received in it that the user may read."""
    review = get_object_or_404(Review.objects.select_related("instrument", "instrument__monitoring_body"), pk=pk)
    can_add = access.may_add_recommendation(request.user)
    return _review_page(request, review, RecommendationForm(user=request.user, review=review) if can_add else None)


def _review_page(request, review, form, status=200):
    recommendations = (
        Commitment.objects.visible_to(request.user)
        .filter(review=review)
        .select_related("jurisdiction", "instrument")
        .annotate(follow_up_due=F("recommendation__follow_up_due_on"))
        .order_by("recommendation_ref", "reference")
    )
    treaty_body = Commitment.objects.writable_by(request.user).filter(
        review=review, recommendation__mechanism__kind=Mechanism.Kind.TREATY_BODY
    )
    follow_up_form = None
    if treaty_body.exists():
        follow_up_form = FollowUpPriorityForm(
            recommendations=treaty_body.order_by("recommendation_ref", "reference"),
            initial={"recommendations": treaty_body.filter(recommendation__follow_up_due_on__isnull=False)},
        )
    context = {
        "review": review,
        "instrument": review.instrument,
        "recommendations": recommendations,
        "follow_up_form": follow_up_form,
        "sources": review.sources.all(),
        "form": form,
    }
    return render(request, "commitments/review_detail.html", context, status=status)


@login_required
@require_POST
def review_recommendation_add(request, pk):
    review = get_object_or_404(Review.objects.select_related("instrument"), pk=pk)
    if not access.may_add_recommendation(request.user):
        raise PermissionDenied
    form = RecommendationForm(request.POST, user=request.user, review=review)
    if form.is_valid():
        try:
            commitment = commitment_services.review_recommendation_add(
                review=review, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Recommendation %(reference)s recorded.") % {"reference": commitment.reference})
            return redirect("commitments:review", pk=review.pk)
    return _review_page(request, review, form, status=400)
