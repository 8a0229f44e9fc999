from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from commitments.views import account

urlpatterns = [
    path("login/", account.login, name="login"),
    path("login/code/", account.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", account.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/qr.svg", account.two_factor_qr, name="two_factor_qr"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("commitments.urls")),
]
