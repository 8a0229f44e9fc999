"""Writes about people: accounts and roles, profiles, calendar tokens, API tokens, reminder settings."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..models import ApiToken, ApiTokenUse, Jurisdiction, Profile, ReminderSchedule

# What every token starts with, so that a leaked one is recognisable (and findable by secret scanners).
API_TOKEN_PREFIX = "trk_"


def profile_for(user):
    """The user's profile, created with the defaults the first time it is needed.

    Reminders are on by default since the account exists, so creating the profile later
    (to get a calendar token, say) does not move that date. Kept on the user object.
    """
    profile = getattr(user, "_tracker_profile", None)
    if profile is None:
        profile, _created = Profile.objects.get_or_create(
            user=user, defaults={"reminders_enabled_at": user.date_joined}
        )
        user._tracker_profile = profile
    return profile


def staff_flag_sync(*, user):
    """Keep `is_staff` (which Django's admin login reads) equal to the role: access.is_administrator()."""
    user.__dict__.pop("_tracker_groups", None)  # the groups may just have changed
    wanted = access.is_administrator(user)
    if user.is_staff != wanted:
        user.is_staff = wanted
        type(user).objects.filter(pk=user.pk).update(is_staff=wanted)
    return user


def tracker_user_save(*, username, role, read=(), write=(), email="", password=None):
    """Create or update a user with one role and the jurisdictions they may read and write.

    `read` and `write` are jurisdiction codes; write implies read. Returns (user, created).
    """
    if role not in access.ROLES:
        raise ValidationError(
            {
                "role": _("Unknown role %(role)s: choose one of %(roles)s.")
                % {"role": role, "roles": ", ".join(access.ROLES)}
            }
        )
    codes = set(read) | set(write)
    found = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise ValidationError(
            {"jurisdictions": _("Unknown jurisdiction code(s): %(codes)s.") % {"codes": ", ".join(missing)}}
        )
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if email:
            user.email = email
        user.is_staff = role == access.ADMINISTRATOR or user.is_superuser
        if password is not None:
            validate_password(password, user)
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=access.ROLES))
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        user.__dict__.pop("_tracker_groups", None)
        profile = profile_for(user)
        profile.read_jurisdictions.set([found[c] for c in codes])
        profile.write_jurisdictions.set([found[c] for c in set(write)])
    return user, created


def calendar_token_create(*, user):
    """Give the user a new calendar token; any previous feed address stops working."""
    with transaction.atomic():
        profile = profile_for(user)
        profile.calendar_token = secrets.token_urlsafe(32)
        profile.save(update_fields=["calendar_token"])
    return profile.calendar_token


def calendar_token_revoke(*, user):
    """Revoke the user's calendar token: their feed address answers 404 from now on."""
    Profile.objects.filter(user=user).update(calendar_token=None)
    cached = getattr(user, "_tracker_profile", None)
    if cached is not None:
        cached.calendar_token = None


def reminders_set(*, user, enabled, now=None, schedule=None):
    """Turn the user's reminders on or off, and choose how they come (`schedule`: as due or a weekly digest).

    Turning them on starts from now: nothing already reached is sent.
    """
    now = now or timezone.now()
    if schedule is not None and schedule not in ReminderSchedule.values:
        raise ValidationError({"reminder_schedule": _("Unknown choice.")})
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile_for(user).pk)
        if schedule is not None and profile.reminder_schedule != schedule:
            profile.reminder_schedule = schedule
            profile.save(update_fields=["reminder_schedule"])
        if enabled and not profile.reminders_enabled:
            profile.reminders_enabled = True
            profile.reminders_enabled_at = now
            profile.save(update_fields=["reminders_enabled", "reminders_enabled_at"])
        elif not enabled and profile.reminders_enabled:
            profile.reminders_enabled = False
            profile.save(update_fields=["reminders_enabled"])
    user._tracker_profile = profile
    return profile


def api_token_hash(secret):
    """What is stored of a token: its SHA-256. The token itself is 256 random bits, so no salt is needed."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_create(*, user, name, access_level, expires_on, now=None):
    """Make a personal access token for `user`; returns (token, secret). The secret is shown once and never stored.

    Refused for someone who must use a second factor and has not signed in with it, and for an
    expiry in the past or further away than TRACKER_API_TOKEN_MAX_DAYS.
    """
    now = now or timezone.now()
    if not access.may_create_api_token(user):
        raise ValidationError(_("Sign in with your second factor before making an API token."), code="second_factor")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name that says where it is used.")})
    today = timezone.localdate(now)
    longest = settings.TRACKER_API_TOKEN_MAX_DAYS
    if expires_on <= today:
        raise ValidationError({"expires_on": _("The expiry date must be after today.")})
    if expires_on > today + datetime.timedelta(days=longest):
        raise ValidationError({"expires_on": _("A token lives at most %(days)d days.") % {"days": longest}})
    # The token works until the end of its expiry day, in the tracker's time zone.
    expires_at = timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time.max))
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:12],
        key_hash=api_token_hash(secret),
        access=access_level,
        created_at=now,
        expires_at=expires_at,
        second_factor=access.signed_in_with_second_factor(user),
    )
    token.full_clean()
    token.save()
    return token, secret


def api_token_revoke(*, token, revoked_by, now=None):
    """Revoke a token: it is refused from now on. Revoking twice keeps the first date."""
    if not access.may_revoke_api_token(revoked_by, token):
        raise ValidationError(_("You may not revoke this token."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_by=revoked_by
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def api_token_use_record(*, token, method, path, ip_address, now=None):
    """Log one request made with a token, and note when it was last used."""
    now = now or timezone.now()
    # A path is whatever was asked for; a null character (which no database text holds) is logged as U+FFFD.
    path = path.replace("\x00", "\ufffd")[:500]
    ApiTokenUse.objects.create(token=token, at=now, method=method[:10], path=path, ip_address=ip_address)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
