"""Where evidence files live: a local folder by default, a private bucket when configured."""

import os

from django.conf import settings
from django.core.files.storage import default_storage


def is_bucket(storage=None):
    storage = storage or default_storage
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def evidence_signed_url(evidence, *, content_type, inline):
    """A short-lived signed URL for an evidence file, when the deployment delivers files that way.

    Returns None when files are streamed through the app (the default), so the caller does.
    The permission check has already been made by the caller; the URL expires after
    TRACKER_SIGNED_URL_SECONDS and names the download as the view would.
    """
    if settings.TRACKER_EVIDENCE_DELIVERY != "signed-url" or not is_bucket():
        return None
    filename = (evidence.original_filename or f"evidence-{evidence.pk}").replace('"', "")
    disposition = "inline" if inline else "attachment"
    parameters = {
        "ResponseContentDisposition": f'{disposition}; filename="{filename}"',
        "ResponseContentType": content_type if inline else "application/octet-stream",
    }
    return default_storage.url(evidence.file.name, parameters=parameters)


def storage_is_reachable(storage=None):
    """True when evidence files can be stored: the bucket answers, or the folder is writable."""
    storage = storage or default_storage
    try:
        if is_bucket(storage):
            storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
            return True
        location = storage.location
        os.makedirs(location, exist_ok=True)
        return os.access(location, os.W_OK)
    except Exception:
        return False
