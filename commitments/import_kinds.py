"""Every kind of spreadsheet import by name: the import page and the import job both run imports from here."""

from . import imports, recommendation_import

KINDS = (*imports.COLUMNS, recommendation_import.RECOMMENDATIONS)


def run(*, kind, data, user, dry_run):
    """Preview (dry_run) or import `data` as `kind`; returns the import's result (rows, errors, counts)."""
    if kind == recommendation_import.RECOMMENDATIONS:
        return recommendation_import.run_recommendation_import(data=data, user=user, dry_run=dry_run)
    return imports.run_import(kind=kind, data=data, user=user, dry_run=dry_run)
