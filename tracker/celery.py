"""The Celery app that runs the tracker's background jobs (`celery -A tracker worker`, `celery -A tracker beat`).

Its configuration is the CELERY_* settings in tracker/settings.py; the tasks are in
commitments/jobs/tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["commitments.jobs"])
