"""Moderating civil-society submissions (reviewers), under /moderation/."""

from django.urls import path

from .views import moderation

app_name = "moderation"

urlpatterns = [
    path("", moderation.queue, name="queue"),
    path("<int:pk>/", moderation.decide, name="decide"),
    path("files/<int:pk>/", moderation.submission_file, name="file"),
]
