"""Who may do what: every rule of the tracker about roles and permissions, in one place.

Views, templates (through the `tracker` template tags) and the admin ask here; nothing
else reads group names or `is_staff` to decide a role. Which records a person may *read*
is the jurisdiction filter of `querysets.py` (`visible_to(user)`), built on the same
predicates.

Roles are Django groups (created by a migration):
- Viewer: reads the jurisdictions on their profile, changes nothing.
- Editor: records updates and evidence in the jurisdictions they may write.
- Reviewer: verifies other people's updates and evidence in the jurisdictions they may read.
- Administrator: everything, including the Django admin, import and redaction, but never
  reads a restricted item they are not named on: they administer it (redact it, change who
  may see it) without reading it. They manage people below their own level only
  (may_manage_person); only superusers manage superusers and administrators.

`is_staff` is not a second definition of "administrator": services.people keeps it equal
to is_administrator() whenever a role changes, because Django's admin login reads it.
"""

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _

VIEWER = "Viewer"
EDITOR = "Editor"
REVIEWER = "Reviewer"
ADMINISTRATOR = "Administrator"
ROLES = (VIEWER, EDITOR, REVIEWER, ADMINISTRATOR)


def _group_names(user):
    # Cached on the user object: one query per request at most.
    if not hasattr(user, "_tracker_groups"):
        user._tracker_groups = (
            frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        )
    return user._tracker_groups


def is_signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def is_administrator(user):
    """The rule register's "administrator": the Administrator role, or a superuser."""
    return is_signed_in(user) and (user.is_superuser or ADMINISTRATOR in _group_names(user))


def is_editor(user):
    return is_administrator(user) or (is_signed_in(user) and EDITOR in _group_names(user))


def is_reviewer(user):
    return is_administrator(user) or (is_signed_in(user) and REVIEWER in _group_names(user))


# --- Pages and tools --------------------------------------------------------------------


def may_use_admin(user):
    """The Django admin is for administrators only (the admin site asks this)."""
    return is_administrator(user)


def may_import(user):
    return is_administrator(user)


def may_redact(user):
    return is_administrator(user)


def _level(user):
    """Superuser 3, Administrator 2, anyone else 1: who may manage whom."""
    if user.is_superuser:
        return 3
    return 2 if ADMINISTRATOR in _group_names(user) else 1


def may_manage_person(actor, person):
    """Change, delete, re-grant or reset another account: administrators manage people below their own
    level only (not other administrators, not themselves); only superusers manage superusers."""
    if not is_administrator(actor):
        return False
    if person is None:
        return True  # adding someone: the roles they may be given are grantable_roles()
    return _level(person) < _level(actor) or (actor.is_superuser and person.is_superuser)


def grantable_roles(actor):
    """The roles `actor` may give: superusers any, administrators the roles below their own."""
    if not is_administrator(actor):
        return ()
    if actor.is_superuser:
        return ROLES
    return tuple(role for role in ROLES if role != ADMINISTRATOR)


def may_see_location_metadata(user):
    """Images are downloaded with their GPS position only by administrators; others get a stripped copy."""
    return is_administrator(user)


def may_see_every_kept_report(user):
    """Kept reports are their author's; administrators see everyone's."""
    return is_administrator(user)


def may_request_job(user, kind):
    """Reports and list exports: anyone signed in (the result holds what they may see). Imports:
    those who may import. Backups and the scheduled work: administrators."""
    if kind in ("report", "list_export"):
        return is_signed_in(user)
    if kind == "import":
        return may_import(user)
    return is_administrator(user)


def may_see_job(user, job):
    """A job is its requester's alone; scheduled work (nobody asked) is the administrators'.

    Nobody else sees someone's job, administrators included: its parameters and result are
    drawn from what its requester may see, which may hold restricted items named on them.
    """
    if not is_signed_in(user):
        return False
    if job.requested_by_id is None:
        return is_administrator(user)
    return job.requested_by_id == user.pk


def may_download_job_result(user, job):
    """Only the requester downloads a result, never anyone else (not even an administrator)."""
    return is_signed_in(user) and job.requested_by_id is not None and job.requested_by_id == user.pk


def needs_two_factor(user):
    """Reviewers and administrators sign in with a second factor when the deployment requires it."""
    return bool(settings.TRACKER_REQUIRE_2FA) and is_reviewer(user)


def signed_in_with_second_factor(user):
    """This request's sign-in included a second factor (django-otp marks the user verified)."""
    return is_signed_in(user) and bool(getattr(user, "is_verified", lambda: False)())


# --- API tokens -------------------------------------------------------------------------


def may_create_api_token(user):
    """Anyone signed in; someone who must use a second factor only in a session signed in with it."""
    return is_signed_in(user) and (not needs_two_factor(user) or signed_in_with_second_factor(user))


def may_revoke_api_token(user, token):
    """A token's owner, and administrators."""
    return is_signed_in(user) and (token.user_id == user.pk or is_administrator(user))


def api_token_refusal(token, now=None):
    """Why a presented token is refused (a message for its holder), or None when it is accepted.

    A token of someone who must now use a second factor, made before that was required or
    without it, is refused: holding a token never skips the second factor.
    """
    if token.is_revoked:
        return _("This token was revoked.")
    if token.is_expired(now):
        return _("This token expired on %(date)s.") % {"date": token.expires_at.date().isoformat()}
    if not token.user.is_active:
        return _("The account this token belongs to is disabled.")
    if needs_two_factor(token.user) and not token.second_factor:
        return _("Your role requires a second factor: make a new token while signed in with it.")
    return None


def may_write_through(token):
    """A request may change records only with a read-write token, or with no token (a browser session)."""
    return token is None or token.can_write


# --- Records ----------------------------------------------------------------------------


def _jurisdictions():
    # Looked up by name so that this module needs nothing of the models (no import cycle).
    return apps.get_model("commitments", "Jurisdiction").objects


def can_write_commitment(user, commitment):
    if is_administrator(user):
        return True
    if not is_editor(user):
        return False
    return _jurisdictions().writable_by(user).filter(pk=commitment.jurisdiction_id).exists()


def may_add_recommendation(user):
    """Editors (in a jurisdiction they may write) and administrators."""
    return is_administrator(user) or (is_editor(user) and _jurisdictions().writable_by(user).exists())


def can_verify(user, item):
    """Reviewers verify updates and evidence they can read, but never their own."""
    author_id = getattr(item, "recorded_by_id", None) or getattr(item, "added_by_id", None)
    return is_reviewer(user) and author_id != user.pk


def may_manage_scorecard(user, convention=None):
    """Scorecard issues belong to their convention: administrators, and editors who may write in its
    jurisdiction (with no convention given: in that of some GSP+ convention) raise them, record their
    state and link the actions that address them."""
    if is_administrator(user):
        return True
    if not is_editor(user):
        return False
    writable = _jurisdictions().writable_by(user)
    if convention is not None:
        return writable.filter(pk=convention.jurisdiction_id).exists()
    return writable.filter(instruments__gsp_requirements__isnull=False).exists()


# --- The public portal ------------------------------------------------------------------


def may_preview_public(user):
    """Anyone signed in sees the public preview of a page (of what they may read) before it is published."""
    return is_signed_in(user)


def may_moderate_submissions(user):
    """Reviewers (and administrators) moderate civil-society submissions, each in their own jurisdictions."""
    return is_reviewer(user)


def may_moderate_submission(user, submission):
    """A reviewer who may read the submission's commitment, or an administrator, moderates it."""
    if not may_moderate_submissions(user):
        return False
    if is_administrator(user):
        return True
    return _jurisdictions().readable_by(user).filter(pk=submission.commitment.jurisdiction_id).exists()


def may_record_for(user, organisation):
    """A person records directly in their own organisation's name, and in those an administrator
    listed on their profile ("may record for directly"). Anyone else's view needs the document
    that carries it (services.history asks this and requires the document otherwise)."""
    if not is_signed_in(user) or organisation is None:
        return False
    profiles = apps.get_model("commitments", "Profile").objects.filter(user=user)
    return profiles.filter(organisation=organisation).exists() or profiles.filter(record_for=organisation).exists()


def may_correct(user, update):
    """Editors correct their own entries in the jurisdictions they may write; reviewers and
    administrators any entry in the jurisdictions they may read. An entry already corrected is
    corrected through its correction (the chain's latest link)."""
    if not is_signed_in(user):
        return False
    if is_administrator(user):
        return True
    jurisdiction_id = update.commitment.jurisdiction_id
    if is_reviewer(user) and jurisdiction_id in _jurisdiction_ids(user, "readable_by"):
        return True
    return (
        update.recorded_by_id == user.pk
        and is_editor(user)
        and jurisdiction_id in _jurisdiction_ids(user, "writable_by")
    )


def _jurisdiction_ids(user, which):
    # Cached on the user object, so that asking for every entry of a page costs one query.
    cache = getattr(user, "_tracker_jurisdiction_ids", None)
    if cache is None:
        cache = {}
        user._tracker_jurisdiction_ids = cache
    if which not in cache:
        cache[which] = frozenset(getattr(_jurisdictions(), which)(user).values_list("pk", flat=True))
    return cache[which]
