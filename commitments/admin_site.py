"""The admin site: open to whom access.may_use_admin() says, not to whoever has `is_staff`."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import access


class TrackerAdminSite(admin.AdminSite):
    site_header = _("Commitments tracker administration")
    site_title = _("Commitments tracker")

    def has_permission(self, request):
        return access.may_use_admin(request.user)
