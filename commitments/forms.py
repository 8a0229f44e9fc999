"""Forms for data entry: record a status update with its evidence, redact, import."""

import datetime
import uuid

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import evidence as evidence_checks
from .models import Organisation, Sensitivity, StagedUpload, Status

NOTE_MAX_CHARS = 10_000
EVIDENCE_MAX_ITEMS = 20


class StatusUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    effective_on = forms.DateField(
        label=_("Effective date"),
        help_text=_("The day this status took effect (not today's date, unless it is)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    assessor = forms.ModelChoiceField(
        label=_("Who says so"),
        queryset=Organisation.objects.all(),
        help_text=_("The organisation whose assessment this is."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        help_text=_("What changed, and how you know. At most %(max)d characters.") % {"max": NOTE_MAX_CHARS},
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        strip=True,
        error_messages={"required": _("Write a short note saying what changed and how you know.")},
    )
    sensitivity = forms.ChoiceField(label=_("Who may see it"), choices=Sensitivity.choices, initial=Sensitivity.INTERNAL)
    personal_data = forms.BooleanField(label=_("Holds personal data"), required=False)
    restricted_to = forms.ModelMultipleChoiceField(
        label=_("Visible only to (for restricted updates)"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_key"].initial = uuid.uuid4()
        if not self.is_bound:
            self.fields["effective_on"].initial = timezone.localdate()
            default = Organisation.objects.filter(slug=settings.TRACKER_ORGANISATION).first()
            if default is not None:
                self.fields["assessor"].initial = default.pk

    def clean(self):
        data = super().clean()
        if data.get("sensitivity") == Sensitivity.RESTRICTED and not data.get("restricted_to"):
            self.add_error("restricted_to", _("Name at least one person who may see a restricted update."))
        return data


class EvidenceForm(forms.Form):
    """One evidence item: a file or a link. A row left empty is ignored."""

    title = forms.CharField(label=_("Title"), max_length=300, required=False, widget=forms.TextInput(attrs={"dir": "auto"}))
    file = forms.FileField(label=_("File"), required=False, allow_empty_file=True, max_length=1000)
    url = forms.URLField(label=_("or a link"), max_length=1000, required=False, assume_scheme="https")
    staged = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        self.checked = None  # a CheckedFile from this submission
        self.staged_upload = None  # a file kept from an earlier, rejected submission
        super().__init__(*args, **kwargs)

    def has_changed(self):
        # A row holding a file kept from an earlier attempt is not empty.
        return super().has_changed() or bool(self.data.get(self.add_prefix("staged")))

    def clean_staged(self):
        token = self.cleaned_data.get("staged")
        if not token:
            return None
        cutoff = timezone.now() - datetime.timedelta(hours=settings.TRACKER_STAGED_UPLOAD_HOURS)
        staged = StagedUpload.objects.filter(token=token, user=self.user, created_at__gte=cutoff).first()
        if staged is None:
            raise ValidationError(_("The file you sent earlier is no longer kept. Choose it again."))
        self.staged_upload = staged
        return token

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        url = data.get("url")
        if upload:
            try:
                self.checked = evidence_checks.check_upload(upload)
            except ValidationError as exc:
                self.add_error("file", exc)
                return data
            self.staged_upload = None  # a new file replaces the kept one
        elif self.staged_upload is None and "staged" in self.errors:
            return data
        has_file = bool(upload) or self.staged_upload is not None
        if has_file and url:
            raise ValidationError(_("Give either a file or a link in one row, not both."))
        if not has_file and not url:
            if data.get("title"):
                self.add_error("file", _("Choose a file or give a link for this evidence."))
            return data
        return data

    @property
    def display_name(self):
        if self.checked:
            return self.checked.original_filename
        if self.staged_upload:
            return self.staged_upload.original_filename
        upload = self.files.get(self.add_prefix("file")) if self.is_bound else None
        if upload is not None:
            return evidence_checks.clean_filename(upload.name)
        return self.data.get(self.add_prefix("url"), "") if self.is_bound else ""


class BaseEvidenceFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        checked = [f for f in self.forms if f.has_changed() and (f.checked or f.staged_upload)]
        hashes = [(f.checked or f.staged_upload).sha256 for f in checked]
        if len(hashes) != len(set(hashes)):
            raise ValidationError(_("The same file is attached twice."))


EvidenceFormSet = forms.formset_factory(
    EvidenceForm,
    formset=BaseEvidenceFormSet,
    extra=3,
    max_num=EVIDENCE_MAX_ITEMS,
    validate_max=True,
    absolute_max=EVIDENCE_MAX_ITEMS,
)


class RedactionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why this is purged (kept on the record; do not repeat what is being removed)."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )


class ImportForm(forms.Form):
    class Kind:
        COMMITMENTS = "commitments"
        STATUS = "status"

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(Kind.COMMITMENTS, _("Commitments")), (Kind.STATUS, _("Status history"))],
    )
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))


class ImportConfirmForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)
