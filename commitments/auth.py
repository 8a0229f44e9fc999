"""Sign-in: password-guessing throttle and two-factor helpers."""

import secrets
import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses sign-in for a user name and address locked out after repeated failures.

    Sign-in through a page always carries the request. Code that authenticates without one
    (management commands, the test client's login()) is not a password-guessing channel,
    so it is let through to the next backend rather than failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request):
    """The client's address as the nearest trusted proxy saw it (TRUSTED_PROXY_COUNT proxies).

    The one definition of a client's address: sign-in throttling and the download log both use it.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def confirmed_totp_device(user):
    """The user's confirmed TOTP device, or None."""
    return next((d for d in devices_for_user(user, confirmed=True) if isinstance(d, TOTPDevice)), None)


def has_second_factor(user):
    return any(True for _ in devices_for_user(user, confirmed=True))


# --- Enrolling a second factor: proof that the account's owner is the one enrolling -----------
#
# A password alone must not let anyone attach their own authenticator to an account (trust on
# first use): before the key is shown, the person confirms a code sent to the account's email
# address, or opens an invitation an administrator sent them.

ENROL_CONFIRMED = "tracker_2fa_enrol_confirmed"
ENROL_CODE = "tracker_2fa_enrol_code"
ENROL_CODE_SECONDS = 15 * 60
ENROL_CODE_TRIES = 5
ENROL_CODE_RESEND_SECONDS = 60


def _code_digest(user, code):
    return salted_hmac("commitments.auth.enrol-code", f"{user.pk}:{code}").hexdigest()


def enrolment_confirmed(request):
    return request.user.is_authenticated and request.session.get(ENROL_CONFIRMED) == request.user.pk


def enrolment_code_send(request):
    """Email a six-digit code to the signed-in person's address. Returns a message for them, and whether it was sent."""
    user = request.user
    if not user.email:
        return _(
            "Your account has no email address. Ask an administrator for an invitation to set up two-factor sign-in."
        ), False
    pending = request.session.get(ENROL_CODE) or {}
    if time.time() - pending.get("sent", 0) < ENROL_CODE_RESEND_SECONDS:
        return _("A code was sent less than a minute ago. Check your email, or wait a minute and ask again."), False
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[ENROL_CODE] = {"digest": _code_digest(user, code), "sent": time.time(), "tries": 0}
    send_mail(
        _("Your code to set up two-factor sign-in"),
        _(
            "Someone signed in to the commitments tracker as %(username)s and asked to set up two-factor sign-in.\n\n"
            "If it was you, enter this code: %(code)s (it works for 15 minutes).\n\n"
            "If it was not you, do not give the code to anyone, and tell an administrator: your password is known."
        )
        % {"username": user.get_username(), "code": code},
        None,
        [user.email],
    )
    return _("A code was sent to %(address)s.") % {"address": masked_email(user.email)}, True


def enrolment_code_check(request, code):
    """True (and the session may enrol) if `code` is the one emailed, within its time and tries."""
    pending = request.session.get(ENROL_CODE)
    if not pending or time.time() - pending["sent"] > ENROL_CODE_SECONDS or pending["tries"] >= ENROL_CODE_TRIES:
        request.session.pop(ENROL_CODE, None)
        return False
    pending["tries"] += 1
    request.session[ENROL_CODE] = pending
    if not constant_time_compare(pending["digest"], _code_digest(request.user, code)):
        return False
    request.session.pop(ENROL_CODE, None)
    request.session[ENROL_CONFIRMED] = request.user.pk
    return True


class EnrolmentInvitationTokens(PasswordResetTokenGenerator):
    """An administrator's invitation to enrol: valid for PASSWORD_RESET_TIMEOUT, for one person, and no
    longer once they have a second factor or have changed their password."""

    key_salt = "commitments.auth.EnrolmentInvitationTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{timestamp}{has_second_factor(user)}"


enrolment_invitations = EnrolmentInvitationTokens()


def enrolment_invitation_accept(request, token):
    """True (and the session may enrol) if `token` is a valid invitation for the signed-in person."""
    if token and enrolment_invitations.check_token(request.user, token):
        request.session[ENROL_CONFIRMED] = request.user.pk
        return True
    return False


def masked_email(address):
    name, _at, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"
