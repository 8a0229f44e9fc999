from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    default = True
    name = "commitments"
    verbose_name = _("Commitments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Celery tasks, registered in every process: the web process queues jobs by them.
        from .jobs import tasks  # noqa: F401


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the tracker's admin site as the default one."""

    default = False
    default_site = "commitments.admin_site.TrackerAdminSite"
