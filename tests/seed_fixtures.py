"""Helpers for the seed tests: row counts of every table, and one seeded database per test module."""

import pytest
from django.apps import apps
from django.db import transaction

from commitments import seeding


def row_counts():
    """Rows in every table of the project, history and many-to-many tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once per module; each test runs in a savepoint inside, and everything is rolled back at the end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            seeding.seed_load()
            yield
            transaction.set_rollback(True)
