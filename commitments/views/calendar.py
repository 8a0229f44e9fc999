"""The reporting calendar, its iCalendar feed, and "my settings" (reminders, the feed's address,
API tokens)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import access
from ..forms import ApiTokenForm, DeadlineFilter, is_storable_key
from ..ical import ics_calendar
from ..models import ApiToken, Profile, ReminderSchedule
from ..selectors import deadlines
from ..services import people


@login_required
def calendar_page(request):
    """Overdue and upcoming reports and commitment deadlines, filtered like the list."""
    today = timezone.localdate()
    form = DeadlineFilter(request.GET or None)
    items = deadlines.deadlines(request.user, form.criteria(), today)
    token = Profile.objects.filter(user=request.user).values_list("calendar_token", flat=True).first()
    feed_url = None
    if token:
        feed_url = deadlines.absolute_url(deadlines.feed_path(token, form.query_string()), request)
    context = {
        "form": form,
        "today": today,
        "overdue": [{"d": d, "days": -d.days_left(today)} for d in items if d.overdue],
        "upcoming": [{"d": d, "days": d.days_left(today)} for d in items if not d.overdue],
        "feed_url": feed_url,
    }
    return render(request, "commitments/calendar.html", context)


@require_safe
@never_cache
def calendar_feed(request, token):
    """The iCalendar feed of one user, with the page's filters. The token stands in for a session."""
    user = deadlines.user_for_calendar_token(token)
    if user is None:
        raise Http404
    # A calendar app asks with no cookie: the events are in the language on the owner's profile.
    with translation.override(people.person_language(user)):
        form = DeadlineFilter(request.GET or None)
        items = deadlines.deadlines(user, form.criteria())
        response = HttpResponse(ics_calendar(items), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def my_settings(request):
    """Turn email reminders on or off; create, replace or revoke the calendar feed token; make and revoke API tokens."""
    user = request.user
    token_form = ApiTokenForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reminders":
            enabled = request.POST.get("reminders_enabled") == "on"
            schedule = request.POST.get("reminder_schedule") or None
            if schedule is not None and schedule not in ReminderSchedule.values:
                return HttpResponse(status=400)
            people.reminders_set(user=user, enabled=enabled, schedule=schedule)
            if not enabled:
                messages.success(request, _("Email reminders are off."))
            elif schedule == ReminderSchedule.WEEKLY:
                messages.success(request, _("Email reminders are on, as a weekly digest."))
            else:
                messages.success(request, _("Email reminders are on."))
        elif action == "token_create":
            people.calendar_token_create(user=user)
            messages.success(request, _("A new calendar address was made; any previous one no longer works."))
        elif action == "token_revoke":
            people.calendar_token_revoke(user=user)
            messages.success(request, _("The calendar address was revoked."))
        elif action == "api_token_create":
            token_form = ApiTokenForm(request.POST)
            if token_form.is_valid():
                data = token_form.cleaned_data
                try:
                    token, secret = people.api_token_create(
                        user=user, name=data["name"], access_level=data["access"], expires_on=data["expires_on"]
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc)]:
                        token_form.add_error(field if field in token_form.fields else None, errors)
                else:
                    # Shown this once, on this answer; never stored, never sent to a cache.
                    response = _settings_page(request, new_token=(token, secret))
                    add_never_cache_headers(response)
                    return response
            return _settings_page(request, token_form=token_form, status=400)
        elif action == "api_token_revoke":
            token_id = request.POST.get("token", "")
            if not is_storable_key(ApiToken._meta.pk, token_id):
                raise Http404
            token = get_object_or_404(ApiToken, pk=int(token_id), user=user)
            people.api_token_revoke(token=token, revoked_by=user)
            messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        else:
            return HttpResponse(status=400)
        return redirect("commitments:my_settings")
    return _settings_page(request, token_form=token_form)


def _settings_page(request, *, token_form=None, new_token=None, status=200):
    profile = people.profile_for(request.user)
    feed_url = None
    if profile.calendar_token:
        feed_url = deadlines.absolute_url(deadlines.feed_path(profile.calendar_token), request)
    context = {
        "profile": profile,
        "feed_url": feed_url,
        "schedules": ReminderSchedule.choices,
        "token_form": token_form or ApiTokenForm(),
        "may_create_api_token": access.may_create_api_token(request.user),
        "api_tokens": ApiToken.objects.filter(user=request.user),
        "new_token": new_token,
        "now": timezone.now(),
    }
    return render(request, "commitments/my_settings.html", context, status=status)
