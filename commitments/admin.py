"""The Django admin, for administrators curating instruments and commitments.

Writes go through the same services as the rest of the tracker. The status history is
append-only: nobody edits or deletes an update here; a superuser's change to an update is
recorded as a correction (a new update that corrects it).
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import access, models
from .forms import CorrectionForm, ResponsibleBodyForm
from .querysets import HISTORY_ORDER_DESC
from .services.commitments import (
    commitment_delete,
    commitment_link_add,
    commitment_link_remove,
    commitment_save,
    commitment_themes_set,
)
from .services.history import status_update_record, status_update_verify
from .services.people import api_token_revoke, staff_flag_sync


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = models.Commitment.objects.overdue_q()
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Unverified"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(verified_at__isnull=self.value() == "no")
        return queryset


class AdministratorsOnly:
    """Every admin screen and inline follows the role (access.may_use_admin), not per-model permissions."""

    def has_module_permission(self, request):
        return access.may_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return access.may_use_admin(request.user)

    def has_add_permission(self, request, *args):
        return access.may_use_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return access.may_use_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.may_use_admin(request.user)


class ReadOnly:
    """A record the admin shows but never adds, changes or deletes (logs, derived data, the history)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TrackerAdmin(AdministratorsOnly, admin.ModelAdmin):
    pass


class TrackerHistoryAdmin(AdministratorsOnly, SimpleHistoryAdmin):
    pass


class ReadOnlyAdmin(ReadOnly, TrackerAdmin):
    pass


@admin.register(models.Source)
class SourceAdmin(TrackerAdmin):
    list_display = ["title", "url", "publisher"]
    search_fields = ["title", "url", "publisher"]


@admin.register(models.Jurisdiction)
class JurisdictionAdmin(TrackerAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(models.Organisation)
class OrganisationAdmin(TrackerAdmin):
    list_display = ["name", "short_name", "kind", "jurisdiction"]
    list_filter = ["kind", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name", "short_name", "slug"]
    autocomplete_fields = ["jurisdiction", "sources"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Theme)
class ThemeAdmin(TrackerAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class CommitmentInline(AdministratorsOnly, admin.TabularInline):
    model = models.Commitment
    fields = ["reference", "title", "jurisdiction", "responsible_body", "due_on", "status"]
    readonly_fields = ["status"]
    autocomplete_fields = ["jurisdiction", "responsible_body"]
    show_change_link = True
    extra = 0


class GSPRequirementInline(AdministratorsOnly, admin.TabularInline):
    model = models.GSPRequirement
    fk_name = "scheme"
    autocomplete_fields = ["instrument"]
    extra = 0


class InstrumentFocalPersonInline(AdministratorsOnly, admin.TabularInline):
    model = models.InstrumentFocalPerson
    autocomplete_fields = ["user"]
    readonly_fields = ["assigned_at"]
    extra = 0


class ReportingCycleInline(AdministratorsOnly, admin.TabularInline):
    model = models.ReportingCycle
    fields = ["deadline", "period_months", "initial_months", "review_kind", "simplified_procedure", "rule_text"]
    extra = 0


@admin.register(models.Instrument)
class InstrumentAdmin(TrackerHistoryAdmin):
    list_display = ["code", "title", "kind", "jurisdiction", "pakistan_status", "bound_on", "next_report_due_on"]
    list_filter = ["kind", "jurisdiction", "pakistan_status"]
    list_select_related = ["jurisdiction"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["jurisdiction", "monitoring_body", "sources"]
    date_hierarchy = "bound_on"
    inlines = [InstrumentFocalPersonInline, ReportingCycleInline, CommitmentInline, GSPRequirementInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is models.Commitment:
            # Commitments added or changed inline go through the service, like everywhere else.
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                commitment_delete(commitment=obj)
            for commitment in instances:
                commitment_save(commitment=commitment)
            formset.save_m2m()  # the inline has no theme field: nothing derived moves
            return
        super().save_formset(request, form, formset, change)


@admin.register(models.GSPRequirement)
class GSPRequirementAdmin(TrackerAdmin):
    list_display = ["scheme", "instrument", "group", "annex_part"]
    list_filter = ["scheme", "group"]
    list_select_related = ["scheme", "instrument"]
    search_fields = ["instrument__code", "instrument__title"]
    autocomplete_fields = ["scheme", "instrument"]


@admin.register(models.Review)
class ReviewAdmin(TrackerAdmin):
    list_display = ["instrument", "title", "kind", "reviewed_on"]
    list_filter = ["kind", "instrument"]
    list_select_related = ["instrument"]
    search_fields = ["title", "instrument__code"]
    autocomplete_fields = ["instrument", "sources"]
    date_hierarchy = "reviewed_on"


class StatusUpdateInline(ReadOnly, AdministratorsOnly, admin.TabularInline):
    """The status history, read-only: it is appended to, never edited."""

    model = models.StatusUpdate
    fk_name = "commitment"
    fields = ["effective_on", "status", "assessor", "note", "recorded_by", "recorded_at", "verified_by", "corrects"]
    readonly_fields = fields
    ordering = HISTORY_ORDER_DESC
    show_change_link = True
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # Restricted updates only for the people named on them, administrators included.
        visible = models.StatusUpdate.objects.visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible)
            .select_related("assessor", "recorded_by", "verified_by", "corrects")
        )


class EvidenceInline(ReadOnly, AdministratorsOnly, admin.TabularInline):
    model = models.Evidence
    fk_name = "commitment"
    fields = [
        "title",
        "download",
        "original_filename",
        "content_type",
        "size",
        "status_update",
        "added_by",
        "added_at",
        "verified_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        visible = models.Evidence.objects.visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible)
            .select_related("status_update", "added_by", "verified_by")
        )

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.file:
            return format_html('<a href="{}">{}</a>', obj.get_download_url(), _("download"))
        if obj.url:
            return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.url, _("link"))
        return "—"


class CommitmentLinkInline(AdministratorsOnly, admin.TabularInline):
    model = models.CommitmentLink
    fk_name = "source"
    autocomplete_fields = ["target"]
    verbose_name = _("contributes to")
    verbose_name_plural = _("contributes to")
    extra = 0


class CommitmentFocalPersonInline(AdministratorsOnly, admin.TabularInline):
    model = models.CommitmentFocalPerson
    autocomplete_fields = ["user"]
    readonly_fields = ["assigned_at"]
    extra = 0


class RecommendationInline(AdministratorsOnly, admin.StackedInline):
    model = models.Recommendation
    autocomplete_fields = ["mechanism", "affected_groups", "sdg_targets", "cluster"]
    extra = 0


@admin.register(models.Commitment)
class CommitmentAdmin(TrackerHistoryAdmin):
    list_display = [
        "reference",
        "title",
        "instrument",
        "jurisdiction",
        "responsible_body",
        "status",
        "status_on",
        "due_on",
        "overdue",
    ]
    list_filter = ["instrument__kind", "instrument", "jurisdiction", "themes", "status", OverdueFilter, "contested"]
    list_select_related = ["instrument", "jurisdiction", "responsible_body"]
    search_fields = ["reference", "title", "description", "instrument__code", "recommendation_ref"]
    autocomplete_fields = [
        "instrument",
        "jurisdiction",
        "responsible_body",
        "themes",
        "review",
        "sources",
    ]
    readonly_fields = ["status", "status_on", "contested", "last_recorded_at", "created_at"]
    date_hierarchy = "due_on"
    inlines = [
        RecommendationInline,
        CommitmentFocalPersonInline,
        CommitmentLinkInline,
        StatusUpdateInline,
        EvidenceInline,
    ]
    actions = ["assign_responsible_body"]

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue()

    def save_model(self, request, obj, form, change):
        commitment_save(commitment=obj)

    def save_related(self, request, form, formsets, change):
        # Themes go through their service, which keeps the theme counts right.
        themes = form.cleaned_data.pop("themes", None)
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            if themes is not None:
                commitment_themes_set(commitment=form.instance, themes=themes)

    def delete_model(self, request, obj):
        commitment_delete(commitment=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for commitment in queryset:
                commitment_delete(commitment=commitment)

    def save_formset(self, request, form, formset, change):
        if formset.model is models.CommitmentLink:
            for link in formset.save(commit=False):
                try:
                    commitment_link_add(source=link.source, target=link.target, note=link.note)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
            for obj in formset.deleted_objects:
                commitment_link_remove(link=obj)
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Assign a responsible body to the selected commitments"))
    def assign_responsible_body(self, request, queryset):
        if "apply" in request.POST:
            form = ResponsibleBodyForm(request.POST)
            if form.is_valid():
                body = form.cleaned_data["responsible_body"]
                changed = 0
                for commitment in queryset:
                    if commitment.responsible_body_id != (body.pk if body else None):
                        commitment.responsible_body = body
                        commitment_save(commitment=commitment)
                        changed += 1
                self.message_user(
                    request,
                    _("%(count)d commitment(s) now have %(body)s as responsible body.")
                    % {"count": changed, "body": body or _("no")},
                    messages.SUCCESS,
                )
                return None
        else:
            form = ResponsibleBodyForm()
        return render(
            request,
            "admin/commitments/assign_responsible_body.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Assign a responsible body"),
                "form": form,
                "commitments": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(models.StatusUpdate)
class StatusUpdateAdmin(TrackerHistoryAdmin):
    """Append-only. Administrators view; a superuser's change is saved as a recorded correction."""

    list_display = ["commitment", "status", "effective_on", "assessor", "recorded_by", "recorded_at", "verified"]
    list_filter = [
        "status",
        "commitment__instrument",
        "commitment__jurisdiction",
        "assessor",
        "sensitivity",
        VerifiedFilter,
    ]
    list_select_related = ["commitment", "assessor", "recorded_by"]
    search_fields = ["commitment__reference", "commitment__title", "note"]
    date_hierarchy = "effective_on"
    autocomplete_fields = ["commitment", "assessor"]
    actions = ["mark_verified"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=models.StatusUpdate.objects.visible_to(request.user).values("pk"))
        )

    @admin.display(boolean=True, description=_("verified"))
    def verified(self, obj):
        return obj.is_verified

    def has_add_permission(self, request):
        return False  # updates are recorded from the commitment's page, through the service

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CorrectionForm
        kwargs["fields"] = ["status", "note"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {
                    "fields": [
                        "commitment_link",
                        "effective_on",
                        "assessor",
                        "recorded_by",
                        "recorded_at",
                        "verified_by",
                        "verified_at",
                        "corrects",
                    ]
                },
            ),
            (_("Correction: saving records a new update that corrects this one"), {"fields": ["status", "note"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [
            "commitment_link",
            "effective_on",
            "assessor",
            "recorded_by",
            "recorded_at",
            "verified_by",
            "verified_at",
            "corrects",
        ]

    @admin.display(description=_("commitment"))
    def commitment_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.commitment.get_absolute_url(), obj.commitment)

    def save_model(self, request, obj, form, change):
        original = models.StatusUpdate.objects.get(pk=obj.pk)
        if not form.has_changed():
            return
        correction = status_update_record(
            commitment=original.commitment,
            status=form.cleaned_data["status"],
            effective_on=original.effective_on,
            assessor=original.assessor,
            note=form.cleaned_data["note"],
            recorded_by=request.user,
            corrects=original,
            sensitivity=original.sensitivity,
            personal_data=original.personal_data,
            restricted_to=list(original.restricted_to.all()),
        )
        obj.pk = correction.pk  # the admin's "saved" message and redirect point at the correction
        self.message_user(request, _("Recorded as a correction; the original entry is unchanged."), messages.INFO)

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description=_("Mark the selected updates as verified"))
    def mark_verified(self, request, queryset):
        done = skipped = 0
        for update in queryset:
            if update.is_verified or not access.can_verify(request.user, update):
                skipped += 1
                continue
            status_update_verify(update=update, reviewer=request.user)
            done += 1
        self.message_user(
            request,
            _("%(done)d verified; %(skipped)d skipped (already verified or your own).")
            % {"done": done, "skipped": skipped},
        )


@admin.register(models.Evidence)
class EvidenceAdmin(TrackerHistoryAdmin):
    list_display = [
        "title",
        "commitment",
        "original_filename",
        "content_type",
        "size",
        "added_by",
        "added_at",
        "verified",
        "redacted",
    ]
    list_filter = [
        "content_type",
        "commitment__jurisdiction",
        "commitment__instrument",
        "sensitivity",
        "location_metadata",
        VerifiedFilter,
    ]
    list_select_related = ["commitment", "added_by"]
    search_fields = ["title", "original_filename", "sha256", "commitment__reference"]
    date_hierarchy = "added_at"
    fields = [
        "title",
        "commitment",
        "status_update",
        "download",
        "original_filename",
        "content_type",
        "size",
        "sha256",
        "location_metadata",
        "sensitivity",
        "added_by",
        "added_at",
        "verified_by",
        "verified_at",
        "redaction",
    ]
    readonly_fields = [f for f in fields if f != "title"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(pk__in=models.Evidence.objects.visible_to(request.user).values("pk"))
        )

    def has_add_permission(self, request):
        return False  # files arrive through "Record an update", where they are checked

    def has_delete_permission(self, request, obj=None):
        return False  # purged by redaction, which leaves a tombstone

    @admin.display(boolean=True, description=_("verified"))
    def verified(self, obj):
        return obj.verified_at is not None

    @admin.display(boolean=True, description=_("redacted"))
    def redacted(self, obj):
        return obj.redacted_at is not None

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.file:
            return format_html('<a href="{}">{}</a>', obj.get_download_url(), _("download"))
        return obj.url or "—"

    @admin.display(description=_("redaction"))
    def redaction(self, obj):
        if obj.redacted_at:
            return _("Redacted by %(who)s on %(when)s") % {
                "who": obj.redacted_by,
                "when": obj.redacted_at.strftime("%Y-%m-%d"),
            }
        return format_html(
            '<a href="{}">{}</a>', reverse("commitments:evidence_redact", args=[obj.pk]), _("Redact this file")
        )


@admin.register(models.Redaction)
class RedactionAdmin(ReadOnlyAdmin):
    list_display = ["redacted_at", "target", "redacted_by", "reason", "status_update", "evidence"]
    list_filter = ["target"]
    list_select_related = ["redacted_by", "status_update", "evidence"]
    date_hierarchy = "redacted_at"
    search_fields = ["reason"]


@admin.register(models.DownloadLog)
class DownloadLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "evidence", "ip_address"]
    list_select_related = ["user", "evidence"]
    search_fields = ["user__username", "evidence__title"]
    date_hierarchy = "at"


@admin.register(models.ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are made by their owners on their settings page; administrators see and revoke them."""

    list_display = ["name", "user", "prefix", "access", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["access", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    date_hierarchy = "created_at"
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, revoked_by=request.user)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": len(tokens)})


@admin.register(models.ApiTokenUse)
class ApiTokenUseAdmin(ReadOnlyAdmin):
    list_display = ["at", "token", "method", "path", "ip_address"]
    list_select_related = ["token"]
    search_fields = ["token__name", "token__user__username", "path"]
    date_hierarchy = "at"


@admin.register(models.ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "kind", "format", "audience", "rows"]
    list_filter = ["kind", "format", "audience"]
    list_select_related = ["user"]
    date_hierarchy = "at"


@admin.register(models.ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "created_by", "period_from", "period_to", "format", "audience"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"


@admin.register(models.ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "user", "commitment", "instrument", "due_on", "threshold"]
    list_select_related = ["user", "commitment", "instrument"]
    date_hierarchy = "sent_at"


@admin.register(models.StagedUpload)
class StagedUploadAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "original_filename", "content_type", "size"]
    list_select_related = ["user"]

    def has_delete_permission(self, request, obj=None):
        return access.may_use_admin(request.user)


@admin.register(models.Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "assessor", "status", "effective_on"]
    list_filter = ["status", "assessor"]
    list_select_related = ["commitment", "assessor"]
    search_fields = ["commitment__reference"]


@admin.register(models.StatusMonthDelta)
class StatusMonthDeltaAdmin(ReadOnlyAdmin):
    list_display = ["month", "jurisdiction", "status", "delta"]
    list_filter = ["jurisdiction", "status"]
    list_select_related = ["jurisdiction"]


@admin.register(models.CommitmentLink)
class CommitmentLinkAdmin(TrackerAdmin):
    list_display = ["source", "target", "note"]
    list_select_related = ["source", "target"]
    search_fields = ["source__reference", "target__reference"]
    autocomplete_fields = ["source", "target"]

    def save_model(self, request, obj, form, change):
        commitment_link_add(source=obj.source, target=obj.target, note=obj.note)

    def delete_model(self, request, obj):
        commitment_link_remove(link=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for link in queryset:
                commitment_link_remove(link=link)


@admin.register(models.Profile)
class ProfileAdmin(TrackerAdmin):
    list_display = ["user", "organisation", "jurisdictions_read", "jurisdictions_written"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "organisation"]
    filter_horizontal = ["read_jurisdictions", "write_jurisdictions"]
    list_select_related = ["user", "organisation"]
    exclude = ["calendar_token", "reminders_enabled_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("read_jurisdictions", "write_jurisdictions")

    @admin.display(description=_("may read"))
    def jurisdictions_read(self, obj):
        return ", ".join(j.code for j in obj.read_jurisdictions.all())

    @admin.display(description=_("may write"))
    def jurisdictions_written(self, obj):
        return ", ".join(j.code for j in obj.write_jurisdictions.all())


class ProfileInline(AdministratorsOnly, admin.StackedInline):
    model = models.Profile
    fk_name = "user"
    can_delete = False
    filter_horizontal = ["read_jurisdictions", "write_jurisdictions"]
    exclude = ["calendar_token", "reminders_enabled_at"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class TrackerUserAdmin(TrackerAdmin, UserAdmin):
    """Administrators manage people, roles and jurisdictions; only a superuser manages superusers.

    The role is the person's group; `is_staff` is not edited here but follows the role
    (services.people.staff_flag_sync), so the two never drift apart.
    """

    inlines = [ProfileInline]
    list_display = ["username", "email", "is_active", "roles"]
    list_filter = ["is_active", "groups"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = {"is_staff"} if request.user.is_superuser else {"is_staff", "is_superuser", "user_permissions"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]

    def _manages(self, request, obj):
        return obj is None or not obj.is_superuser or request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return self._manages(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._manages(request, obj) and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff_flag_sync(user=form.instance)

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())


# --- GSP+ monitoring ---------------------------------------------------------------------


@admin.register(models.GSPRequirementList)
class GSPRequirementListAdmin(TrackerAdmin):
    list_display = ["scheme", "title", "valid_from", "valid_until"]
    autocomplete_fields = ["scheme", "sources"]


@admin.register(models.GSPCycle)
class GSPCycleAdmin(TrackerAdmin):
    list_display = ["scheme", "title", "starts_on", "ends_on", "report"]
    list_select_related = ["scheme", "report"]
    autocomplete_fields = ["scheme", "sources"]
    filter_horizontal = ["missions"]


class IssueSourceInline(AdministratorsOnly, admin.TabularInline):
    model = models.IssueSource
    autocomplete_fields = ["organisation"]
    extra = 0


@admin.register(models.ScorecardIssue)
class ScorecardIssueAdmin(TrackerAdmin):
    list_display = ["convention", "title", "raised_on"]
    list_filter = ["convention"]
    list_select_related = ["convention"]
    search_fields = ["title", "reference", "convention__code"]
    autocomplete_fields = ["convention", "addressed_by", "sources"]
    inlines = [IssueSourceInline]


@admin.register(models.IssueUpdate)
class IssueUpdateAdmin(ReadOnlyAdmin):
    """Append-only: recorded on the issue's page, through its service."""

    list_display = ["issue", "cycle", "status", "kind", "assessor", "effective_on", "recorded_at"]
    list_select_related = ["issue", "issue__convention", "cycle", "cycle__scheme", "assessor"]
    list_filter = ["status", "kind", "cycle"]


@admin.register(models.CommitmentRollUp)
class CommitmentRollUpAdmin(ReadOnlyAdmin):
    """Maintained by the link services: which commitment contributes to which, at any depth."""

    list_display = ["source", "target"]
    list_select_related = ["source", "target"]


# --- Monitoring mechanisms, recommendations, reporting cycles ------------------------------


@admin.register(models.Mechanism)
class MechanismAdmin(TrackerAdmin):
    list_display = ["name", "kind", "organisation", "instrument"]
    list_filter = ["kind"]
    list_select_related = ["organisation", "instrument"]
    search_fields = ["name", "slug", "uhri_names"]
    autocomplete_fields = ["organisation", "instrument"]


@admin.register(models.SDGTarget)
class SDGTargetAdmin(TrackerAdmin):
    list_display = ["code", "title", "goal"]
    list_filter = ["goal"]
    search_fields = ["code", "title"]


@admin.register(models.AffectedGroup)
class AffectedGroupAdmin(TrackerAdmin):
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.RecommendationCluster)
class RecommendationClusterAdmin(TrackerAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(models.ReportingCycle)
class ReportingCycleAdmin(TrackerAdmin):
    list_display = ["__str__", "deadline", "period_months", "initial_months", "simplified_procedure"]
    list_filter = ["deadline", "instrument_kind"]
    list_select_related = ["instrument"]
    autocomplete_fields = ["instrument", "sources"]
