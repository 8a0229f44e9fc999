"""WSGI entry point: `gunicorn tracker.wsgi`."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
application = get_wsgi_application()
if not settings._wrapped.__dict__.get("SECRET_KEY"):
    # A production server never starts without its key.
    raise ImproperlyConfigured(settings.MISSING_SECRET_KEY)
