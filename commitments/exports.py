"""What every export shares: cells that cannot become formulas, and a log of who exported what."""

from .models import ExportLog

# A cell starting with one of these is read as a formula by Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Spreadsheet formula injection: prefix a risky text cell with an apostrophe so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_log(*, user, kind, format, scope, audience=ExportLog.Audience.INTERNAL, rows=None):
    """Record who exported what, in which format, for which audience."""
    return ExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        format=format,
        scope=scope,
        audience=audience,
        rows=rows,
    )
