"""What every export shares: cells that cannot become formulas, sheets in the reading direction,
and a log of who exported what."""

from django.db import NotSupportedError
from django.db.models import F, Subquery, TextField
from django.utils.translation import get_language_bidi

from ..choices import Audience
from ..models import ExportLog

# A cell starting with one of these is read as a formula by Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Spreadsheet formula injection: prefix a risky text cell with an apostrophe so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def reading_direction(sheet):
    """A spreadsheet sheet reads right to left when the language does (Urdu)."""
    sheet.sheet_view.rightToLeft = get_language_bidi()
    return sheet


def export_log(*, user, kind, format, scope, audience=Audience.INTERNAL, rows=None):
    """Record who exported what, in which format, for which audience."""
    return ExportLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        format=format,
        scope=scope,
        audience=audience,
        rows=rows,
    )


class GroupConcat(Subquery):
    """The values of `field` in a correlated queryset, joined by `separator` in order of value, as one string.

    A scalar subquery, so an export fetches a row's many-to-many names with the row itself.
    Django 5.2 has no portable string aggregate: SQLite before 3.44 cannot order inside
    GROUP_CONCAT, so it aggregates an ordered derived table (which SQLite does not flatten);
    PostgreSQL orders inside STRING_AGG. NULL when there is nothing to join.
    """

    def __init__(self, queryset, field, *, separator):
        # `field`: a field name, or an expression of the correlated queryset's row.
        self.separator = separator
        value = F(field) if isinstance(field, str) else field
        super().__init__(queryset.order_by().values(concat_value=value), output_field=TextField())

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return (
            f"(SELECT GROUP_CONCAT(concat_value, %s) FROM (SELECT concat_value FROM {sql} ORDER BY concat_value))",
            (self.separator, *params),
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return (
            f"(SELECT STRING_AGG(x.concat_value::text, %s ORDER BY x.concat_value) FROM {sql} x)",
            (self.separator, *params),
        )

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"GroupConcat is written for SQLite and PostgreSQL, not {connection.vendor}")
