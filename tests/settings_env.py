"""Loaded by pytest before Django (see pytest.ini): the suite runs on development settings.

Tests of the production settings start a subprocess with an environment of their own.
"""

import os

os.environ.setdefault("TRACKER_DEV", "1")
