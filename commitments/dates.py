"""Dates known only to the year or the month.

A partial date is stored as two columns: the first day of the period it names
(so it sorts and compares in the database) and its precision (so a 1957
ratification is shown as "1957", never as 1 January 1957).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .choices import Precision

UNVERIFIED = "UNVERIFIED"

# The dates a record may carry (the rule register's "sane date range"). Nothing the tracker
# follows is older or further ahead, and every computation on a date inside it (the day after
# a deadline, the end of its year) stays a date.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)


def validate_sane_date(value):
    """Refuse a date outside EARLIEST_DATE .. LATEST_DATE (the model, the forms and the import ask this)."""
    if value is None:
        return
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("%(date)s is outside the dates the tracker accepts (%(first)s to %(last)s).")
            % {"date": value.isoformat(), "first": EARLIEST_DATE.year, "last": LATEST_DATE.year},
            code="date_out_of_range",
        )


_PARTIAL = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")


def parse_partial_date(value):
    """Return (date, precision) for "1957", "1957-06", "1957-06-23" or a date; (None, "") when unknown."""
    if value in (None, "", UNVERIFIED):
        return None, ""
    if isinstance(value, datetime.datetime):
        return value.date(), Precision.DAY
    if isinstance(value, datetime.date):
        return value, Precision.DAY
    if isinstance(value, int):
        value = str(value)
    match = _PARTIAL.match(str(value).strip())
    if not match:
        raise ValueError(f"Not a date, a year-month or a year: {value!r}")
    year = int(match["year"])
    if match["day"]:
        return datetime.date(year, int(match["month"]), int(match["day"])), Precision.DAY
    if match["month"]:
        return datetime.date(year, int(match["month"]), 1), Precision.MONTH
    return datetime.date(year, 1, 1), Precision.YEAR


def format_partial_date(value, precision):
    """Show a date only as precisely as it is known."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    return date_format(value, "DATE_FORMAT")


def partial_date_iso(value, precision):
    """The ISO text of a partial date: "1957", "1957-06" or "1957-06-23"."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def period_end(value, precision):
    """The last day of the period a partial date names."""
    if precision == Precision.YEAR:
        return datetime.date(value.year, 12, 31)
    if precision == Precision.MONTH:
        next_month = (value.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return next_month - datetime.timedelta(days=1)
    return value


def takes_effect_on(value, precision):
    """When an update dated `value` at `precision` takes effect: the end of the year or month it names.

    A status known only to "2019" is not yet reached on 1 January 2019; from the end of 2019 it
    certainly is. Every as-of computation compares this date (StatusUpdate.takes_effect_on).
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    return period_end(value, precision)
