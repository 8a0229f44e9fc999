"""The public portal, under /public/ (no sign-in; docs/public.md)."""

from django.urls import path

from .views import public

app_name = "public"

urlpatterns = [
    path("", public.dashboard, name="dashboard"),
    path("commitments/", public.commitment_list, name="list"),
    path("commitments/<int:pk>/", public.commitment_detail, name="detail"),
    path("commitments/<int:pk>/submit/", public.submit, name="submit"),
    path("commitments/<int:pk>/submitted/", public.submitted, name="submitted"),
    path("evidence/<int:pk>/download/", public.evidence_download, name="evidence_download"),
    path("instruments/<path:code>/", public.instrument_detail, name="instrument"),
    path("gsp/", public.gsp, name="gsp"),
    path("data/commitments.csv", public.open_data_csv, name="open_data_csv"),
    path("data/commitments.json", public.open_data_json, name="open_data_json"),
    path("feed/updates.atom", public.feed, name="feed"),
]
