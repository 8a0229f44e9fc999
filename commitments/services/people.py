"""Writes about people: accounts and roles, profiles, calendar tokens, API tokens, reminder settings."""

import datetime
import hashlib
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from .. import access, auth
from ..models import ApiToken, ApiTokenUse, Jurisdiction, Organisation, Profile, ReminderSchedule
from .audit import Action, Subject, audit_entry_add, change, differences

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


def profile_language(user):
    """The language a person chose for their pages, or "" when they chose none. Never creates a profile."""
    profile = getattr(user, "_tracker_profile", None)
    if profile is not None:
        language = profile.language
    elif user is not None and user.pk is not None:
        language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    else:
        language = ""
    return language if language in dict(settings.LANGUAGES) else ""


def person_language(user):
    """The language to write to a person in (emails, reminders, the files of their jobs): the one
    they chose, else the site's default."""
    return profile_language(user) or settings.LANGUAGE_CODE


def profile_language_set(*, user, language):
    """Remember the language a person chose for their pages (empty: the browser's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(_("No such language."))
    profile = profile_for(user)
    profile.language = language
    profile.full_clean()
    with transaction.atomic():
        profile.save(update_fields=["language"])
    return profile


def staff_flag_sync(*, user):
    """Keep `is_staff` (which Django's admin login reads) equal to the role: access.is_administrator()."""
    user.__dict__.pop("_tracker_groups", None)  # the groups may just have changed
    wanted = access.is_administrator(user)
    if user.is_staff != wanted:
        user.is_staff = wanted
        type(user).objects.filter(pk=user.pk).update(is_staff=wanted)
    return user


# What the audit trail compares on an account: its details, then its role and jurisdiction grants.
ACCOUNT_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_superuser")
GRANT_FIELDS = ("roles", "may read", "may write", "organisation")


def person_snapshot(user):
    """An account as the audit trail compares it (the password only as a fingerprint, never kept)."""
    if user is None or user.pk is None:
        return {}
    user = type(user).objects.get(pk=user.pk)
    profile = Profile.objects.filter(user=user).select_related("organisation").first()
    values = {name: getattr(user, name) for name in ACCOUNT_FIELDS}
    values["roles"] = sorted(user.groups.values_list("name", flat=True))
    values["may read"] = sorted(profile.read_jurisdictions.values_list("code", flat=True)) if profile else []
    values["may write"] = sorted(profile.write_jurisdictions.values_list("code", flat=True)) if profile else []
    values["organisation"] = str(profile.organisation) if profile and profile.organisation else ""
    values["may record for"] = sorted(str(o) for o in profile.record_for.all()) if profile else []
    values["password"] = hash(user.password)
    return values


def person_changes_record(*, person, before, actor=None):
    """Write what changed on an account since `before` (person_snapshot) to the audit trail, and keep
    `is_staff` following the role. Refused (nothing kept) if `actor` may not manage the account or
    gave a role above their own; superusers manage everyone, and actor None is the command line."""
    if actor is not None and not actor.is_superuser:
        if before and not access.may_manage_person(actor, _as_user(person, before)):
            raise PermissionDenied(_("You may not change this account."))
        after_roles = set(person.groups.values_list("name", flat=True))
        given = after_roles - set(before.get("roles", []))
        if given - set(access.grantable_roles(actor)) or person.is_superuser:
            raise PermissionDenied(_("You may not give a role above your own."))
    staff_flag_sync(user=person)
    after = person_snapshot(person)
    label = person.get_username()
    password_changed = bool(before) and before.get("password") != after.get("password")
    before = {k: v for k, v in before.items() if k != "password"}
    after = {k: v for k, v in after.items() if k != "password"}
    if not before:
        audit_entry_add(
            action=Action.CREATED,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=label,
            object_id=person.pk,
            changes={key: value for key, value in after.items() if value not in ("", [], False)},
            person=person,
        )
        return
    account = differences({k: before[k] for k in ACCOUNT_FIELDS}, {k: after[k] for k in ACCOUNT_FIELDS})
    if password_changed:
        account[_("password")] = change(_("(not shown)"), _("changed"))
    if account:
        audit_entry_add(
            action=Action.CHANGED,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=label,
            object_id=person.pk,
            changes=account,
            person=person,
        )
    grants = differences({k: before[k] for k in GRANT_FIELDS}, {k: after[k] for k in GRANT_FIELDS})
    if grants:
        audit_entry_add(
            action=Action.GRANTED,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=label,
            object_id=person.pk,
            changes=grants,
            person=person,
        )


def _as_user(person, snapshot):
    """The account as it was before the change, for the may-manage rule (its earlier role and flags)."""
    earlier = type(person)(pk=person.pk, is_superuser=snapshot.get("is_superuser", False), is_active=True)
    earlier._tracker_groups = frozenset(snapshot.get("roles", []))
    return earlier


def person_delete(*, person, actor):
    """Delete an account someone may manage; the audit trail keeps its name."""
    if not access.may_manage_person(actor, person):
        raise PermissionDenied(_("You may not delete this account."))
    with transaction.atomic():
        audit_entry_add(
            action=Action.DELETED,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=person.get_username(),
            object_id=person.pk,
            changes={"roles": sorted(person.groups.values_list("name", flat=True))},
        )
        person.delete()


def two_factor_reset(*, person, actor):
    """Remove a person's second-factor devices (a lost phone): they enrol again at their next sign-in."""
    if not access.may_manage_person(actor, person):
        raise PermissionDenied(_("You may not reset this person's second factor."))
    with transaction.atomic():
        devices = list(devices_for_user(person, confirmed=None))
        for device in devices:
            device.delete()
        audit_entry_add(
            action=Action.DEVICE_RESET,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=person.get_username(),
            object_id=person.pk,
            changes={"devices": sorted(str(d) for d in devices)},
            person=person,
        )
    return len(devices)


def two_factor_invite(*, person, actor):
    """Invite a person to set up two-factor sign-in without an emailed code (their account may have no
    address). Returns the invitation link, which is also emailed to them when they have an address."""
    if not access.may_manage_person(actor, person):
        raise PermissionDenied(_("You may not invite this person."))
    token = auth.enrolment_invitations.make_token(person)
    link = settings.TRACKER_BASE_URL.rstrip("/") + f"{reverse('two_factor_setup')}?{urlencode({'invitation': token})}"
    with transaction.atomic():
        audit_entry_add(
            action=Action.INVITED,
            subject=Subject.ACCOUNT,
            actor=actor,
            label=person.get_username(),
            object_id=person.pk,
            changes={"emailed": bool(person.email)},
            person=person,
        )
    if person.email:
        with translation.override(person_language(person)):  # theirs, not the administrator's
            send_mail(
                _("Set up two-factor sign-in for the commitments tracker"),
                _(
                    "%(admin)s invites you to set up two-factor sign-in. Sign in as %(username)s, then open:\n\n%(link)s\n\n"
                    "The link works for a few days, and only for you."
                )
                % {"admin": actor.get_username(), "username": person.get_username(), "link": link},
                None,
                [person.email],
            )
    return link


def tracker_user_save(
    *, username, role, read=(), write=(), email="", password=None, organisation=None, record_for=None
):
    """Create or update a user with one role and the jurisdictions they may read and write.

    `read` and `write` are jurisdiction codes; write implies read. `organisation` (a key) is the
    organisation they work for; `record_for` (keys) the others they may record for directly;
    None leaves either as it is. Returns (user, created).
    In the audit trail as a change from the command line.
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
    slugs = ({organisation} if organisation else set()) | set(record_for or ())
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    unknown = sorted(slugs - set(organisations))
    if unknown:
        raise ValidationError(
            {"organisation": _("Unknown organisation key(s): %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    User = get_user_model()
    with transaction.atomic():
        before = person_snapshot(User.objects.filter(username=username).first())
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
        if organisation is not None:
            profile.organisation = organisations.get(organisation)
            profile.save(update_fields=["organisation"])
        if record_for is not None:
            profile.record_for.set([organisations[slug] for slug in record_for])
        person_changes_record(person=user, before=before)
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
