"""The enumerations every layer shares: statuses, sensitivities, date precisions, audiences.

They import nothing of the tracker, so models, querysets, access and forms can all use them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """The status vocabulary, in order of progress (stalled and regressed last)."""

    NO_INFORMATION = "no_information", _("No information")
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    STALLED = "stalled", _("Stalled")
    REGRESSED = "regressed", _("Regressed")

    @property
    def is_done(self):
        """Implemented: nothing is left to do (what overdue, open deadlines and shortcomings ask)."""
        return self == Status.IMPLEMENTED

    @property
    def progress(self):
        """How far along a status is, for comparing two: regressed lowest, implemented highest.

        "No information" is no step on this scale (None): moving to it always loses something.
        """
        return _PROGRESS.get(self)

    @classmethod
    def is_step_down(cls, before, after):
        """Moving from `before` to `after` loses ground: to a lower progress, or to "no information"."""
        before, after = cls(before), cls(after)
        if before == after or before == cls.NO_INFORMATION:
            return False
        if after == cls.NO_INFORMATION:
            return True
        return after.progress < before.progress


# The one ordering of the statuses by progress (Status.progress, Status.is_step_down).
_PROGRESS = {
    Status.REGRESSED: 0,
    Status.NOT_STARTED: 1,
    Status.STALLED: 2,
    Status.IN_PROGRESS: 3,
    Status.PARTIALLY_IMPLEMENTED: 4,
    Status.IMPLEMENTED: 5,
}


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted (named people only)")


class Precision(models.TextChoices):
    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


class Audience(models.TextChoices):
    """Who an export or a report is for."""

    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External (public items only)")

    @property
    def sensitivities(self):
        """What this audience may be shown (the rule register's "audience → sensitivities")."""
        if self == Audience.EXTERNAL:
            return (Sensitivity.PUBLIC,)
        return (Sensitivity.PUBLIC, Sensitivity.INTERNAL)


class DeadlineKind(models.TextChoices):
    """What falls due on a deadline: every item of the calendar, the feed and the reminders says which."""

    COMMITMENT = "commitment", _("Commitment due")
    PERIODIC_REPORT = "periodic_report", _("Periodic report")
    INITIAL_REPORT = "initial_report", _("Initial report")
    LOI_REPLY = "loi_reply", _("Reply to a list of issues")
    LOIPR_REPLY = "loipr_reply", _("Reply to a list of issues prior to reporting (the periodic report)")
    FOLLOW_UP_REPLY = "follow_up_reply", _("Follow-up reply")
    UPR_REPORT = "upr_report", _("UPR national report")
    MID_TERM_REPORT = "mid_term_report", _("Mid-term report")
    ARTICLE_22_REPORT = "article_22_report", _("ILO article 22 report")
    OUT_OF_CYCLE_REPORT = "out_of_cycle_report", _("Out-of-cycle report requested")
    GSP_REPORT = "gsp_report", _("GSP+ biennial report")
    GSP_SCORECARD = "gsp_scorecard", _("GSP+ scorecard exchange")

    @classmethod
    def report_kinds(cls):
        """The kinds an instrument's reporting deadline can be (all but a commitment's own due date)."""
        return [(value, label) for value, label in cls.choices if value != cls.COMMITMENT]
