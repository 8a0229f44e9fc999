"""The iCalendar feed: one all-day event per deadline, with the reference, the date and a link."""

import datetime

import icalendar
from django.utils import timezone
from django.utils.translation import gettext

from .selectors.deadlines import site_base_url


def ics_calendar(items, *, now=None, name=None):
    """An iCalendar document (bytes): one all-day event per deadline, with the reference, the date and a link."""
    now = now or timezone.now()
    host = site_base_url().split("://", 1)[-1].split("/", 1)[0] or "tracker"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Commitments tracker//Reporting calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or gettext("Commitments tracker deadlines"))
    for item in items:
        event = icalendar.Event()
        # Stable per item and date: a moved deadline is a new event, an unchanged one is updated in place.
        event.add("uid", f"{item.uid_key}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", item.due_on)
        if item.due_on < datetime.date.max:  # a stored 9999-12-31 has no day after: a one-day event anyway
            event.add("dtend", item.due_on + datetime.timedelta(days=1))
        if item.computed:
            summary = gettext("Due (computed from the reporting cycle): %(reference)s") % {"reference": item.reference}
        elif item.is_report:
            summary = gettext("Report due: %(reference)s") % {"reference": item.reference}
        else:
            summary = gettext("Due: %(reference)s") % {"reference": item.reference}
        event.add("summary", summary)
        event.add("url", item.url)
        event.add("description", item.url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
