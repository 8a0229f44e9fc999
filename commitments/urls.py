from django.urls import path

from .views import browse, dashboard, evidence, operations

app_name = "commitments"

urlpatterns = [
    # Dashboard and browsing
    path("", dashboard.dashboard, name="dashboard"),
    path("commitments/", browse.CommitmentListView.as_view(), name="list"),
    path("commitments/<int:pk>/", browse.commitment_detail, name="detail"),
    path("instruments/<str:code>/", browse.instrument_detail, name="instrument"),

    # Data entry

    # Evidence
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence_download"),

    # Reports and exports

    # Calendar and reminders

    # Operations
    path("healthz", operations.healthz, name="healthz"),
]
