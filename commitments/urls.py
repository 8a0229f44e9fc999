from django.urls import path

from .views import (
    browse,
    dashboard,
    evidence,
    gsp,
    history,
    imports,
    jobs,
    operations,
    recommendations,
    reports,
    reviews,
)
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
    path("updates/<int:pk>/correct/", history.correct_update, name="correct_update"),
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
    # Background jobs: progress, then the file (to its requester only)
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job_download"),
    # GSP+ monitoring
    path("gsp/", gsp.gsp_overview, name="gsp"),
    path("gsp/issues/add/", gsp.gsp_issue_add, name="gsp_issue_add"),
    path("gsp/issues/<int:pk>/", gsp.gsp_issue, name="gsp_issue"),
    path("gsp/issues/<int:pk>/update/", gsp.gsp_issue_update, name="gsp_issue_update"),
    path("gsp/issues/<int:pk>/link/", gsp.gsp_issue_link, name="gsp_issue_link"),
    path("gsp/issues/<int:pk>/sources/", gsp.gsp_issue_source_add, name="gsp_issue_source_add"),
    path("gsp/cycles/<int:pk>/", gsp.gsp_cycle, name="gsp_cycle"),
    # Calendar and reminders
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review"),
    path("reviews/<int:pk>/recommendations/add/", reviews.review_recommendation_add, name="review_recommendation_add"),
    path("reviews/<int:pk>/follow-up/", recommendations.review_follow_up_set, name="review_follow_up"),
    # Recommendations
    path("recommendations/add/", recommendations.recommendation_add, name="recommendation_add"),
    path("recommendations/<int:pk>/similar/", recommendations.recommendation_similar, name="recommendation_similar"),
    path(
        "recommendations/<int:pk>/cluster/leave/",
        recommendations.recommendation_cluster_leave,
        name="recommendation_cluster_leave",
    ),
    path("recommendations/<int:pk>/follow-up/reply/", recommendations.follow_up_reply, name="follow_up_reply"),
    path(
        "recommendations/<int:pk>/follow-up/assessment/",
        recommendations.follow_up_assessment,
        name="follow_up_assessment",
    ),
    path("me/settings/", calendar_views.my_settings, name="my_settings"),
    # Operations
    path("healthz", operations.healthz, name="healthz"),
    path("whoami/", operations.whoami, name="whoami"),
]
