# Loaded with Django so that jobs asked for by the web process go to the same Celery app.
from .celery import app as celery_app

__all__ = ("celery_app",)
