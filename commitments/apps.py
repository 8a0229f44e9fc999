from django.apps import AppConfig, apps
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

        readable_admin_names()


# The admin's names for the models of the libraries we use, in the staff's words. Only the shown
# names change (not the models' options), so the libraries' migrations stay as they are.
LIBRARY_NAMES = {
    "axes": (
        _("Sign-in protection"),
        {
            "AccessAttempt": (_("login attempt"), _("Login attempts")),
            "AccessLog": (_("login"), _("Logins")),
            "AccessFailureLog": (_("failed login"), _("Failed logins")),
        },
    ),
    "otp_totp": (_("Two-factor sign-in"), {"TOTPDevice": (_("two-factor device"), _("Two-factor devices"))}),
}


def readable_admin_names():
    for label, (app_name, models) in LIBRARY_NAMES.items():
        try:
            config = apps.get_app_config(label)
        except LookupError:  # not installed in this configuration
            continue
        config.verbose_name = app_name
        for model_name, (singular, plural) in models.items():
            meta = config.get_model(model_name)._meta
            meta.verbose_name, meta.verbose_name_plural = singular, plural


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the tracker's admin site as the default one."""

    default = False
    default_site = "commitments.admin_site.TrackerAdminSite"
