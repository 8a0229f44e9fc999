"""Loaded by pytest before Django (see pytest.ini): the suite runs on development settings.

Tests of the production settings start a subprocess with an environment of their own.
"""

import os

os.environ.setdefault("TRACKER_DEV", "1")
# Jobs run at once, in the test's own process; the tests of the worker itself start real workers.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
