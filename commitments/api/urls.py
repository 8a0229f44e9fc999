"""The API, mounted at /api/ (see docs/api.md)."""

from django.urls import path

from . import schema  # noqa: F401  (registers how the schema describes authentication)
from .views import docs, reads, writes

app_name = "api"

urlpatterns = [
    path("", reads.ApiRoot.as_view(), name="root"),
    path("me/", reads.Me.as_view(), name="me"),
    # Reference data
    path("jurisdictions/", reads.JurisdictionList.as_view(), name="jurisdiction_list"),
    path("organisations/", reads.OrganisationList.as_view(), name="organisation_list"),
    path("themes/", reads.ThemeList.as_view(), name="theme_list"),
    path("instruments/", reads.InstrumentList.as_view(), name="instrument_list"),
    path("instruments/<path:code>/", reads.InstrumentDetail.as_view(), name="instrument_detail"),
    path("reviews/", reads.ReviewList.as_view(), name="review_list"),
    path("reviews/<int:pk>/", reads.ReviewDetail.as_view(), name="review_detail"),
    path("reviews/<int:pk>/recommendations/", reads.ReviewRecommendations.as_view(), name="review_recommendations"),
    # Commitments and their history
    path("commitments/", reads.CommitmentList.as_view(), name="commitment_list"),
    path("commitments/<int:pk>/", reads.CommitmentDetail.as_view(), name="commitment_detail"),
    path("commitments/<int:pk>/updates/", writes.CommitmentUpdates.as_view(), name="commitment_updates"),
    path("commitments/<int:pk>/views/", reads.CommitmentViews.as_view(), name="commitment_views"),
    path("commitments/<int:pk>/evidence/", reads.CommitmentEvidence.as_view(), name="commitment_evidence"),
    path("updates/", reads.UpdateList.as_view(), name="update_list"),
    path("updates/<int:pk>/", reads.UpdateDetail.as_view(), name="update_detail"),
    path("updates/<int:pk>/corrections/", writes.UpdateCorrections.as_view(), name="update_corrections"),
    path("updates/<int:pk>/verify/", writes.UpdateVerify.as_view(), name="update_verify"),
    path("evidence/<int:pk>/", reads.EvidenceDetail.as_view(), name="evidence_detail"),
    path("evidence/<int:pk>/file/", reads.EvidenceFile.as_view(), name="evidence_file"),
    path("evidence/<int:pk>/verify/", writes.EvidenceVerify.as_view(), name="evidence_verify"),
    path("deadlines/", reads.DeadlineList.as_view(), name="deadline_list"),
    # The schema, its documentation, and what each problem type means
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    path("problems/<slug:slug>/", docs.ProblemType.as_view(), name="problem_type"),
]
