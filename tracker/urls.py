from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from commitments.views import account, errors

handler400 = errors.bad_request

urlpatterns = [
    path("login/", account.login, name="login"),
    path("login/code/", account.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", account.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/qr.svg", account.two_factor_qr, name="two_factor_qr"),
    path("language/", account.language_set, name="set_language"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # One way in: the admin's own login page would skip the code step.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/", include("commitments.api.urls")),
    path("public/", include("commitments.public_urls")),
    path("moderation/", include("commitments.moderation_urls")),
    path("", include("commitments.urls")),
]

handler400 = "commitments.views.errors.bad_request"
handler403 = "commitments.views.errors.permission_denied"
# Under /api/, a missing address answers problem details; elsewhere the site's 404 page.
handler404 = "commitments.api.errors.not_found"
handler500 = "commitments.views.errors.server_error"
