from django.urls import path

from .views import browse, dashboard, evidence
from .views import calendar as calendar_views

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
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("reviews/<int:pk>/", calendar_views.review_detail, name="review"),
    path("reviews/<int:pk>/recommendations/add/", calendar_views.review_recommendation_add, name="review_recommendation_add"),
    path("me/settings/", calendar_views.my_settings, name="my_settings"),

    # Operations
]
