"""Presentation helpers: stacked status bars, the trend chart, links to the filtered list.

Every chart is drawn on the server as SVG with no script, by the `_bar.html` and trend
templates, and has a table or a text alternative beside it. Bars are the one chart
implementation: the dashboard's bars and a report's start/end comparison both use Bar.

Charts run in the page's reading direction: in a right-to-left language (Urdu) a bar's first
status starts at the right, and the trend's time runs from right to left.
"""

from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language_bidi

from .choices import Status

STATUS_ORDER = list(Status.values)
STATUS_LABELS = dict(Status.choices)
# The statuses the trend follows.
TREND_STATUSES = (Status.IMPLEMENTED, Status.PARTIALLY_IMPLEMENTED, Status.IN_PROGRESS)


def _list_path():
    """reverse("commitments:list"), once per script prefix: the dashboard links to it hundreds of times."""
    cache = _list_path.__dict__.setdefault("cache", {})
    prefix = get_script_prefix()
    if prefix not in cache:
        cache[prefix] = reverse("commitments:list")
    return cache[prefix]


def list_url(**params):
    """The commitment list filtered by `params` (None values left out)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return _list_path() + (f"?{query}" if query else "")


class Bar:
    """One labelled stacked bar: counts per status, each with the link that lists them."""

    def __init__(self, label, filters, counts, url=None):
        self.label = label
        self.filters = filters  # the list filters that reproduce it; None: a bar that links nowhere
        self.counts = counts  # {status: n}
        self.url = url  # the page about the thing itself (an instrument), if any

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def total_url(self):
        return list_url(**self.filters) if self.filters is not None else None

    @cached_property
    def segments(self):
        """[(status, label, count, url, x, width)] in status order, widths in percent of the total,
        from the start of the reading direction."""
        total = self.total or 1
        rtl = get_language_bidi()
        x = 0.0
        result = []
        for status in STATUS_ORDER:
            count = self.counts.get(status, 0)
            if not count:
                continue
            width = 100.0 * count / total
            result.append(
                {
                    "status": status,
                    "label": STATUS_LABELS[status],
                    "count": count,
                    "url": list_url(**self.filters, status=status) if self.filters is not None else None,
                    "x": round(100.0 - x - width if rtl else x, 3),
                    "width": round(width, 3),
                }
            )
            x += width
        return result


def trend_chart(rows, height=120):
    """Points of one polyline per followed status, in a 0..100 × 0..height box (server-side SVG)."""
    peak = max([c["count"] for row in rows for c in row["counts"]] or [0]) or 1
    step = 100.0 / max(len(rows) - 1, 1)
    # Time runs in the reading direction: from the right in a right-to-left language.
    start, step = (100.0, -step) if get_language_bidi() else (0.0, step)
    lines = []
    for index, status in enumerate(TREND_STATUSES):
        points = " ".join(
            f"{round(start + position * step, 2)},{round(height - height * row['counts'][index]['count'] / peak, 2)}"
            for position, row in enumerate(rows)
        )
        lines.append({"status": status, "label": STATUS_LABELS[status], "points": points})
    # The axes' labels: counts up the side (the top is the peak), the first and last month along the bottom.
    ticks = sorted({peak, peak // 2, 0}, reverse=True)
    first = rows[0]["month"] if rows else None
    last = rows[-1]["month"] if rows else None
    return {"lines": lines, "peak": peak, "height": height, "ticks": ticks, "first": first, "last": last}
