"""What the benchmark measures: a list of (name, URL builder), and the floor each page is compared to.

A builder gets the context of the database (a jurisdiction, an instrument, a commitment, ...) and
returns the URL to get, or a Request to post. A page whose URL name does not exist in this build is reported as not available.
"""

import dataclasses
from collections.abc import Callable
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse


class NotAvailable(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Request:
    """A request other than a plain GET: posted with `data`."""

    path: str
    data: dict | None = None


@dataclasses.dataclass(frozen=True)
class Page:
    name: str
    build: Callable
    floor: str | None = None
    heavy: bool = False  # fewer repetitions, and a peak-memory run of its own
    peak: bool = False
    expect: str = ""  # the content type the page answers with (a page that answers another is not built yet)


def url(names, *, args=(), query=None):
    """The first of `names` that reverses, with `query`; NotAvailable when none does."""
    for name in names if isinstance(names, (list, tuple)) else [names]:
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:
            continue
        return f"{path}?{urlencode(query)}" if query else path
    raise NotAvailable(f"no URL named {' or '.join(names if isinstance(names, (list, tuple)) else [names])}")


def report(c, format):
    """The progress report of one jurisdiction over a year, as the report form posts it."""
    return Request(
        url("commitments:reports"),
        data={
            "kind": "progress",
            "scope": f"jurisdiction:{c['report_jurisdiction_code']}",
            "date_from": c["period_from"],
            "date_to": c["period_to"],
            "group_by": "instrument",
            "format": format,
            "audience": "internal",
        },
    )


PAGES = [
    Page("trivial", lambda c: url("commitments:whoami")),
    Page("dashboard", lambda c: url("commitments:dashboard"), floor="dashboard"),
    # A scope the count tables are not keyed by: counted from the commitments in scope.
    Page(
        "dashboard_scoped",
        lambda c: url(
            "commitments:dashboard", query={"jurisdiction": c["jurisdiction_code"], "gsp_group": "human_rights"}
        ),
    ),
    Page("gsp", lambda c: url("commitments:gsp")),
    # The public portal, every commitment published.
    Page("public_dashboard", lambda c: url("public:dashboard")),
    Page("public_list", lambda c: url("public:list")),
    Page("public_list_filtered", lambda c: url("public:list", query={"status": c["status"]})),
    Page("list_first", lambda c: url("commitments:list"), floor="list_first"),
    Page(
        "list_filtered",
        lambda c: url("commitments:list", query={"status": c["status"], "jurisdiction": c["jurisdiction_code"]}),
        floor="list_filtered",
    ),
    Page("list_deep", lambda c: url("commitments:list", query={"page": c["deep_page"]}), floor="list_deep"),
    Page("instrument", lambda c: url("commitments:instrument", args=[c["instrument_code"]]), floor="instrument"),
    # The API's list: the first page, and the page after the row 90% of the way through (a cursor).
    Page("api_list_first", lambda c: url("api:commitment_list"), floor="api_list_first", expect="application/json"),
    Page("api_list_deep", lambda c: c["api_deep_page"] or url("api:commitment_list"), floor="api_list_deep"),
    Page("commitment", lambda c: url("commitments:detail", args=[c["commitment_id"]]), floor="commitment"),
    Page(
        "export_csv",
        lambda c: url("commitments:list", query={"export": "csv"}),
        floor="export",
        heavy=True,
        peak=True,
        expect="text/csv",
    ),
    Page(
        "export_xlsx",
        lambda c: url("commitments:list", query={"export": "xlsx"}),
        floor="export",
        heavy=True,
        peak=True,
        expect="application/vnd.openxmlformats",
    ),
    Page("report_html", lambda c: report(c, "html"), floor="report", heavy=True, expect="text/html"),
    Page("report_pdf", lambda c: report(c, "pdf"), floor="report", heavy=True, expect="application/pdf"),
]


def page_named(name):
    return next(page for page in PAGES if page.name == name)
