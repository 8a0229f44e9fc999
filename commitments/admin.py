"""The Django admin, for administrators curating instruments and commitments.

Writes go through the same services as the rest of the tracker. The status history is
append-only: nobody edits or deletes an update here; a superuser's change to an update is
recorded as a correction (a new update that corrects it).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from . import access, models
from .choices import Sensitivity
from .forms import (
    CommitmentLinkForm,
    CorrectionForm,
    ModelMultipleChoiceField,
    RedactionForm,
    ResponsibleBodyForm,
    RestrictedToForm,
    is_storable_key,
)
from .querysets import HISTORY_ORDER_DESC
from .selectors.history import format_changes
from .services.commitments import (
    commitment_delete,
    commitment_link_add,
    commitment_link_remove,
    commitment_save,
    commitment_themes_set,
)
from .services.history import (
    evidence_file_redact,
    restricted_to_set,
    status_update_correct,
    status_update_note_redact,
    status_update_verify,
)
from .services.people import (
    api_token_revoke,
    person_changes_record,
    person_delete,
    person_snapshot,
    two_factor_invite,
    two_factor_reset,
)
from .services.publishing import commitment_publish_set, instrument_publish_set, public_data_changed
from .services.reference import reference_delete, reference_save
from .services.uploads import staged_upload_discard

# What a screen shows in place of a restricted item the administrator is not named on.
RESTRICTED = _("restricted item (you are not named on it)")


def _key_or_404(model_field, value):
    """An id from the address, or 404: "abc", "²" and 99999999999999999999 are not ids."""
    if not is_storable_key(model_field, value):
        raise Http404
    try:
        return model_field.to_python(value)
    except ValidationError:
        raise Http404


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, showing a form again after a crafted value ("abc", a huge number) without a server error."""

    def optgroups(self, name, value, attr=None):
        value = [v for v in value if v in (None, "") or is_storable_key(self.field.target_field, v)]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        value = [v for v in value if v in (None, "") or is_storable_key(self.field.target_field, v)]
        return super().optgroups(name, value, attr)


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
    """Every admin screen and inline follows the role (access.may_use_admin), not per-model permissions.

    Its form fields refuse crafted ids (a huge number, "abc") as invalid choices, and show the
    form again with them without a server error.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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
    """Stored versions are shown, never written back: a revert would bypass the services (and the
    visibility rule); changes are made on the record itself. A record the user may not read
    (a restricted update or evidence they are not named on) has no history page for them."""

    def revert_disabled(self, request, obj=None):
        return True

    def _readable_or_404(self, request, object_id):
        pk = _key_or_404(self.model._meta.pk, unquote(str(object_id)))
        exists = self.model._default_manager.filter(pk=pk).exists()
        if exists and not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404
        return pk

    def history_view(self, request, object_id, extra_context=None):
        self._readable_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        self._readable_or_404(request, object_id)
        _key_or_404(self.model.history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(ReadOnly, TrackerAdmin):
    pass


class AuditedReferenceAdmin(TrackerAdmin):
    """Organisations, sources, GSP+ requirements and their lists, and themes are saved and deleted through
    their service (services.reference: the audit trail)."""

    def save_model(self, request, obj, form, change):
        m2m = {
            field.name: form.cleaned_data[field.name]
            for field in obj._meta.many_to_many
            if field.name in form.cleaned_data
        }
        reference_save(record=obj, actor=request.user, m2m=m2m)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # the form's own many-to-many values were set by the service
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        reference_delete(record=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for record in queryset:
                reference_delete(record=record, actor=request.user)


@admin.register(models.Source)
class SourceAdmin(AuditedReferenceAdmin):
    list_display = ["title", "url", "publisher"]
    search_fields = ["title", "url", "publisher"]


@admin.register(models.Jurisdiction)
class JurisdictionAdmin(TrackerAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(models.Organisation)
class OrganisationAdmin(AuditedReferenceAdmin):
    list_display = ["name", "short_name", "kind", "jurisdiction"]
    list_filter = ["kind", "jurisdiction"]
    list_select_related = ["jurisdiction"]
    search_fields = ["name", "short_name", "slug"]
    autocomplete_fields = ["jurisdiction", "sources"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Theme)
class ThemeAdmin(AuditedReferenceAdmin):
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
    list_display = [
        "code",
        "title",
        "kind",
        "jurisdiction",
        "pakistan_status",
        "bound_on",
        "next_report_due_on",
        "published",
    ]
    list_filter = ["kind", "jurisdiction", "pakistan_status", "published"]
    # Published only through the actions: publishing moves the public data version (docs/public.md).
    readonly_fields = ["published"]
    actions = ["publish", "unpublish"]
    list_select_related = ["jurisdiction"]
    search_fields = ["code", "title", "title_ur"]
    autocomplete_fields = ["jurisdiction", "monitoring_body", "sources"]
    date_hierarchy = "bound_on"
    inlines = [InstrumentFocalPersonInline, ReportingCycleInline, CommitmentInline, GSPRequirementInline]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if obj.published:
                public_data_changed()  # its ratification facts and calendar are on the public portal

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
        if formset.model is models.GSPRequirement:
            for requirement in formset.save(commit=False):
                reference_save(record=requirement, actor=request.user)
            for requirement in formset.deleted_objects:
                reference_delete(record=requirement, actor=request.user)
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Publish the selected instruments on the public portal"))
    def publish(self, request, queryset):
        _publish_selected(self, request, queryset, True, instrument_publish_set, "instrument")

    @admin.action(description=_("Withdraw the selected instruments from the public portal"))
    def unpublish(self, request, queryset):
        _publish_selected(self, request, queryset, False, instrument_publish_set, "instrument")


def _publish_selected(model_admin, request, queryset, published, service, keyword):
    with transaction.atomic():
        for record in queryset:
            service(**{keyword: record, "published": published, "actor": request.user})
    message = (
        _("%(count)d record(s) published: public, verified material of them now shows on the public portal.")
        if published
        else _("%(count)d record(s) withdrawn from the public portal.")
    )
    model_admin.message_user(request, message % {"count": len(queryset)}, messages.SUCCESS)


@admin.register(models.GSPRequirement)
class GSPRequirementAdmin(AuditedReferenceAdmin):
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
    form = CommitmentLinkForm
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
        "published",
    ]
    list_filter = [
        "instrument__kind",
        "instrument",
        "jurisdiction",
        "themes",
        "status",
        OverdueFilter,
        "contested",
        "published",
    ]
    list_select_related = ["instrument", "jurisdiction", "responsible_body"]
    search_fields = ["reference", "title", "title_ur", "description", "instrument__code", "recommendation_ref"]
    autocomplete_fields = [
        "instrument",
        "jurisdiction",
        "responsible_body",
        "themes",
        "review",
        "sources",
    ]
    readonly_fields = [
        "status",
        "status_on",
        "confirmed_on",
        "contested",
        "last_recorded_at",
        "created_at",
        "published",
        "public_status",
        "public_status_on",
    ]
    date_hierarchy = "due_on"
    inlines = [
        RecommendationInline,
        CommitmentFocalPersonInline,
        CommitmentLinkInline,
        StatusUpdateInline,
        EvidenceInline,
    ]
    actions = ["assign_responsible_body", "publish", "unpublish"]

    @admin.action(description=_("Publish the selected commitments on the public portal"))
    def publish(self, request, queryset):
        _publish_selected(self, request, queryset, True, commitment_publish_set, "commitment")

    @admin.action(description=_("Withdraw the selected commitments from the public portal"))
    def unpublish(self, request, queryset):
        _publish_selected(self, request, queryset, False, commitment_publish_set, "commitment")

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
                commitment_themes_set(commitment=form.instance, themes=themes, actor=request.user)

    def delete_model(self, request, obj):
        commitment_delete(commitment=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for commitment in queryset:
                commitment_delete(commitment=commitment)

    def save_formset(self, request, form, formset, change):
        if formset.model is models.CommitmentLink:
            for link in formset.save(commit=False):
                _link_save(request, link)
            for obj in formset.deleted_objects:
                commitment_link_remove(link=obj, actor=request.user)
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
                    ngettext(
                        "%(count)d commitment now has %(body)s as responsible body.",
                        "%(count)d commitments now have %(body)s as responsible body.",
                        changed,
                    )
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


class AdministersRestricted:
    """Restricted items are administered without being read: a list of every restricted update or
    evidence (never its status, date, note, title, link or file name), and for each the people who
    may see it, which an administrator changes, and its redaction."""

    change_list_template = "admin/commitments/change_list_restricted.html"
    author_field = "recorded_by"
    author_at_field = "recorded_at"

    def restricted_queryset(self):
        return self.model.objects.filter(sensitivity=Sensitivity.RESTRICTED)

    def get_urls(self):
        prefix = f"{self.model._meta.app_label}_{self.model._meta.model_name}"
        return [
            path(
                "restricted/",
                self.admin_site.admin_view(self.restricted_list_view),
                name=f"{prefix}_restricted",
            ),
            path(
                "restricted/<str:object_id>/",
                self.admin_site.admin_view(self.restricted_item_view),
                name=f"{prefix}_restricted_item",
            ),
        ] + super().get_urls()

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "author_label": self.model._meta.get_field(self.author_field).verbose_name,
            **extra,
        }

    def restricted_list_view(self, request):
        if not access.may_redact(request.user):
            raise PermissionDenied
        items = (
            self.restricted_queryset()
            .select_related("commitment__instrument", self.author_field)
            .prefetch_related("restricted_to")
            .order_by(f"-{self.author_at_field}", "-pk")[:500]
        )
        readable = set(
            self.model.objects.visible_to(request.user)
            .filter(pk__in=[i.pk for i in items])
            .values_list("pk", flat=True)
        )
        rows = [
            {
                "item": item,
                "author": getattr(item, self.author_field),
                "at": getattr(item, self.author_at_field),
                "named": [p.get_username() for p in item.restricted_to.all()],
                "readable": item.pk in readable,
            }
            for item in items
        ]
        title = gettext("Restricted %(items)s") % {"items": self.model._meta.verbose_name_plural}
        return TemplateResponse(
            request, "admin/commitments/restricted_list.html", self._context(request, title, rows=rows)
        )

    def restricted_item_view(self, request, object_id):
        if not access.may_redact(request.user):
            raise PermissionDenied
        pk = _key_or_404(self.model._meta.pk, object_id)
        item = self.restricted_queryset().select_related("commitment__instrument").filter(pk=pk).first()
        if item is None:
            raise Http404
        own = item.sensitivity == Sensitivity.RESTRICTED
        action = request.POST.get("action") if request.method == "POST" else None
        naming = RestrictedToForm(request.POST if action == "name" else None, item=item) if own else None
        redaction = RedactionForm(request.POST if action == "redact" else None)
        status = 200
        if action == "name" and naming is not None and naming.is_valid():
            try:
                restricted_to_set(item=item, people=naming.cleaned_data["restricted_to"], actor=request.user)
            except ValidationError as exc:
                naming.add_error(None, exc)
            else:
                self.message_user(request, gettext("Who may see it was changed."), messages.SUCCESS)
                return redirect(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_restricted")
        elif action == "redact" and redaction.is_valid() and item.redacted_at is None:
            self.redact(item, reason=redaction.cleaned_data["reason"], user=request.user)
            self.message_user(
                request, gettext("Redacted. A note of who redacted it and when stays on the record."), messages.SUCCESS
            )
            return redirect(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_restricted")
        elif action is not None:
            status = 400
        context = self._context(
            request,
            gettext("Restricted %(item)s #%(pk)s") % {"item": self.model._meta.verbose_name, "pk": item.pk},
            item=item,
            author=getattr(item, self.author_field),
            at=getattr(item, self.author_at_field),
            named=[p.get_username() for p in item.restricted_to.all()],
            naming=naming,
            redaction=redaction if item.redacted_at is None else None,
            readable=self.model.objects.visible_to(request.user).filter(pk=item.pk).exists(),
        )
        return TemplateResponse(request, "admin/commitments/restricted_item.html", context, status=status)


@admin.register(models.StatusUpdate)
class StatusUpdateAdmin(AdministersRestricted, TrackerHistoryAdmin):
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
        # A superseded entry is corrected through its correction (the chain's latest link).
        return request.user.is_active and request.user.is_superuser and (obj is None or not obj.is_superseded())

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

    def redact(self, item, *, reason, user):
        status_update_note_redact(update=item, reason=reason, redacted_by=user)

    @admin.display(description=_("commitment"))
    def commitment_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.commitment.get_absolute_url(), obj.commitment)

    def save_model(self, request, obj, form, change):
        original = models.StatusUpdate.objects.get(pk=obj.pk)
        if not form.has_changed():
            return
        correction = status_update_correct(
            original=original,
            status=form.cleaned_data["status"],
            effective_on=original.effective_on,
            effective_precision=original.effective_precision,
            assessor=original.assessor,
            note=form.cleaned_data["note"],
            corrected_by=request.user,
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
class EvidenceAdmin(AdministersRestricted, TrackerHistoryAdmin):
    author_field = "added_by"
    author_at_field = "added_at"

    def restricted_queryset(self):
        # Restricted itself, or attached to a restricted update.
        return self.model.objects.filter(
            Q(sensitivity=Sensitivity.RESTRICTED) | Q(status_update__sensitivity=Sensitivity.RESTRICTED)
        )

    def redact(self, item, *, reason, user):
        evidence_file_redact(evidence=item, reason=reason, redacted_by=user)

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


def _visible_annotation(request, model, field):
    """Exists(...) on a row: whether the update or evidence it points at is one the user may read."""
    return Exists(model.objects.visible_to(request.user).filter(pk=OuterRef(field)))


@admin.register(models.Redaction)
class RedactionAdmin(ReadOnlyAdmin):
    """Tombstones. Those of restricted items the administrator is not named on show neither the item nor the reason."""

    list_display = ["redacted_at", "target", "redacted_by", "reason_shown", "status_update_shown", "evidence_shown"]
    fields = list_display
    readonly_fields = fields
    list_filter = ["target"]
    list_select_related = ["redacted_by", "status_update", "evidence"]
    date_hierarchy = "redacted_at"
    search_fields = ["reason"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                update_visible=_visible_annotation(request, models.StatusUpdate, "status_update_id"),
                evidence_visible=_visible_annotation(request, models.Evidence, "evidence_id"),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # A reason is searched only where it is shown: a search must not confirm a guess.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            found = found.filter(self._readable_q())
        return found, duplicates

    @staticmethod
    def _readable_q():
        return (Q(status_update__isnull=True) | Q(update_visible=True)) & (
            Q(evidence__isnull=True) | Q(evidence_visible=True)
        )

    def _readable(self, obj):
        return (obj.status_update_id is None or obj.update_visible) and (
            obj.evidence_id is None or obj.evidence_visible
        )

    @admin.display(description=_("reason"))
    def reason_shown(self, obj):
        return obj.reason if self._readable(obj) else RESTRICTED

    @admin.display(description=_("status update"))
    def status_update_shown(self, obj):
        if obj.status_update_id is None:
            return "—"
        return obj.status_update if obj.update_visible else RESTRICTED

    @admin.display(description=_("evidence"))
    def evidence_shown(self, obj):
        if obj.evidence_id is None:
            return "—"
        return obj.evidence if obj.evidence_visible else RESTRICTED


@admin.register(models.DownloadLog)
class DownloadLogAdmin(ReadOnlyAdmin):
    """Every download, by whom and when; a restricted item the administrator is not named on is not named."""

    list_display = ["at", "user", "evidence_shown", "ip_address"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user", "evidence"]
    search_fields = ["user__username"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(evidence_visible=_visible_annotation(request, models.Evidence, "evidence_id"))
        )

    def get_search_results(self, request, queryset, search_term):
        # Titles are searched only among evidence the user may read.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            by_title = queryset.filter(evidence_visible=True, evidence__title__icontains=search_term.strip())
            found = found | by_title
        return found, duplicates

    @admin.display(description=_("evidence"))
    def evidence_shown(self, obj):
        return obj.evidence if obj.evidence_visible else RESTRICTED


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
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens)) % {"count": len(tokens)},
        )


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
    """Files kept from rejected submissions (perhaps restricted ones): administrators see that they exist
    and purge them, but only the person who sent a file sees its name; the file itself is never shown."""

    list_display = ["created_at", "user", "name_shown", "content_type", "size"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user"]

    def has_delete_permission(self, request, obj=None):
        return access.may_use_admin(request.user)

    @admin.display(description=_("file name"))
    def name_shown(self, obj):
        return obj.original_filename if obj.user_id == obj.viewer_id else _("(shown only to the person who sent it)")

    def get_queryset(self, request):
        # The viewer's id on each row, for name_shown.
        return super().get_queryset(request).annotate(viewer_id=Value(request.user.pk))

    def delete_model(self, request, obj):
        staged_upload_discard(staged=obj)

    def delete_queryset(self, request, queryset):
        for staged in queryset:
            staged_upload_discard(staged=staged)


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


def _link_save(request, link):
    """A contribution link added or changed in the admin, through the service (no cycles, audit trail)."""
    try:
        with transaction.atomic():
            if link.pk:
                stored = models.CommitmentLink.objects.get(pk=link.pk)
                if (stored.source_id, stored.target_id) == (link.source_id, link.target_id):
                    models.CommitmentLink.objects.filter(pk=link.pk).update(note=link.note, basis=link.basis)
                    return stored
                commitment_link_remove(link=stored, actor=request.user)
            return commitment_link_add(
                source=link.source, target=link.target, note=link.note, basis=link.basis, actor=request.user
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None


@admin.register(models.CommitmentLink)
class CommitmentLinkAdmin(TrackerAdmin):
    form = CommitmentLinkForm
    list_display = ["source", "target", "basis", "note"]
    list_select_related = ["source", "target"]
    search_fields = ["source__reference", "target__reference"]
    autocomplete_fields = ["source", "target"]

    def save_model(self, request, obj, form, change):
        saved = _link_save(request, obj)
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        commitment_link_remove(link=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for link in queryset:
                commitment_link_remove(link=link, actor=request.user)


class PersonChangesRecorded:
    """Saving an account or a profile goes through services.people: the change is refused if the
    administrator may not manage the person, and recorded in the audit trail otherwise."""

    def _person(self, obj):
        return obj if isinstance(obj, User) else obj.user

    def save_model(self, request, obj, form, change):
        person = self._person(obj)
        request.tracker_person_before = person_snapshot(person) if person.pk else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = self._person(form.instance)
        person.__dict__.pop("_tracker_groups", None)
        person_changes_record(person=person, before=request.tracker_person_before, actor=request.user)

    def delete_model(self, request, obj):
        commitment_link_remove(link=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for link in queryset:
                commitment_link_remove(link=link)


@admin.register(models.Profile)
class ProfileAdmin(PersonChangesRecorded, TrackerAdmin):
    list_display = ["user", "organisation", "jurisdictions_read", "jurisdictions_written"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "organisation"]
    filter_horizontal = ["read_jurisdictions", "write_jurisdictions", "record_for"]
    list_select_related = ["user", "organisation"]
    exclude = ["calendar_token", "reminders_enabled_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("read_jurisdictions", "write_jurisdictions")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or access.may_manage_person(request.user, obj.user)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or access.may_manage_person(request.user, obj.user)
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = person_snapshot(obj.user)
            obj.delete()
            person_changes_record(person=obj.user, before=before, actor=request.user)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            self.delete_model(request, profile)

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
    filter_horizontal = ["read_jurisdictions", "write_jurisdictions", "record_for"]
    exclude = ["calendar_token", "reminders_enabled_at"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class TrackerUserAdmin(PersonChangesRecorded, TrackerAdmin, UserAdmin):
    """Administrators manage people below their own level, and give them roles below their own;
    only a superuser manages superusers and administrators (access.may_manage_person).

    The role is the person's group; `is_staff` is not edited here but follows the role
    (services.people.staff_flag_sync), so the two never drift apart. Every change is in the
    audit trail.
    """

    inlines = [ProfileInline]
    list_display = ["username", "email", "is_active", "roles"]
    list_filter = ["is_active", "groups"]
    actions = ["reset_two_factor", "invite_to_two_factor"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = {"is_staff"} if request.user.is_superuser else {"is_staff", "is_superuser", "user_permissions"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # Only the roles this administrator may give are offered (and accepted).
            kwargs["queryset"] = Group.objects.filter(name__in=access.grantable_roles(request.user))
            if request.user.is_superuser:
                kwargs["queryset"] = Group.objects.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return access.may_manage_person(request.user, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return access.may_manage_person(request.user, obj) and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def delete_model(self, request, obj):
        person_delete(person=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for person in queryset:
                person_delete(person=person, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        person = self.get_object(request, unquote(id))
        before = person_snapshot(person) if person is not None else {}
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302 and person is not None:
                person_changes_record(person=person, before=before, actor=request.user)
        return response

    @admin.action(description=_("Reset the second factor of the selected people (a lost phone)"))
    def reset_two_factor(self, request, queryset):
        done = refused = 0
        for person in queryset:
            try:
                two_factor_reset(person=person, actor=request.user)
                done += 1
            except PermissionDenied:
                refused += 1
        self.message_user(
            request,
            _("%(done)d reset: they set up two-factor sign-in again when they next sign in. %(refused)d refused.")
            % {"done": done, "refused": refused},
        )

    @admin.action(description=_("Invite the selected people to set up two-factor sign-in"))
    def invite_to_two_factor(self, request, queryset):
        for person in queryset:
            try:
                link = two_factor_invite(person=person, actor=request.user)
            except PermissionDenied:
                self.message_user(request, _("%(name)s: refused.") % {"name": person}, messages.WARNING)
                continue
            self.message_user(
                request,
                _("%(name)s: invitation %(how)s: %(link)s")
                % {"name": person, "how": _("emailed") if person.email else _("to hand over"), "link": link},
            )

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())


# --- GSP+ monitoring ---------------------------------------------------------------------


@admin.register(models.GSPRequirementList)
class GSPRequirementListAdmin(AuditedReferenceAdmin):
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


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(ReadOnlyAdmin):
    """Authenticator apps: listed, and removed for a lost phone (deploy.md). The secret key is never shown."""

    list_display = ["user", "name", "confirmed"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]

    def has_delete_permission(self, request, obj=None):
        return access.may_use_admin(request.user) and (obj is None or access.may_manage_person(request.user, obj.user))

    def delete_model(self, request, obj):
        two_factor_reset(person=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for person in {device.user for device in queryset}:
                two_factor_reset(person=person, actor=request.user)


@admin.register(models.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Who changed what and when, outside the stored versions: entries about restricted items only for those named."""

    list_display = ["at", "actor_name", "action", "subject", "label", "changes_shown", "commitment"]
    fields = ["at", "actor_name", "action", "subject", "label", "changes_shown", "commitment", "person"]
    readonly_fields = fields
    list_filter = ["action", "subject"]
    list_select_related = ["commitment", "person"]
    search_fields = ["label", "actor_name"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return models.AuditEntry.objects.visible_to(request.user).select_related("commitment", "person")

    @admin.display(description=_("changes"))
    def changes_shown(self, obj):
        return format_changes(obj.changes)
