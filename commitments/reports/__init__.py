"""Reports: what the tracker says about a scope over a period, in every format.

- progress.py: the report itself (ProgressReport) and its kinds, scopes and groupings
- scorecard.py: the GSP+ scorecard reply for a monitoring cycle (ScorecardReport)
- output.py:   the same report written as HTML, PDF, Excel or CSV (and the scorecard as Word,
               through scorecard_output.py)
- runs.py:     logging a report, and keeping it so that a later one can compare against it

build_report() is the one entry point: the reports page and `manage.py report` both call it,
so the choice of report, the audience (always chosen, never defaulted) and the size check are
made in one place.
"""

from ..choices import Audience
from . import output
from .progress import (
    GROUP_BY,
    ReportKind,
    Scope,
    build_progress_report,
    build_since_review_report,
    build_since_run_report,
)
from .scorecard import build_scorecard_report

__all__ = ["GROUP_BY", "ReportKind", "Scope", "build_report"]

# Formats laid out in pages: they hold every row at once, so their size is bounded.
PAGED_FORMATS = ("html", "pdf")


def build_report(
    *,
    kind,
    user,
    audience,
    format,
    scope=None,
    date_from=None,
    date_to=None,
    run=None,
    group_by="instrument",
    cycle=None,
    known_on=None,
):
    """Build the report of `kind` for `user`; raises ValueError (bad request) or output.TooLarge.

    `known_on`: the report as it was known on that day (only entries recorded by then).
    `audience` is always the caller's explicit choice: a default would decide silently what a
    report leaves out. The scorecard reply needs a `cycle`.
    """
    if format == "docx" and kind != ReportKind.GSP_SCORECARD:
        raise ValueError("A Word document is made for the GSP+ scorecard reply only.")
    if audience not in Audience.values:
        raise ValueError("Choose who the report is for: internal or external.")
    common = {"user": user, "audience": audience, "group_by": group_by}
    if kind == ReportKind.GSP_SCORECARD:
        if known_on is not None:
            raise ValueError("The GSP+ scorecard reply is written for its cycle: it has no “as known on” date.")
        report = build_scorecard_report(user=user, cycle=cycle, scope=scope, audience=audience)
    elif kind == ReportKind.SINCE_RUN:
        if run is None:
            raise ValueError("Choose the kept report to compare against.")
        if known_on is not None:
            raise ValueError("A change since a kept report compares with what it said: it has no “as known on” date.")
        report = build_since_run_report(run=run, **common)
    elif kind == ReportKind.SINCE_REVIEW:
        report = build_since_review_report(scope=scope or Scope(), known_on=known_on, **common)
    elif kind == ReportKind.PROGRESS:
        if date_from is None or date_to is None:
            raise ValueError("Give the first and the last day of the period.")
        report = build_progress_report(
            scope=scope or Scope(), date_from=date_from, date_to=date_to, known_on=known_on, **common
        )
    else:
        raise ValueError(f"Unknown kind of report: {kind}")
    if format in PAGED_FORMATS:
        output.check_paged_size(report)
    return report
