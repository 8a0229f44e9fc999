"""Row counts of every table, for the seed and atomicity tests."""

from django.apps import apps


def row_counts():
    """Rows in every table of the project, history and many-to-many tables included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}
