"""What the API shows of each record, and what it accepts to record an update.

Serializers read what the views' querysets fetched (select_related / prefetch_related are
decided there, so a page of rows costs a fixed number of queries). Related reference data is
named by its natural key (instrument code, jurisdiction code, organisation and theme slug).
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import Precision, Sensitivity, Status
from ..forms import EVIDENCE_MAX_ITEMS, NOTE_MAX_CHARS
from ..models import (
    Assessment,
    Commitment,
    Evidence,
    GSPRequirement,
    Instrument,
    Jurisdiction,
    Organisation,
    Review,
    Source,
    StatusUpdate,
    Theme,
)

User = get_user_model()


def absolute(serializer, path):
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.URI)
class PageField(serializers.Field):
    """The absolute address of the record's page on the site."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return absolute(self.parent, obj.get_absolute_url())


class NaturalKey(serializers.SlugRelatedField):
    """A record named by its key; text no key can hold (a null character) is refused before any lookup."""

    default_error_messages = {
        "does_not_exist": _("Nothing is known by “{value}”."),
        "null_characters": _("Null characters are not allowed."),
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


class Username(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, **kwargs)


# --- Reference data ---------------------------------------------------------------------


class JurisdictionSerializer(serializers.ModelSerializer):
    may_read = serializers.SerializerMethodField(help_text=_("You may read its commitments."))
    may_write = serializers.SerializerMethodField(help_text=_("You may record updates on its commitments."))

    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "kind", "may_read", "may_write"]

    def get_may_read(self, obj) -> bool:
        return obj.pk in self.context["readable"]

    def get_may_write(self, obj) -> bool:
        return obj.pk in self.context["writable"]


class OrganisationSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Organisation
        fields = ["slug", "name", "short_name", "kind", "jurisdiction"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["url", "title", "publisher"]


# --- Instruments and reviews ------------------------------------------------------------


class InstrumentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:instrument_detail", lookup_field="code")
    page = PageField()
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)
    monitoring_body = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    report_overdue = serializers.BooleanField(source="is_report_overdue", read_only=True)
    link = serializers.URLField(source="url", read_only=True)
    commitments = serializers.SerializerMethodField(help_text=_("Its commitments that you may read."))

    class Meta:
        model = Instrument
        fields = [
            "code",
            "url",
            "page",
            "title",
            "kind",
            "jurisdiction",
            "monitoring_body",
            "pakistan_status",
            "status_detail",
            "signed_on",
            "signed_precision",
            "bound_on",
            "bound_precision",
            "reporting_periodicity",
            "next_report_due_on",
            "next_report_due_source",
            "report_overdue",
            "link",
            "commitments",
        ]

    def get_commitments(self, obj) -> str:
        return absolute(self, f"{reverse('api:commitment_list')}?instrument={obj.code}")


class RequiredConventionSerializer(serializers.ModelSerializer):
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = GSPRequirement
        fields = ["instrument", "group", "annex_part"]


class ReviewSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:review_detail")

    class Meta:
        model = Review
        fields = ["id", "url", "kind", "title", "reviewed_on", "reviewed_precision"]


class InstrumentDetailSerializer(InstrumentSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    required_conventions = RequiredConventionSerializer(
        many=True, read_only=True, help_text=_("For a trade scheme: the conventions it requires.")
    )
    reviews = ReviewSummarySerializer(many=True, read_only=True)

    class Meta(InstrumentSerializer.Meta):
        fields = InstrumentSerializer.Meta.fields + [
            "reservations",
            "notes",
            "source_quote",
            "sources",
            "required_conventions",
            "reviews",
        ]


class ReviewSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:review_detail")
    page = serializers.SerializerMethodField()
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)
    link = serializers.URLField(source="url", read_only=True)
    recommendations = serializers.SerializerMethodField(help_text=_("The recommendations you may read."))

    class Meta:
        model = Review
        fields = [
            "id",
            "url",
            "page",
            "instrument",
            "kind",
            "title",
            "reviewed_on",
            "reviewed_precision",
            "link",
            "notes",
            "recommendations",
        ]

    def get_page(self, obj) -> str:
        return absolute(self, reverse("commitments:review", args=[obj.pk]))

    def get_recommendations(self, obj) -> str:
        return absolute(self, reverse("api:review_recommendations", args=[obj.pk]))


class ReviewDetailSerializer(ReviewSerializer):
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = ReviewSerializer.Meta.fields + ["source_quote", "sources"]


# --- Evidence and the status history ----------------------------------------------------


class EvidenceFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_filename")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download = serializers.SerializerMethodField(
        help_text=_("The file, for whoever may see it; every download is logged.")
    )

    def get_download(self, obj) -> str:
        return absolute(self, reverse("api:evidence_file", args=[obj.pk]))


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:evidence_detail")
    date = serializers.DateField(source="evidence_on", read_only=True)
    date_precision = serializers.CharField(source="evidence_precision", read_only=True)
    source_organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    link = serializers.URLField(source="url", read_only=True, help_text=_("For evidence that is a link."))
    file = serializers.SerializerMethodField()
    added_by = Username()
    verified = serializers.SerializerMethodField()
    verified_by = Username()
    redacted = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "url",
            "commitment",
            "status_update",
            "title",
            "date",
            "date_precision",
            "source_organisation",
            "link",
            "file",
            "added_by",
            "added_at",
            "sensitivity",
            "personal_data",
            "verified",
            "verified_by",
            "verified_at",
            "redacted",
        ]

    @extend_schema_field(EvidenceFileSerializer(allow_null=True))
    def get_file(self, obj):
        if not obj.file:
            return None
        return EvidenceFileSerializer(obj, context=self.context).data

    def get_verified(self, obj) -> bool:
        return obj.verified_at is not None

    def get_redacted(self, obj) -> bool:
        return obj.redacted_at is not None


class StatusUpdateSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:update_detail")
    assessor = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text=_("Who says so."))
    recorded_by = Username()
    according_to = serializers.SlugRelatedField(
        slug_field="url", read_only=True, help_text=_("The document that carries the claim (a source's address).")
    )
    recorder_organisation = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("The organisation of the person who recorded it.")
    )
    verified = serializers.SerializerMethodField()
    verified_by = Username()
    note_redacted = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True, source="visible_evidence")

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "url",
            "commitment",
            "status",
            "effective_on",
            "effective_precision",
            "assessor",
            "according_to",
            "note",
            "note_redacted",
            "follow_up_grade",
            "recorded_by",
            "recorder_organisation",
            "recorded_at",
            "corrects",
            "sensitivity",
            "personal_data",
            "verified",
            "verified_by",
            "verified_at",
            "evidence",
        ]

    def get_verified(self, obj) -> bool:
        return obj.verified_at is not None

    def get_note_redacted(self, obj) -> bool:
        return obj.redacted_at is not None


class SourceViewSerializer(serializers.ModelSerializer):
    """One source's current view of a commitment: its latest (unrestricted) update."""

    assessor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assessor_name = serializers.CharField(source="assessor.name", read_only=True)
    update_url = serializers.HyperlinkedRelatedField(source="update", view_name="api:update_detail", read_only=True)

    class Meta:
        model = Assessment
        fields = ["assessor", "assessor_name", "status", "effective_on", "update", "update_url"]


# --- Commitments ------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment_detail")
    page = PageField()
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)
    jurisdiction = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsible_body = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    stale = serializers.BooleanField(source="is_stale", read_only=True)
    # Present when the list is asked for ?as_of= (or ?known_on=): the headline held on that date,
    # as known on ?known_on= when it is given.
    status_as_of = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        required=False,
        help_text=_("With ?as_of=: the headline status held on that date (as known on ?known_on=, if given)."),
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "url",
            "page",
            "instrument",
            "reference",
            "title",
            "description",
            "jurisdiction",
            "responsible_body",
            "themes",
            "due_on",
            "articles",
            "review",
            "recommendation_ref",
            "recommendation_response",
            "status",
            "status_on",
            "status_precision",
            "confirmed_on",
            "confirmed_precision",
            "status_as_of",
            "contested",
            "overdue",
            "stale",
            "last_effective_on",
            "last_recorded_at",
            "created_at",
        ]


class CommitmentDetailSerializer(CommitmentSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    views = SourceViewSerializer(many=True, read_only=True, source="api_views", help_text=_("Each source's view."))
    contributes_to = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        source="api_contributes_to",
        help_text=_("The commitments (that you may read) this one contributes to."),
    )
    contributions = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        source="api_contributions",
        help_text=_("The commitments (that you may read) contributing to this one."),
    )
    evidence = EvidenceSerializer(
        many=True,
        read_only=True,
        source="api_evidence",
        help_text=_("Evidence about the commitment itself (evidence of an update is on the update)."),
    )
    updates = serializers.SerializerMethodField(help_text=_("Its status history."))

    class Meta(CommitmentSerializer.Meta):
        fields = CommitmentSerializer.Meta.fields + [
            "source_quote",
            "sources",
            "views",
            "contributes_to",
            "contributions",
            "evidence",
            "updates",
        ]

    def get_updates(self, obj) -> str:
        return absolute(self, reverse("api:commitment_updates", args=[obj.pk]))


# --- Deadlines --------------------------------------------------------------------------


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["commitment", "report"])
    due_on = serializers.DateField()
    days_left = serializers.IntegerField()
    overdue = serializers.BooleanField()
    reference = serializers.CharField()
    title = serializers.CharField()
    jurisdiction = serializers.CharField(help_text=_("The jurisdiction's name."))
    page = serializers.URLField()
    resource = serializers.URLField(help_text=_("The commitment or the instrument in this API."))


# --- Writes -----------------------------------------------------------------------------


class StatusUpdateCreateSerializer(serializers.Serializer):
    """A new status for a commitment, who says so, and its evidence: files (multipart) and links.

    Files and links are lists; each may have a title at the same position of the matching
    title list (a file's title defaults to its name, a link's to its address).
    """

    status = serializers.ChoiceField(choices=Status.choices)
    effective_on = serializers.DateField(help_text=_("The day this status took effect (not today, unless it is)."))
    effective_precision = serializers.ChoiceField(
        choices=Precision.choices, default=Precision.DAY, help_text=_("How much of the date is known.")
    )
    assessor = NaturalKey(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text=_("Who says so: the organisation whose assessment this is (its slug). Never defaulted."),
    )
    according_to = NaturalKey(
        slug_field="url",
        queryset=Source.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "The document that carries the claim (a source's address): required, unless a file or link is "
            "attached, when the organisation is neither yours nor one you may record for directly."
        ),
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_CHARS,
        error_messages={"blank": _("Write a short note saying what changed and how you know.")},
    )
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices, default=Sensitivity.INTERNAL)
    personal_data = serializers.BooleanField(default=False)
    restricted_to = NaturalKey(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("For a restricted update: who may see it (usernames). You are added."),
    )
    follow_up_grade = serializers.ChoiceField(choices=StatusUpdate.Grade.choices, required=False, allow_blank=True)
    evidence_file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, max_length=1000),
        required=False,
        max_length=EVIDENCE_MAX_ITEMS,
        help_text=_("Evidence files (multipart only), checked by their content."),
    )
    evidence_file_title = serializers.ListField(
        child=serializers.CharField(max_length=300, allow_blank=True), required=False, max_length=EVIDENCE_MAX_ITEMS
    )
    evidence_link = serializers.ListField(
        child=serializers.URLField(max_length=1000), required=False, max_length=EVIDENCE_MAX_ITEMS
    )
    evidence_link_title = serializers.ListField(
        child=serializers.CharField(max_length=300, allow_blank=True), required=False, max_length=EVIDENCE_MAX_ITEMS
    )

    def validate(self, data):
        errors = {}
        if data.get("sensitivity") == Sensitivity.RESTRICTED and not data.get("restricted_to"):
            errors["restricted_to"] = [_("Name at least one person who may see a restricted update.")]
        files, links = data.get("evidence_file", []), data.get("evidence_link", [])
        if len(data.get("evidence_file_title", [])) > len(files):
            errors["evidence_file_title"] = [_("There are more file titles than files.")]
        if len(data.get("evidence_link_title", [])) > len(links):
            errors["evidence_link_title"] = [_("There are more link titles than links.")]
        if len(files) + len(links) > EVIDENCE_MAX_ITEMS:
            errors["evidence_file"] = [_("At most %(count)d evidence items.") % {"count": EVIDENCE_MAX_ITEMS}]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class CorrectionCreateSerializer(serializers.Serializer):
    """A correction: the corrected entry's date, source and audience stay; the status and note are new."""

    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_CHARS,
        error_messages={"blank": _("Say what was wrong and what is right.")},
    )
