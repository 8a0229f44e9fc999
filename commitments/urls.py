from django.urls import path

from .views import browse, dashboard, evidence, history, imports, operations, reports, reviews
from .views import calendar as calendar_views

app_name = "commitments"

urlpatterns = [
    # Dashboard and browsing
    path("", dashboard.dashboard, name="dashboard"),
    path("commitments/", browse.CommitmentListView.as_view(), name="list"),
    path("commitments/<int:pk>/", browse.commitment_detail, name="detail"),
    # `path`: a code stored before codes were checked may hold a "/", and its page must still open.
    path("instruments/<path:code>/", browse.instrument_detail, name="instrument"),
    # The status history: record, verify, redact
    path("commitments/<int:pk>/record/", history.record_update, name="record_update"),
    path("updates/<int:pk>/verify/", history.update_verify, name="update_verify"),
    path("updates/<int:pk>/redact/", history.update_redact, name="update_redact"),
    path("evidence/<int:pk>/verify/", history.evidence_verify, name="evidence_verify"),
    path("evidence/<int:pk>/redact/", history.evidence_redact, name="evidence_redact"),
    path("import/", imports.import_upload, name="import"),
    path("import/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/template.<str:fmt>", imports.import_template, name="import_template"),
    # Evidence
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence_download"),
    # Reports and exports
    path("reports/", reports.reports, name="reports"),
    path("reports/kept/", reports.report_runs, name="report_runs"),
    # Calendar and reminders
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review"),
    path("reviews/<int:pk>/recommendations/add/", reviews.review_recommendation_add, name="review_recommendation_add"),
    path("me/settings/", calendar_views.my_settings, name="my_settings"),
    # Operations
    path("healthz", operations.healthz, name="healthz"),
    path("whoami/", operations.whoami, name="whoami"),
]
