"""Writes: record an update with its evidence, correct one, verify. Through the same services as
the form (services/history.py), all or nothing, with the same content checks on files."""

import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import access
from ...files import check_upload
from ...models import Commitment, Evidence, StatusUpdate
from ...services import history
from .. import serializers as api
from ..errors import field_errors
from ..exceptions import ApiValidationError, IdempotencyKeyReused
from ..pagination import HistoryCursorPagination
from .base import ApiResponses
from .reads import visible_commitment_or_404, visible_evidence, visible_updates

# Idempotency keys become submission keys in this namespace, one per person: the same key sent
# by two people names two different submissions.
IDEMPOTENCY_NAMESPACE = uuid.UUID("389299d4-18c7-4551-a1ba-d3090ee14a4d")
IDEMPOTENCY_KEY_MAX_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description=_(
        "Any unique string (a UUID is best). Sending the same request again with the same key records "
        "nothing new and answers with the update recorded the first time."
    ),
)


def submission_key_from(request):
    """The submission key for the request's Idempotency-Key header (None without one)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not (key.isascii() and key.isprintable()):
        raise ApiValidationError(
            [
                {
                    "header": "Idempotency-Key",
                    "detail": str(
                        _("Give at most %(count)d printable ASCII characters (a UUID is best).")
                        % {"count": IDEMPOTENCY_KEY_MAX_LENGTH}
                    ),
                }
            ]
        )
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{request.user.pk}:{key}")


def service_errors(exc):
    """A service's ValidationError as API errors (its field names are the API's)."""
    return field_errors(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


def writable_commitment(user, pk):
    """404 if the user may not read it; 403 if they may read it but not record updates on it."""
    commitment = get_object_or_404(
        Commitment.objects.visible_to(user).select_related("instrument", "jurisdiction"), pk=pk
    )
    if not access.can_write_commitment(user, commitment):
        raise PermissionDenied(
            _("You may not record updates for commitments in %(jurisdiction)s.")
            % {"jurisdiction": commitment.jurisdiction}
        )
    return commitment


def evidence_items(data, *, sensitivity, personal_data, restricted_to):
    """EvidenceItems for the request's files and links; every file checked by its content first."""
    items, errors, seen = [], [], set()
    common = {"sensitivity": sensitivity, "personal_data": personal_data, "restricted_to": restricted_to}
    titles = data.get("evidence_file_title", [])
    for index, upload in enumerate(data.get("evidence_file", [])):
        try:
            checked = check_upload(upload)
        except ValidationError as exc:
            errors += [{"pointer": f"#/evidence_file/{index}", "detail": message} for message in exc.messages]
            continue
        if checked.sha256 in seen:
            errors.append({"pointer": f"#/evidence_file/{index}", "detail": str(_("The same file is attached twice."))})
            continue
        seen.add(checked.sha256)
        title = titles[index].strip() if index < len(titles) else ""
        items.append(
            history.EvidenceItem(
                title=title or checked.original_filename,
                file=checked.file,
                original_filename=checked.original_filename,
                content_type=checked.content_type,
                sha256=checked.sha256,
                location_metadata=checked.location_metadata,
                **common,
            )
        )
    titles = data.get("evidence_link_title", [])
    for index, url in enumerate(data.get("evidence_link", [])):
        title = titles[index].strip() if index < len(titles) else ""
        items.append(history.EvidenceItem(title=title or url, url=url, **common))
    if errors:
        raise ApiValidationError(errors)
    return items


def created(request, update, *, replayed=False):
    """201 with the update as the person who recorded it sees it."""
    update = visible_updates(request.user).get(pk=update.pk)
    body = api.StatusUpdateSerializer(update, context={"request": request}).data
    headers = {"Location": request.build_absolute_uri(reverse("api:update_detail", args=[update.pk]))}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status=status.HTTP_201_CREATED, headers=headers)


def replay_or_refuse(request, existing, **expected):
    """The same key sent again: the first answer if it asked for the same update, 422 if not."""
    for field, value in expected.items():
        if getattr(existing, field) != value:
            raise IdempotencyKeyReused()
    return created(request, existing, replayed=True)


class CommitmentUpdates(ApiResponses, generics.ListAPIView):
    """A commitment's status history, latest first (GET); record a new update with evidence (POST)."""

    serializer_class = api.StatusUpdateSerializer
    pagination_class = HistoryCursorPagination
    queryset = StatusUpdate.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        commitment = visible_commitment_or_404(self.request.user, self.kwargs["pk"])
        return visible_updates(self.request.user).filter(commitment=commitment)

    @extend_schema(
        request={
            "multipart/form-data": api.StatusUpdateCreateSerializer,
            "application/json": api.StatusUpdateCreateSerializer,
        },
        responses={201: api.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        user = request.user
        commitment = writable_commitment(user, pk)
        key = submission_key_from(request)
        existing = StatusUpdate.objects.filter(submission_key=key).first() if key else None
        serializer = api.StatusUpdateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = {
            "commitment_id": commitment.pk,
            "status": data["status"],
            "effective_on": data["effective_on"],
            "assessor_id": data["assessor"].pk,
            "note": data["note"],
        }
        if existing is not None:
            return replay_or_refuse(request, existing, **expected)
        restricted_to = history.restricted_audience(
            sensitivity=data["sensitivity"], restricted_to=data.get("restricted_to", ()), recorded_by=user
        )
        items = evidence_items(
            data, sensitivity=data["sensitivity"], personal_data=data["personal_data"], restricted_to=restricted_to
        )
        try:
            update = history.status_update_record(
                commitment=commitment,
                status=data["status"],
                effective_on=data["effective_on"],
                effective_precision=data["effective_precision"],
                assessor=data["assessor"],
                according_to=data.get("according_to"),
                note=data["note"],
                recorded_by=user,
                evidence=items,
                claim_document_check=True,
                sensitivity=data["sensitivity"],
                personal_data=data["personal_data"],
                restricted_to=restricted_to,
                follow_up_grade=data.get("follow_up_grade", ""),
                submission_key=key,
            )
        except ValidationError as exc:
            raise ApiValidationError(service_errors(exc))
        if update.recorded_by_id != user.pk or any(getattr(update, f) != v for f, v in expected.items()):
            # A concurrent request with the same key won the race and recorded something else.
            raise IdempotencyKeyReused()
        return created(request, update)


class UpdateCorrections(ApiResponses, APIView):
    """Correct an update: a new update that corrects it, on its date and in its source's name."""

    @extend_schema(
        request=api.CorrectionCreateSerializer,
        responses={201: api.StatusUpdateSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def post(self, request, pk):
        user = request.user
        original = get_object_or_404(
            StatusUpdate.objects.visible_to(user).select_related("assessor", "commitment"), pk=pk
        )
        if not access.may_correct(user, original):
            raise PermissionDenied(
                _("You may correct your own entries; reviewers and administrators any entry in their jurisdictions.")
            )
        key = submission_key_from(request)
        serializer = api.CorrectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = {"corrects_id": original.pk, "status": data["status"], "note": data["note"]}
        existing = StatusUpdate.objects.filter(submission_key=key).first() if key else None
        if existing is not None:
            return replay_or_refuse(request, existing, **expected)
        try:
            update = history.status_update_correct(
                original=original,
                status=data["status"],
                effective_on=original.effective_on,
                effective_precision=original.effective_precision,
                assessor=original.assessor,
                note=data["note"],
                corrected_by=user,
                submission_key=key,
            )
        except ValidationError as exc:
            raise ApiValidationError(service_errors(exc))
        if any(getattr(update, f) != v for f, v in expected.items()):
            raise IdempotencyKeyReused()
        return created(request, update)


def verifiable(user, queryset, pk):
    """404 if the user may not read it; 403 if they are no reviewer or it is their own entry."""
    item = get_object_or_404(queryset, pk=pk)
    if not access.is_reviewer(user):
        raise PermissionDenied(_("Only reviewers verify updates and evidence."))
    if not access.can_verify(user, item):
        raise PermissionDenied(_("Nobody verifies their own entry."))
    return item


class UpdateVerify(ApiResponses, APIView):
    """Mark an update verified (reviewers; never your own). Verifying again changes nothing."""

    @extend_schema(request=None, responses={200: api.StatusUpdateSerializer})
    def post(self, request, pk):
        update = verifiable(request.user, StatusUpdate.objects.visible_to(request.user), pk)
        history.status_update_verify(update=update, reviewer=request.user)
        fresh = visible_updates(request.user).get(pk=update.pk)
        return Response(api.StatusUpdateSerializer(fresh, context={"request": request}).data)


class EvidenceVerify(ApiResponses, APIView):
    """Mark evidence verified (reviewers; never your own). Verifying again changes nothing."""

    @extend_schema(request=None, responses={200: api.EvidenceSerializer})
    def post(self, request, pk):
        evidence = verifiable(request.user, Evidence.objects.visible_to(request.user), pk)
        history.evidence_verify(evidence=evidence, reviewer=request.user)
        fresh = visible_evidence(request.user).get(pk=evidence.pk)
        return Response(api.EvidenceSerializer(fresh, context={"request": request}).data)
