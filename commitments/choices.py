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
