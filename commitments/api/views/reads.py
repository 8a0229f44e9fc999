"""Reads: every list and record starts from the same visible_to(user) querysets as the pages."""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import access
from ...filters import ID_MAX, CommitmentFilter
from ...forms import DeadlineFilter
from ...models import (
    Assessment,
    Commitment,
    Evidence,
    Instrument,
    Jurisdiction,
    Organisation,
    Review,
    StatusUpdate,
    Theme,
)
from ...selectors import deadlines as deadline_selectors
from ...views.evidence import evidence_file_response
from .. import serializers as api
from ..exceptions import QueryValidationError
from ..pagination import DeadlineCursorPagination
from .base import ApiResponses, ETagged, StrictFilterBackend

# The list's theme and source filters pick a record by its slug through a method of their own:
# say so for the schema, which cannot see the type through the method.
for _name in ("theme", "source", "sdg", "affected"):
    extend_schema_field(OpenApiTypes.STR)(CommitmentFilter.base_filters[_name])


# --- Querysets: what each resource reads, with its related rows fetched up front ---------


def visible_commitments(user):
    return Commitment.objects.visible_to(user).with_related()


def visible_evidence(user):
    return Evidence.objects.visible_to(user).select_related("source_organisation", "added_by", "verified_by")


def visible_updates(user):
    """Updates the user may read, each with the evidence on it that they may read."""
    return (
        StatusUpdate.objects.visible_to(user)
        .select_related("assessor", "recorded_by", "verified_by", "according_to", "recorder_organisation")
        .prefetch_related(Prefetch("evidence", queryset=visible_evidence(user), to_attr="visible_evidence"))
    )


def visible_commitment_or_404(user, pk):
    return get_object_or_404(Commitment.objects.visible_to(user).only("pk", "jurisdiction_id"), pk=pk)


# --- The root and the person asking -----------------------------------------------------


class ApiRoot(ApiResponses, APIView):
    """Where everything is."""

    @extend_schema(
        responses=inline_serializer("ApiRoot", {"links": serializers.DictField(child=serializers.URLField())})
    )
    def get(self, request):
        names = {
            "me": "api:me",
            "commitments": "api:commitment_list",
            "updates": "api:update_list",
            "instruments": "api:instrument_list",
            "reviews": "api:review_list",
            "deadlines": "api:deadline_list",
            "jurisdictions": "api:jurisdiction_list",
            "organisations": "api:organisation_list",
            "themes": "api:theme_list",
            "schema": "api:schema",
            "docs": "api:docs",
        }
        return Response({"links": {key: request.build_absolute_uri(reverse(name)) for key, name in names.items()}})


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    read_jurisdictions = serializers.ListField(child=serializers.CharField())
    write_jurisdictions = serializers.ListField(child=serializers.CharField())
    may_verify = serializers.BooleanField()
    is_administrator = serializers.BooleanField()
    token = inline_serializer(
        "TokenInUse",
        {
            "name": serializers.CharField(),
            "starts_with": serializers.CharField(),
            "access": serializers.CharField(),
            "expires_at": serializers.DateTimeField(),
        },
        allow_null=True,
    )


class Me(ApiResponses, APIView):
    """Who you are here: what you may read and write, and the token you are using."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user, token = request.user, request.auth
        return Response(
            {
                "username": user.get_username(),
                "read_jurisdictions": list(Jurisdiction.objects.readable_by(user).values_list("code", flat=True)),
                "write_jurisdictions": list(Jurisdiction.objects.writable_by(user).values_list("code", flat=True)),
                "may_verify": access.is_reviewer(user),
                "is_administrator": access.is_administrator(user),
                "token": None
                if token is None
                else {
                    "name": token.name,
                    "starts_with": token.prefix,
                    "access": token.access,
                    "expires_at": token.expires_at,
                },
            }
        )


# --- Reference data ---------------------------------------------------------------------


class JurisdictionList(ApiResponses, generics.ListAPIView):
    """Every jurisdiction, and whether you may read and write its commitments."""

    serializer_class = api.JurisdictionSerializer
    queryset = Jurisdiction.objects.all()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["readable"] = set(Jurisdiction.objects.readable_by(user).values_list("pk", flat=True))
        context["writable"] = set(Jurisdiction.objects.writable_by(user).values_list("pk", flat=True))
        return context


class OrganisationList(ApiResponses, generics.ListAPIView):
    """Organisations: who says so, who is responsible, who monitors."""

    serializer_class = api.OrganisationSerializer
    queryset = Organisation.objects.select_related("jurisdiction")


class ThemeList(ApiResponses, generics.ListAPIView):
    serializer_class = api.ThemeSerializer
    queryset = Theme.objects.all()


# --- Instruments and reviews ------------------------------------------------------------


class InstrumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Instrument.Kind.choices)
    jurisdiction = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(), to_field_name="code", field_name="jurisdiction"
    )

    class Meta:
        model = Instrument
        fields = []


class InstrumentList(ApiResponses, generics.ListAPIView):
    """Treaties, conventions, schemes, plans and laws (open to everyone signed in, as on the pages)."""

    serializer_class = api.InstrumentSerializer
    queryset = Instrument.objects.select_related("jurisdiction", "monitoring_body")
    filter_backends = [StrictFilterBackend]
    filterset_class = InstrumentFilter


class InstrumentDetail(ETagged, generics.RetrieveAPIView):
    serializer_class = api.InstrumentDetailSerializer
    lookup_field = "code"
    queryset = Instrument.objects.select_related("jurisdiction", "monitoring_body").prefetch_related(
        "sources", "reviews", "required_conventions__instrument"
    )

    def get_object(self):
        if "\x00" in self.kwargs["code"]:  # no code holds a null character; PostgreSQL refuses to compare with one
            raise NotFound()
        return super().get_object()


class ReviewFilter(django_filters.FilterSet):
    instrument = django_filters.ModelChoiceFilter(
        queryset=Instrument.objects.all(), to_field_name="code", field_name="instrument"
    )

    class Meta:
        model = Review
        fields = []


class ReviewList(ApiResponses, generics.ListAPIView):
    """Past reviews of Pakistan: treaty-body reviews, EU GSP reports, missions."""

    serializer_class = api.ReviewSerializer
    queryset = Review.objects.select_related("instrument")
    filter_backends = [StrictFilterBackend]
    filterset_class = ReviewFilter


class ReviewDetail(ETagged, generics.RetrieveAPIView):
    serializer_class = api.ReviewDetailSerializer
    queryset = Review.objects.select_related("instrument").prefetch_related("sources")


class ReviewRecommendations(ApiResponses, generics.ListAPIView):
    """The recommendations received in a review that you may read (they are commitments)."""

    serializer_class = api.CommitmentSerializer
    queryset = Commitment.objects.none()  # for the schema; each request reads get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        review = get_object_or_404(Review.objects.only("pk"), pk=self.kwargs["pk"])
        return visible_commitments(self.request.user).filter(review=review)


# --- Commitments ------------------------------------------------------------------------


class CommitmentList(ApiResponses, generics.ListAPIView):
    """The commitments you may read, with the list page's filters (the same query parameters)."""

    serializer_class = api.CommitmentSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = CommitmentFilter

    def get_queryset(self):
        return visible_commitments(self.request.user)


class CommitmentDetail(ETagged, generics.RetrieveAPIView):
    """A commitment: its headline status, each source's view, its links and its own evidence."""

    serializer_class = api.CommitmentDetailSerializer

    def get_queryset(self):
        return visible_commitments(self.request.user).select_related("review").prefetch_related("sources")

    def get_object(self):
        commitment = super().get_object()
        user = self.request.user
        visible = Commitment.objects.visible_to(user)
        commitment.api_views = list(
            Assessment.objects.filter(commitment=commitment).select_related("assessor").order_by("assessor__name")
        )
        commitment.api_contributes_to = list(
            visible.filter(links_in__source=commitment).order_by("pk").values_list("pk", flat=True)
        )
        commitment.api_contributions = list(
            visible.filter(links_out__target=commitment).order_by("pk").values_list("pk", flat=True)
        )
        commitment.api_evidence = list(
            visible_evidence(user).filter(commitment=commitment, status_update__isnull=True).order_by("pk")
        )
        return commitment


class CommitmentViews(ApiResponses, generics.ListAPIView):
    """Each source's current view of a commitment: its latest update (restricted updates never count)."""

    serializer_class = api.SourceViewSerializer
    pagination_class = None
    queryset = Assessment.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        commitment = visible_commitment_or_404(self.request.user, self.kwargs["pk"])
        return Assessment.objects.filter(commitment=commitment).select_related("assessor").order_by("assessor__name")


class CommitmentEvidence(ApiResponses, generics.ListAPIView):
    """All evidence of a commitment that you may read: on the commitment and on its updates."""

    serializer_class = api.EvidenceSerializer
    queryset = Evidence.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        commitment = visible_commitment_or_404(self.request.user, self.kwargs["pk"])
        return visible_evidence(self.request.user).filter(commitment=commitment)


# --- The status history -----------------------------------------------------------------


class UpdateFilter(django_filters.FilterSet):
    commitment = django_filters.NumberFilter(
        field_name="commitment_id", min_value=1, max_value=ID_MAX, decimal_places=0
    )
    assessor = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), to_field_name="slug", field_name="assessor", label=_("Who says so")
    )
    status = django_filters.ChoiceFilter(choices=StatusUpdate._meta.get_field("status").choices)
    recorded_after = django_filters.IsoDateTimeFilter(field_name="recorded_at", lookup_expr="gt")

    class Meta:
        model = StatusUpdate
        fields = []


class UpdateList(ApiResponses, generics.ListAPIView):
    """Every update you may read, oldest recorded first: follow `next` (or ask ?recorded_after=) to keep in step."""

    serializer_class = api.StatusUpdateSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = UpdateFilter

    def get_queryset(self):
        return visible_updates(self.request.user)


class UpdateDetail(ETagged, generics.RetrieveAPIView):
    serializer_class = api.StatusUpdateSerializer

    def get_queryset(self):
        return visible_updates(self.request.user)


class EvidenceDetail(ETagged, generics.RetrieveAPIView):
    serializer_class = api.EvidenceSerializer

    def get_queryset(self):
        return visible_evidence(self.request.user)


class EvidenceFile(ApiResponses, APIView):
    """The evidence file itself, through the same permission check and download log as the page."""

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file.")),
            302: OpenApiResponse(description=_("Evidence that is a link: its address, or a short-lived signed URL.")),
        }
    )
    def get(self, request, pk):
        return evidence_file_response(request, pk, user=request.user)


# --- Deadlines --------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter(name, str, description=str(field.label)) for name, field in DeadlineFilter.base_fields.items()
    ]
)
class DeadlineList(ApiResponses, generics.GenericAPIView):
    """Commitment deadlines and reports due, by date, with the calendar page's filters."""

    serializer_class = api.DeadlineSerializer
    pagination_class = DeadlineCursorPagination

    def get(self, request):
        form = DeadlineFilter(request.query_params)
        if not form.is_valid():
            raise QueryValidationError(form.errors)
        today = timezone.localdate()
        commitments, reports = deadline_selectors.deadline_querysets(request.user, form.cleaned_data, today)
        page = self.paginator.paginate_deadlines(request, commitments=commitments, reports=reports)
        rows = []
        for rank, obj in page:
            if rank == DeadlineCursorPagination.COMMITMENT:
                deadline = deadline_selectors.commitment_deadline(obj, today)
                resource = reverse("api:commitment_detail", args=[obj.pk])
            else:
                deadline = deadline_selectors.report_deadline(obj, today)
                resource = reverse("api:instrument_detail", args=[obj.code])
            rows.append(
                {
                    "kind": deadline.kind,
                    "due_on": deadline.due_on,
                    "days_left": deadline.days_left(today),
                    "overdue": deadline.overdue,
                    "reference": deadline.reference,
                    "title": deadline.title,
                    "jurisdiction": deadline.jurisdiction,
                    "page": request.build_absolute_uri(deadline.path),
                    "resource": request.build_absolute_uri(resource),
                }
            )
        return self.paginator.get_paginated_response(self.get_serializer(rows, many=True).data)
