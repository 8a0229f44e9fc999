"""Files kept from a rejected submission, so that a slow connection need not send them again."""

import datetime
import hashlib

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from ..models import StagedUpload


def sha256_of(django_file):
    digest = hashlib.sha256()
    django_file.seek(0)
    for chunk in django_file.chunks():
        digest.update(chunk)
    django_file.seek(0)
    return digest.hexdigest()


def staged_upload_save(*, user, checked):
    """Keep a file accepted in a rejected submission, so a slow connection need not send it again."""
    staged = StagedUpload(
        user=user,
        original_filename=checked.original_filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        location_metadata=checked.location_metadata,
    )
    checked.file.seek(0)
    staged.file.save("upload", checked.file, save=False)
    try:
        staged.save()
    except BaseException:
        default_storage.delete(staged.file.name)
        raise
    return staged


def staged_upload_discard(*, staged):
    name = staged.file.name
    staged.delete()
    if name:
        default_storage.delete(name)


def staged_uploads_purge_expired(*, now=None):
    """Remove staged files older than TRACKER_STAGED_UPLOAD_HOURS. Returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.TRACKER_STAGED_UPLOAD_HOURS)
    expired = list(StagedUpload.objects.filter(created_at__lt=cutoff))
    for staged in expired:
        staged_upload_discard(staged=staged)
    return len(expired)
