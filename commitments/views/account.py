"""Sign-in with an optional second step (a TOTP code), TOTP enrolment, and the language switcher."""

import base64
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import access, auth
from ..forms import EmailCodeForm, LoginForm, TokenForm
from ..services.people import profile_language, profile_language_set

PENDING_USER = "tracker_2fa_user"
PENDING_BACKEND = "tracker_2fa_backend"
PENDING_SINCE = "tracker_2fa_since"
# A password accepted without its code is forgotten after this many seconds.
PENDING_SECONDS = 5 * 60


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would read anything else without a slash as a view name.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in(response, user):
    """The language a person chose, remembered on their profile, follows them to this browser."""
    language = profile_language(user)
    if language and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_POST
def language_set(request):
    """The language switcher: Django's set_language (a cookie), and for a signed-in person
    their profile too, so the choice follows them to every browser."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        profile_language_set(user=request.user, language=language)
    return response


def _pending_user(request):
    """The user whose password was accepted in this session but whose code is still due."""
    if request.user.is_authenticated:
        return request.user, None
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if user_id is None or time.time() - since > PENDING_SECONDS:
        return None, None
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    return user, request.session.get(PENDING_BACKEND)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def login(request):
    """Step one: user name and password. Users with a second factor then give their code."""
    if request.user.is_authenticated and (request.user.is_verified() or not auth.has_second_factor(request.user)):
        return redirect(_next_url(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if auth.has_second_factor(user):
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_BACKEND] = user.backend
            request.session[PENDING_SINCE] = time.time()
            return redirect(f"{resolve_url('two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
        auth_login(request, user)
        return _signed_in(redirect(_next_url(request)), user)
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@sensitive_post_parameters()
@csrf_protect
@never_cache
def two_factor_verify(request):
    """Step two: the code from the user's authenticator app. Wrong codes slow further tries."""
    user, backend = _pending_user(request)
    if user is None:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE):
                request.session.pop(key, None)
            user.otp_device = device  # django-otp marks the session verified on login
            if request.user.is_authenticated:
                otp_login(request, device)
                request.session.cycle_key()
            else:
                auth_login(request, user, backend=backend)
            return _signed_in(redirect(_next_url(request)), user)
        form.add_error("token", _("That code is not valid. Wait for the next code and try again."))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@never_cache
def two_factor_setup(request):
    """Add an authenticator app: first prove the account is yours (a code sent to its email, or an
    administrator's invitation), then scan the code (or type the key), then confirm with a code from it."""
    confirmed = auth.confirmed_totp_device(request.user)
    if confirmed is not None:
        return render(
            request,
            "registration/two_factor_setup.html",
            {"device": confirmed, "enabled": True, "required": access.needs_two_factor(request.user)},
        )
    if auth.enrolment_invitation_accept(request, request.GET.get("invitation", "")):
        messages.success(request, _("Invitation accepted: add your authenticator app below."))
        return redirect(f"{resolve_url('two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
    if not auth.enrolment_confirmed(request):
        return _enrolment_proof(request)
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": _("Authenticator app")}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(
                request, _("Two-factor sign-in is on. You will be asked for a code each time you sign in.")
            )
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "device": device,
            "enabled": False,
            "form": form,
            "secret": _base32(device),
            "next": _next_url(request),
            "required": access.needs_two_factor(request.user),
        },
    )


def _enrolment_proof(request):
    """The step before the key is shown: a code sent to the account's email address."""
    form = EmailCodeForm(request.POST if request.POST.get("action") == "confirm" else None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send":
        text, sent = auth.enrolment_code_send(request)
        (messages.success if sent else messages.warning)(request, text)
        return redirect(f"{resolve_url('two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
    if form.is_bound:
        if form.is_valid() and auth.enrolment_code_check(request, form.cleaned_data["code"]):
            return redirect(f"{resolve_url('two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
        form.add_error("code", _("That code is not valid, or has expired. Ask for a new one."))
        status = 400
    return render(
        request,
        "registration/two_factor_email.html",
        {"form": form, "next": _next_url(request), "has_email": bool(request.user.email)},
        status=status,
    )


@login_required
@require_GET
@never_cache
def two_factor_qr(request):
    """The enrolment QR code as an SVG image from this site (the CSP allows no other origin)."""
    import qrcode
    import qrcode.image.svg

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None or not auth.enrolment_confirmed(request):
        return HttpResponse(status=404)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


def _base32(device):
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
