from django.urls import path

from .views import browse, dashboard, evidence, reports

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
    path("reports/", reports.reports, name="reports"),
    path("reports/kept/", reports.report_runs, name="report_runs"),

    # Calendar and reminders

    # Operations
]
