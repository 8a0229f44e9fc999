"""The reporting calendar, its iCalendar feed, reviews and their recommendations, and "my settings"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .. import calendar, reminders, reviews
from ..models import Commitment, Profile, Review


@login_required
def calendar_page(request):
    """Overdue and upcoming reports and commitment deadlines, filtered like the list."""
    today = timezone.localdate()
    form = calendar.DeadlineFilter(request.GET or None)
    items = calendar.deadlines(request.user, form.criteria(), today)
    profile = Profile.objects.filter(user=request.user).only("calendar_token").first()
    token = profile.calendar_token if profile else None
    feed_url = None
    if token:
        feed_url = calendar.absolute_url(calendar.feed_path(token, form.query_string()))
    context = {
        "form": form,
        "today": today,
        "overdue": [{"d": d, "days": -d.days_left(today)} for d in items if d.is_overdue(today)],
        "upcoming": [{"d": d, "days": d.days_left(today)} for d in items if not d.is_overdue(today)],
        "feed_url": feed_url,
    }
    return render(request, "commitments/calendar.html", context)


@require_safe
@never_cache
def calendar_feed(request, token):
    """The iCalendar feed of one user, with the page's filters. The token stands in for a session."""
    user = calendar.user_for_calendar_token(token)
    if user is None:
        raise Http404
    form = calendar.DeadlineFilter(request.GET or None)
    items = calendar.deadlines(user, form.criteria())
    response = HttpResponse(calendar.ics_calendar(items), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def my_settings(request):
    """Turn email reminders on or off; create, replace or revoke the calendar feed token."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reminders":
            enabled = request.POST.get("reminders_enabled") == "on"
            reminders.reminders_set(user=user, enabled=enabled)
            messages.success(request, _("Email reminders are on.") if enabled else _("Email reminders are off."))
        elif action == "token_create":
            calendar.calendar_token_create(user=user)
            messages.success(request, _("A new calendar address was made; any previous one no longer works."))
        elif action == "token_revoke":
            calendar.calendar_token_revoke(user=user)
            messages.success(request, _("The calendar address was revoked."))
        else:
            return HttpResponse(status=400)
        return redirect("commitments:my_settings")
    profile = calendar.profile_for(user)
    feed_url = None
    if profile.calendar_token:
        feed_url = calendar.absolute_url(calendar.feed_path(profile.calendar_token))
    return render(request, "commitments/my_settings.html", {"profile": profile, "feed_url": feed_url})


@login_required
def review_detail(request, pk):
    """A review and the recommendations received in it that the user may read."""
    review = get_object_or_404(Review.objects.select_related("instrument", "instrument__monitoring_body"), pk=pk)
    can_add = reviews.can_add_recommendation(request.user)
    return _review_page(request, review, reviews.RecommendationForm(user=request.user, review=review) if can_add else None)


def _review_page(request, review, form, status=200):
    recommendations = (
        Commitment.objects.visible_to(request.user)
        .filter(review=review)
        .select_related("jurisdiction")
        .order_by("recommendation_ref", "reference")
    )
    context = {
        "review": review,
        "instrument": review.instrument,
        "recommendations": recommendations,
        "sources": review.sources.all(),
        "form": form,
    }
    return render(request, "commitments/review_detail.html", context, status=status)


@login_required
@require_POST
def review_recommendation_add(request, pk):
    review = get_object_or_404(Review.objects.select_related("instrument"), pk=pk)
    if not reviews.can_add_recommendation(request.user):
        raise PermissionDenied
    form = reviews.RecommendationForm(request.POST, user=request.user, review=review)
    if form.is_valid():
        try:
            commitment = reviews.review_recommendation_add(review=review, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Recommendation %(reference)s recorded.") % {"reference": commitment.reference}
            )
            return redirect("commitments:review", pk=review.pk)
    return _review_page(request, review, form, status=400)
