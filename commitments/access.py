"""Roles and what each may do. Views ask here; querysets filter with readable_jurisdictions().

Roles are Django groups (created by a migration):
- Viewer: reads the jurisdictions on their profile, changes nothing.
- Editor: records updates and evidence in the jurisdictions they may write.
- Reviewer: verifies other people's updates and evidence in the jurisdictions they may read.
- Administrator: everything, including the Django admin.
"""

from django.db.models import Q

VIEWER = "Viewer"
EDITOR = "Editor"
REVIEWER = "Reviewer"
ADMINISTRATOR = "Administrator"
ROLES = (VIEWER, EDITOR, REVIEWER, ADMINISTRATOR)


def _group_names(user):
    # Cached on the user object: one query per request at most.
    if not hasattr(user, "_tracker_groups"):
        user._tracker_groups = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
    return user._tracker_groups


def is_administrator(user):
    return user.is_authenticated and user.is_active and (user.is_superuser or ADMINISTRATOR in _group_names(user))


def is_editor(user):
    return is_administrator(user) or (user.is_active and EDITOR in _group_names(user))


def is_reviewer(user):
    return is_administrator(user) or (user.is_active and REVIEWER in _group_names(user))


def readable_jurisdictions_q(user, prefix="jurisdiction"):
    """A Q matching records in the jurisdictions `user` may read (write implies read)."""
    from .models import Jurisdiction

    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if is_administrator(user):
        return Q()
    readable = Jurisdiction.objects.filter(Q(readers__user=user) | Q(writers__user=user)).values("pk")
    return Q(**{f"{prefix}__in": readable})


def writable_jurisdictions_q(user, prefix="jurisdiction"):
    from .models import Jurisdiction

    if is_administrator(user):
        return Q()
    if not is_editor(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}__in": Jurisdiction.objects.filter(writers__user=user).values("pk")})


def can_read_commitment(user, commitment):
    from .models import Commitment

    return Commitment.objects.visible_to(user).filter(pk=commitment.pk).exists()


def can_write_commitment(user, commitment):
    from .models import Commitment

    if is_administrator(user):
        return True
    if not is_editor(user):
        return False
    return Commitment.objects.filter(writable_jurisdictions_q(user), pk=commitment.pk).exists()


def can_verify(user, item):
    """Reviewers verify updates and evidence they can read, but never their own."""
    author_id = getattr(item, "recorded_by_id", None) or getattr(item, "added_by_id", None)
    return is_reviewer(user) and author_id != user.pk


def profile_for(user):
    """The user's profile, created (with no jurisdictions) the first time it is needed."""
    from .models import Profile

    profile = getattr(user, "_tracker_profile", None)
    if profile is None:
        profile, _created = Profile.objects.get_or_create(user=user)
        user._tracker_profile = profile
    return profile


def can_change_update(user, update):
    """Who may add to or act on an update: a writer of its commitment's jurisdiction."""
    return can_write_commitment(user, update.commitment)
