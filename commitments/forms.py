"""Every form of the tracker: recording an update, redaction, import, reports, the calendar's
filter, recommendations, sign-in and the admin's own forms."""

import datetime
import re
import uuid

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import files, imports
from .choices import Audience, Sensitivity, Status
from .dates import parse_partial_date, partial_date_iso, validate_sane_date
from .models import (
    ApiToken,
    Commitment,
    CommitmentLink,
    GSPCycle,
    GSPRequirement,
    Instrument,
    IssueSource,
    IssueUpdate,
    Jurisdiction,
    Mechanism,
    Organisation,
    Recommendation,
    Review,
    ScorecardIssue,
    Source,
    StagedUpload,
    StatusUpdate,
    Theme,
)
from .querysets import readers_of_jurisdiction
from .reports import GROUP_BY, ReportKind, Scope
from .reports.progress import scope_choices
from .reports.runs import report_runs_visible_to
from .scopes import DIMENSIONS
from .selectors import deadlines
from .services.commitments import would_create_cycle
from .services.people import profile_for

NOTE_MAX_CHARS = imports.NOTE_MAX_CHARS
EVIDENCE_MAX_ITEMS = 20

# --- Ids and keys that a crafted request may send ----------------------------------------

_INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
_ASCII_INTEGER = re.compile(r"^-?[0-9]+$")


def is_storable_key(model_field, value):
    """Whether `value` can be looked up in `model_field` without a database error.

    An integer column takes ASCII digits within the column's range only: "²", "1e3" and
    99999999999999999999 are not ids, and must be refused as such rather than reach the database.
    """
    model_field = getattr(model_field, "target_field", model_field)
    internal = model_field.get_internal_type()
    if internal not in _INTEGER_TYPES:
        return True
    text = str(value).strip()
    if len(text) > 20 or not _ASCII_INTEGER.match(text):  # 20 characters hold any 64-bit id
        return False
    low, high = connection.ops.integer_field_range(internal)
    number = int(text)
    return (low is None or number >= low) and (high is None or number <= high)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id the database cannot hold as an invalid choice, never as a server error."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        model_field = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        for pk in value:
            if not is_storable_key(model_field, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


CHOOSE = _("Choose…")  # the prompt of a required choice, in place of Django's "---------"


class SaneDateField(forms.DateField):
    """A date the tracker can store and compute with (dates.validate_sane_date)."""

    default_validators = [validate_sane_date]


class PartialDateField(forms.CharField):
    """A date known to the day, the month or the year: YYYY-MM-DD, YYYY-MM or YYYY → (date, precision)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("YYYY-MM-DD, or YYYY-MM or YYYY when only the month or the year is known."))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = parse_partial_date(value)
        except (ValueError, TypeError, OverflowError) as error:
            raise ValidationError(_("Not a date: write YYYY-MM-DD, YYYY-MM or YYYY.")) from error
        if parsed[0] is None:
            raise ValidationError(_("Not a date: write YYYY-MM-DD, YYYY-MM or YYYY."))
        validate_sane_date(parsed[0])
        return parsed


class EffectiveDateField(forms.CharField):
    """When a status took effect: a day (2019-06-15 or 15/06/2019), a month (2019-06) or a year (2019),
    read as the import reads it (imports.parse_partial_day_first) → (date, precision)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return imports.parse_partial_day_first(value)
        except ValueError as error:
            raise ValidationError(str(error)) from error


SUBMISSION_KEY_SALT = "commitments.forms.submission_key"


def submission_key_issue(user):
    """A new submission key for a form shown to `user`, signed so that only they can send it."""
    return signing.Signer(salt=f"{SUBMISSION_KEY_SALT}:{user.pk}").sign(str(uuid.uuid4()))


def submission_key_read(value, user):
    """The key's UUID if `user` was issued it; ValidationError for anyone else's, or an altered one."""
    try:
        return uuid.UUID(signing.Signer(salt=f"{SUBMISSION_KEY_SALT}:{user.pk}").unsign(str(value)))
    except (signing.BadSignature, ValueError):
        raise ValidationError(
            _("This form was opened by someone else, or has been altered. Open the form again and resend it."),
            code="submission_key",
        )


STATUS_CHOICE_PROMPT = ("", _("Choose the status…"))


class StatusUpdateForm(forms.Form):
    """A new entry of the status history. Nothing is chosen for the person recording it: the
    status must be picked (a default would change a headline nobody meant to change), and who
    says so starts as their own organisation (services.people.profile_for)."""

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[STATUS_CHOICE_PROMPT, *Status.choices],
        error_messages={
            "required": _(
                "Choose the status this source gives (nothing is chosen for you: to add only a note, "
                "choose the current status again)."
            )
        },
    )
    effective_on = EffectiveDateField(
        label=_("Effective date"),
        help_text=_(
            "When this status took effect (not today's date, unless it is): 2019-06-15, or 2019-06 or 2019 when "
            "only the month or the year is known."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "YYYY-MM-DD · YYYY-MM · YYYY"}),
    )
    assessor = forms.ModelChoiceField(
        label=_("Who says so"),
        queryset=Organisation.objects.all(),
        help_text=_(
            "The organisation whose assessment this is. For another organisation than your own (a state "
            "report, a committee's concluding observations), name the document that carries it."
        ),
        empty_label=CHOOSE,
    )
    according_to = forms.ModelChoiceField(
        label=_("According to (the document that carries the claim)"),
        queryset=Source.objects.all(),
        required=False,
        empty_label=_("None chosen (attach it below instead, or record your own organisation's view)"),
        help_text=_("Or attach the document as evidence below (a file or a link)."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        help_text=format_lazy(_("What changed, and how you know. At most {max} characters."), max=NOTE_MAX_CHARS),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        strip=True,
        error_messages={"required": _("Write a short note saying what changed and how you know.")},
    )
    sensitivity = forms.ChoiceField(
        label=_("Who may see it"), choices=Sensitivity.choices, initial=Sensitivity.INTERNAL
    )
    personal_data = forms.BooleanField(label=_("Holds personal data"), required=False)
    restricted_to = ModelMultipleChoiceField(
        label=_("Visible only to (for restricted updates)"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Only people who may read this commitment can be named."),
    )
    submission_key = forms.CharField(label=_("Form"), widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, user, commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "restricted_to" in self.fields:
            self.fields["restricted_to"].queryset = readers_of_jurisdiction(commitment.jurisdiction_id).order_by(
                "username"
            )
        self.fields["submission_key"].initial = submission_key_issue(user)
        if not self.is_bound and "assessor" not in self.initial:
            self.fields["effective_on"].initial = timezone.localdate().isoformat()
            own = profile_for(user).organisation
            if own is not None:
                self.fields["assessor"].initial = own.pk

    def clean_submission_key(self):
        try:
            return submission_key_read(self.cleaned_data["submission_key"], self.user)
        except ValidationError:
            # Shown again with a key of the user's own, so that resending the form works.
            self.data = self.data.copy()
            self.data[self.add_prefix("submission_key")] = submission_key_issue(self.user)
            raise

    def clean(self):
        data = super().clean()
        if data.get("sensitivity") == Sensitivity.RESTRICTED and not data.get("restricted_to"):
            self.add_error("restricted_to", _("Name at least one person who may see a restricted update."))
        return data


class StatusCorrectionForm(StatusUpdateForm):
    """Put an entry right: its status, date and precision, who says so and note (its audience stays)."""

    def __init__(self, *args, original, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": original.status,
                "effective_on": partial_date_iso(original.effective_on, original.effective_precision),
                "assessor": original.assessor_id,
                "according_to": original.according_to_id,
                "note": original.note,
            },
        )
        super().__init__(*args, commitment=original.commitment, **kwargs)
        for name in ("sensitivity", "personal_data", "restricted_to"):
            del self.fields[name]
        self.fields["note"].help_text = _("Say what was wrong and what is right.")


class EvidenceForm(forms.Form):
    """One evidence item: a file or a link. A row left empty is ignored."""

    title = forms.CharField(
        label=_("Title"), max_length=300, required=False, widget=forms.TextInput(attrs={"dir": "auto"})
    )
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
                self.checked = files.check_upload(upload)
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
            return files.clean_filename(upload.name)
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
        RECOMMENDATIONS = "recommendations"

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            (Kind.COMMITMENTS, _("Commitments")),
            (Kind.STATUS, _("Status history")),
            (
                Kind.RECOMMENDATIONS,
                _("Recommendations: UHRI export, UPR thematic list or ILO comments"),
            ),
        ],
    )
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))


class ImportConfirmForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    token = forms.UUIDField(widget=forms.HiddenInput)


# --- Reports ---------------------------------------------------------------------------


ANY = _("Any")


def scope_fields(prefix="", any_label=ANY):
    """The five scope dimensions as optional form fields named `prefix` + dimension (see scopes.py)."""
    return {
        f"{prefix}jurisdiction": forms.ModelChoiceField(
            Jurisdiction.objects.all(),
            to_field_name="code",
            required=False,
            label=_("Jurisdiction"),
            empty_label=any_label,
        ),
        f"{prefix}gsp_group": forms.ChoiceField(
            choices=[("", any_label), *GSPRequirement.Group.choices],
            required=False,
            label=_("GSP+ group"),
            help_text=_("The conventions' own commitments and those contributing to them at any depth."),
        ),
        f"{prefix}theme": forms.ModelChoiceField(
            Theme.objects.all(), to_field_name="slug", required=False, label=_("Theme"), empty_label=any_label
        ),
        f"{prefix}instrument": forms.ModelChoiceField(
            Instrument.objects.all(), to_field_name="code", required=False, label=_("Instrument"), empty_label=any_label
        ),
        f"{prefix}kind": forms.ChoiceField(
            choices=[("", any_label), *Instrument.Kind.choices], required=False, label=_("Instrument kind")
        ),
    }


def scope_from(cleaned_data, prefix=""):
    """The Scope the cleaned scope fields say."""
    values = {}
    for name in DIMENSIONS:
        value = cleaned_data.get(f"{prefix}{name}")
        if hasattr(value, "pk"):
            value = value.code if name in ("jurisdiction", "instrument") else value.slug
        values[name] = value or ""
    return Scope(**values)


class ScopeForm(forms.Form):
    """The dashboard's scope bar: jurisdiction × GSP+ group × theme × instrument × kind, in the query string.

    The parameters are the commitment list's own, so a scoped figure links to the same scope.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(scope_fields())

    def scope(self):
        return scope_from(self.cleaned_data)


class ReportForm(forms.Form):
    FORMAT_CHOICES = [
        ("html", _("Web page (prints cleanly)")),
        ("pdf", _("PDF")),
        ("xlsx", _("Excel workbook")),
        ("csv", _("CSV")),
        ("docx", _("Word document, editable (the GSP+ scorecard reply)")),
    ]

    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices, initial=ReportKind.PROGRESS)
    cycle = forms.ModelChoiceField(
        GSPCycle.objects.none(),
        label=_("GSP+ monitoring cycle"),
        required=False,
        empty_label=_("None (not a scorecard reply)"),
        help_text=_("For the scorecard reply: the biennial period it answers for."),
    )
    scope = forms.ChoiceField(label=_("Scope"))
    date_from = SaneDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = SaneDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    known_on = SaneDateField(
        label=_("As known on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Optional: the report as the tracker knew it on this day, counting only the entries recorded by then "
            "(what did we say at the time?)."
        ),
    )
    run = forms.ModelChoiceField(
        label=_("Kept report"), queryset=None, required=False, empty_label=_("None (not a comparison)")
    )
    group_by = forms.ChoiceField(label=_("Group by"), choices=list(GROUP_BY.items()), initial="instrument")
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="html")
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("", _("Choose who the report is for"))] + list(Audience.choices),
        error_messages={"required": _("Choose who the report is for: internal or external.")},
        help_text=_(
            "An internal report holds public and internal items; an external one public items only, without "
            "staff names or internal notes, and says on its first page how many entries it leaves out."
        ),
    )
    keep = forms.BooleanField(
        label=_("Keep this report"),
        required=False,
        help_text=_("Keep the file so that a later report can show what changed since."),
    )
    background = forms.BooleanField(
        label=_("Prepare it in the background"),
        required=False,
        help_text=_(
            "For a PDF, Excel or CSV file: follow its progress on its own page and get an email when it is ready. "
            "Large reports are always prepared this way."
        ),
    )

    # The scope's other dimensions, combined with the scope above (all must hold).
    SCOPE_PREFIX = "and_"

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices()
        self.fields["cycle"].queryset = GSPCycle.objects.select_related("scheme").order_by("-starts_on")
        extra = scope_fields(self.SCOPE_PREFIX, any_label=_("Any"))
        for field in extra.values():
            label = str(field.label)
            if not label[:2].isupper():  # "theme", but "GSP+ group"
                label = label[:1].lower() + label[1:]
            field.label = _("…and %(dimension)s") % {"dimension": label}
        # Placed right after the scope.
        fields = list(self.fields.items())
        position = [name for name, _field in fields].index("scope") + 1
        self.fields = dict(fields[:position] + list(extra.items()) + fields[position:])
        self.fields["run"].queryset = report_runs_visible_to(user)
        self.fields["run"].label_from_instance = lambda run: (
            f"{date_format(timezone.localtime(run.created_at), 'DATE_FORMAT')} · {Scope.from_dict(run.scope)} · "
            f"{date_format(run.period_from, 'DATE_FORMAT')} – {date_format(run.period_to, 'DATE_FORMAT')}"
        )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ReportKind.PROGRESS:
            if not data.get("date_from"):
                self.add_error("date_from", _("Give the first day of the period."))
            if not data.get("date_to"):
                self.add_error("date_to", _("Give the last day of the period."))
            if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
                self.add_error("date_to", _("The period ends before it starts."))
        if kind == ReportKind.SINCE_RUN and not data.get("run"):
            self.add_error("run", _("Choose the kept report to compare against."))
        if kind == ReportKind.GSP_SCORECARD and not data.get("cycle"):
            self.add_error("cycle", _("Choose the monitoring cycle to reply for."))
        if data.get("format") == "docx" and kind != ReportKind.GSP_SCORECARD:
            self.add_error("format", _("A Word document is made for the GSP+ scorecard reply only."))
        if "scope" in data:
            try:
                self.combined_scope()
            except ValueError as error:
                self.add_error("scope", str(error))
        return data

    def combined_scope(self):
        """The scope chosen, with the other dimensions added (ValueError if one is given twice, differently)."""
        data = self.cleaned_data
        base = Scope.parse(data["scope"])
        extra = scope_from(data, self.SCOPE_PREFIX)
        for name, value in extra.values.items():
            if base.get(name) and base.get(name) != value:
                raise ValueError(_("The scope names two different values for %(dimension)s.") % {"dimension": name})
        return Scope(**{**base.values, **extra.values})

    def report_arguments(self):
        """What build_report() takes, from the cleaned form (ValueError for a scope that names nothing)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "scope": self.combined_scope(),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "known_on": data.get("known_on"),
            "run": data.get("run"),
            "audience": data["audience"],
            "format": data["format"],
            "group_by": data["group_by"],
            "cycle": data.get("cycle"),
        }


# --- The calendar --------------------------------------------------------------------------


class DeadlineFilter(forms.Form):
    """The calendar's filter, shared by the page and the feed (the feed takes the same query string)."""

    WHAT_ALL, WHAT_COMMITMENTS, WHAT_REPORTS = deadlines.WHAT_ALL, deadlines.WHAT_COMMITMENTS, deadlines.WHAT_REPORTS
    WHAT_FOLLOW_UP = deadlines.WHAT_FOLLOW_UP
    WHEN_ALL, WHEN_UPCOMING, WHEN_OVERDUE = deadlines.WHEN_ALL, deadlines.WHEN_UPCOMING, deadlines.WHEN_OVERDUE

    jurisdiction = forms.ModelChoiceField(
        Jurisdiction.objects.all(),
        to_field_name="code",
        required=False,
        label=_("Jurisdiction"),
        empty_label=_("All"),
    )
    instrument = forms.ModelChoiceField(
        Instrument.objects.all(), to_field_name="code", required=False, label=_("Instrument"), empty_label=_("All")
    )
    theme = forms.ModelChoiceField(
        Theme.objects.all(), to_field_name="slug", required=False, label=_("Theme"), empty_label=_("All")
    )
    kind = forms.ChoiceField(
        choices=[("", _("All"))] + list(Instrument.Kind.choices), required=False, label=_("Kind of instrument")
    )
    what = forms.ChoiceField(
        choices=[
            (WHAT_ALL, _("Reports and commitments")),
            (WHAT_COMMITMENTS, _("Commitment deadlines")),
            (WHAT_FOLLOW_UP, _("Follow-up replies")),
            (WHAT_REPORTS, _("Reports due")),
        ],
        required=False,
        label=_("Show"),
    )
    when = forms.ChoiceField(
        choices=[(WHEN_ALL, _("Overdue and upcoming")), (WHEN_UPCOMING, _("Upcoming")), (WHEN_OVERDUE, _("Overdue"))],
        required=False,
        label=_("When"),
    )
    mine = forms.BooleanField(required=False, label=_("Only where I am a focal person"))

    def criteria(self):
        """The cleaned filter; a field with a value not understood is left out, the others still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def query_string(self):
        """The filter as a query string, for the feed link; only the fields that were set."""
        query = QueryDict(mutable=True)
        for name, value in self.criteria().items():
            if value in (None, "", False):
                continue
            if hasattr(value, "code"):
                value = value.code
            elif hasattr(value, "slug"):
                value = value.slug
            elif value is True:
                value = "on"
            query[name] = value
        return query.urlencode()


# --- Reviews and recommendations ---------------------------------------------------------


class RecommendationForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=60,
        help_text=_("Unique under the instrument, e.g. CO-2024-12."),
    )
    title = forms.CharField(label=_("Recommendation"), max_length=300)
    description = forms.CharField(label=_("Full text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    recommendation_ref = forms.CharField(
        label=_("Paragraph in the review"),
        max_length=200,
        required=False,
        help_text=_("Where the review makes it, e.g. para. 12(b)."),
    )
    articles = forms.CharField(label=_("Convention articles"), max_length=200, required=False)
    recommendation_response = forms.ChoiceField(
        label=_("Pakistan's response"),
        choices=[("", "—")] + list(Commitment.RecommendationResponse.choices),
        required=False,
    )
    jurisdiction = forms.ModelChoiceField(Jurisdiction.objects.none(), label=_("Jurisdiction"), empty_label=CHOOSE)
    due_on = SaneDateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, review, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Jurisdiction.objects.writable_by(user)
        self.fields["jurisdiction"].queryset = choices
        self.fields["jurisdiction"].initial = review.instrument.jurisdiction_id
        for name in ("reference", "title", "description", "recommendation_ref", "articles"):
            self.fields[name].widget.attrs["dir"] = "auto"


# --- API tokens --------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    """A new personal access token for the API (My settings)."""

    DEFAULT_DAYS = 90

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where it is used, e.g. “ministry reporting system”."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    access = forms.ChoiceField(label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=self.DEFAULT_DAYS)
        self.fields["expires_on"].help_text = _("At most %(days)d days from today.") % {
            "days": settings.TRACKER_API_TOKEN_MAX_DAYS
        }


class RecommendationAddForm(forms.Form):
    """One recommendation, concern or ILO comment, typed in."""

    mechanism = forms.ModelChoiceField(Mechanism.objects.all(), label=_("Monitoring mechanism"), empty_label=CHOOSE)
    instrument = forms.ModelChoiceField(
        Instrument.objects.all(),
        label=_("Instrument"),
        required=False,
        empty_label=_("The mechanism's own instrument"),
        help_text=_("The convention an ILO comment is about; otherwise the mechanism's own instrument."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Recommendation.Kind.choices)
    text = forms.CharField(label=_("Full text"), widget=forms.Textarea(attrs={"rows": 5}))
    reference = forms.CharField(
        label=_("Reference"), max_length=60, help_text=_("Unique under the instrument, e.g. CEACR 2023 observation.")
    )
    jurisdiction = forms.ModelChoiceField(Jurisdiction.objects.none(), label=_("Jurisdiction"), empty_label=CHOOSE)
    review = forms.ModelChoiceField(
        Review.objects.none(), label=_("Received in review"), required=False, empty_label=_("None")
    )
    document_symbol = forms.CharField(label=_("Document symbol"), max_length=100, required=False)
    paragraph = forms.CharField(label=_("Paragraph"), max_length=30, required=False)
    position = forms.ChoiceField(
        label=_("Pakistan's position"),
        choices=[("", "—")] + list(Commitment.RecommendationResponse.choices),
        required=False,
    )
    position_source = forms.CharField(
        label=_("Source of the position"),
        max_length=300,
        required=False,
        help_text=_("e.g. the addendum and paragraph."),
    )
    upr_session = forms.IntegerField(label=_("UPR session"), min_value=1, max_value=999, required=False)
    recommending_states = forms.CharField(
        label=_("Recommending states"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line."),
    )
    themes = forms.ModelMultipleChoiceField(Theme.objects.all(), label=_("Themes"), required=False)
    sdg_targets = forms.CharField(
        label=_("SDG targets"), max_length=500, required=False, help_text=_("Separated by semicolons, e.g. 5.1; 16.3.")
    )
    affected_groups = forms.CharField(
        label=_("Groups of persons"), max_length=1000, required=False, help_text=_("Separated by semicolons.")
    )
    normlex_ref = forms.CharField(label=_("NORMLEX reference"), max_length=100, required=False)
    ilo_year = forms.IntegerField(label=_("Year of the comment"), min_value=1919, max_value=2100, required=False)
    ilo_session = forms.CharField(label=_("Session"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.writable_by(user)
        federal = Jurisdiction.objects.filter(kind=Jurisdiction.Kind.FEDERAL).first()
        self.fields["jurisdiction"].initial = federal.pk if federal else None
        self.fields["review"].queryset = Review.objects.select_related("instrument")
        for name in ("text", "reference", "document_symbol", "position_source", "recommending_states"):
            self.fields[name].widget.attrs["dir"] = "auto"

    def clean(self):
        data = super().clean()
        mechanism, instrument = data.get("mechanism"), data.get("instrument")
        if mechanism is not None and instrument is None:
            if mechanism.instrument_id is None:
                self.add_error("instrument", _("Name the convention: this body watches several."))
            else:
                data["instrument"] = mechanism.instrument
        kind = data.get("kind")
        ilo_kinds = (Recommendation.Kind.ILO_OBSERVATION, Recommendation.Kind.ILO_DIRECT_REQUEST)
        if mechanism is not None and (kind in ilo_kinds) != (mechanism.kind == Mechanism.Kind.ILO_SUPERVISORY):
            self.add_error("kind", _("ILO observations and direct requests are the ILO supervisory bodies' only."))
        if kind in ilo_kinds and not data.get("normlex_ref"):
            self.add_error("normlex_ref", _("An ILO comment is kept by its NORMLEX reference."))
        return data

    def split(self, name):
        return [part.strip() for part in self.cleaned_data.get(name, "").split(";") if part.strip()]


class RecommendationGroupForm(forms.Form):
    """Recommendations to put in one cluster with the one on the page."""

    members = forms.ModelMultipleChoiceField(Commitment.objects.none(), label=_("Group with"))
    name = forms.CharField(label=_("Name of the cluster"), max_length=200, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates


class FollowUpPriorityForm(forms.Form):
    """The priority recommendations a treaty body named in a review, and when the follow-up reply is due."""

    recommendations = forms.ModelMultipleChoiceField(
        Commitment.objects.none(), label=_("Priority recommendations"), widget=forms.CheckboxSelectMultiple
    )
    due_on = forms.DateField(label=_("Follow-up reply due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, recommendations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendations"].queryset = recommendations
        self.fields["recommendations"].label_from_instance = lambda c: f"{c.reference}: {c.title}"


class FollowUpReplyForm(forms.Form):
    replied_on = forms.DateField(label=_("Follow-up reply sent on"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_replied_on(self):
        value = self.cleaned_data["replied_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class FollowUpAssessmentForm(forms.Form):
    """The committee's assessment of the follow-up reply, recorded in its name."""

    follow_up_grade = forms.ChoiceField(label=_("The committee's grade"), choices=StatusUpdate.Grade.choices)
    status = forms.ChoiceField(
        label=_("What the assessment says of the recommendation"),
        choices=[("", "—")] + list(Status.choices),
        help_text=_("As the committee's assessment says it; nothing is chosen for you."),
    )
    effective_on = forms.DateField(label=_("Date of the assessment"), widget=forms.DateInput(attrs={"type": "date"}))
    url = forms.URLField(
        label=_("Link to the committee's follow-up letter or report"),
        max_length=1000,
        required=False,
        assume_scheme="https",
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


# --- Sign-in -----------------------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())


class EmailCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code sent to your email"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a user name longer than any account's before trying it
    (Django sets the length on the input only; the failed-login log could not store it).
    Its words are the tracker's own: Django's Urdu catalogue lacks them."""

    error_messages = {
        "invalid_login": _(
            "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."
        ),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
        field.label = _("User name")
        self.fields["password"].label = _("Password")


# --- The admin's own forms ---------------------------------------------------------------


class ResponsibleBodyForm(forms.Form):
    responsible_body = forms.ModelChoiceField(
        label=_("Responsible body"), queryset=Organisation.objects.all(), required=False, empty_label=_("None")
    )


class CommitmentLinkForm(forms.ModelForm):
    """A contribution link in the admin: one that would close a cycle is refused on the form."""

    class Meta:
        model = CommitmentLink
        fields = ["source", "target", "note", "basis"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out, a link is the tracker's own mapping: nothing claims a source made it.
        self.fields["basis"].required = False

    def clean_basis(self):
        return self.cleaned_data.get("basis") or CommitmentLink.Basis.EDITORIAL

    def clean(self):
        data = super().clean()
        source = data.get("source") or (self.instance.source if self.instance.source_id else None)
        target = data.get("target")
        if source is not None and source.pk and target is not None and would_create_cycle(source, target):
            raise ValidationError(
                _("%(source)s cannot contribute to %(target)s: %(target)s already contributes to it.")
                % {"source": source.reference, "target": target.reference}
            )
        return data


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = StatusUpdate
        fields = ["status", "note"]


# --- GSP+ monitoring -----------------------------------------------------------------------


PRECISION_CHOICES = [("day", _("Day")), ("month", _("Month")), ("year", _("Year"))]


class ScorecardIssueForm(forms.Form):
    convention = forms.ModelChoiceField(
        Instrument.objects.none(), to_field_name="code", label=_("Convention"), empty_label=None
    )
    reference = forms.SlugField(
        label=_("Key"),
        max_length=80,
        help_text=_("A short key, unique under the convention, e.g. enforced-disappearances."),
    )
    title = forms.CharField(label=_("Issue"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    raised = PartialDateField(label=_("First raised"))
    source_kind = forms.ChoiceField(label=_("Raised by (kind)"), choices=IssueSource.Kind.choices)
    source_organisation = forms.ModelChoiceField(
        Organisation.objects.all(), to_field_name="slug", label=_("Raised by"), empty_label=None
    )
    source_document = forms.CharField(label=_("Document symbol or NORMLEX reference"), max_length=200, required=False)
    source_url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    source_passage = forms.CharField(
        label=_("Their words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[MaxLengthValidator(5000)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convention"].queryset = Instrument.objects.filter(gsp_requirements__isnull=False).distinct()

    def service_arguments(self):
        data = self.cleaned_data
        raised_on, precision = data["raised"]
        return {
            "convention": data["convention"],
            "reference": data["reference"],
            "title": data["title"],
            "description": data["description"],
            "raised_on": raised_on,
            "raised_precision": precision,
            "source": {
                "kind": data["source_kind"],
                "organisation": data["source_organisation"],
                "document": data["source_document"],
                "url": data["source_url"],
                "passage": data["source_passage"],
                "said_on": raised_on,
                "said_precision": precision,
            },
        }


class IssueSourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IssueSource.Kind.choices)
    organisation = forms.ModelChoiceField(
        Organisation.objects.all(), to_field_name="slug", label=_("Raised by"), empty_label=None
    )
    said = PartialDateField(label=_("Date"))
    document = forms.CharField(label=_("Document symbol or NORMLEX reference"), max_length=200, required=False)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    passage = forms.CharField(
        label=_("Their words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[MaxLengthValidator(5000)],
    )

    def service_arguments(self):
        data = dict(self.cleaned_data)
        data["said_on"], data["said_precision"] = data.pop("said")
        return data


class IssueUpdateForm(forms.Form):
    """What a source says of an issue's state in a cycle: who says so, when, and the document it is in."""

    cycle = forms.ModelChoiceField(GSPCycle.objects.none(), label=_("Cycle"), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=IssueUpdate.Kind.choices)
    status = forms.ChoiceField(label=_("State"), choices=ScorecardIssue.State.choices)
    effective = PartialDateField(label=_("Date"))
    assessor = forms.ModelChoiceField(
        Organisation.objects.all(), to_field_name="slug", label=_("Who says so"), empty_label=None
    )
    note = forms.CharField(
        label=_("What they say"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MaxLengthValidator(NOTE_MAX_CHARS)],
    )
    document = forms.CharField(label=_("Document symbol or reference"), max_length=200, required=False)
    url = forms.URLField(label=_("Link to the evidence"), max_length=1000, required=False, assume_scheme="https")
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=[(Sensitivity.PUBLIC, Sensitivity.PUBLIC.label), (Sensitivity.INTERNAL, Sensitivity.INTERNAL.label)],
        initial=Sensitivity.INTERNAL,
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, issue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = GSPCycle.objects.filter(
            scheme__required_conventions__instrument=issue.convention
        ).order_by("-starts_on")

    def service_arguments(self):
        data = dict(self.cleaned_data)
        data["effective_on"], data["effective_precision"] = data.pop("effective")
        return data


class IssueLinkForm(forms.Form):
    commitment = forms.CharField(
        label=_("Commitment"),
        max_length=120,
        help_text=_("INSTRUMENT:REFERENCE, e.g. KP-HRAP-2020:DEVELOP-LAUNCH, or the commitment's number."),
    )
    unlink = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_commitment(self):
        value = self.cleaned_data["commitment"].strip()
        visible = Commitment.objects.visible_to(self.user)
        code, sep, reference = value.partition(":")
        if sep:
            found = visible.filter(instrument__code=code.strip(), reference=reference.strip()).first()
        elif value.isdecimal() and len(value) < 12:
            found = visible.filter(pk=int(value)).first()
        else:
            found = None
        if found is None:
            raise ValidationError(_("No commitment %(key)s that you may read.") % {"key": value})
        return found


class RestrictedToForm(forms.Form):
    """Who may see a restricted item: chosen among the people who may read its commitment."""

    restricted_to = ModelMultipleChoiceField(
        label=_("Visible only to"),
        queryset=get_user_model().objects.none(),
        help_text=_("At least one person. Only people who may read the commitment can be named."),
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restricted_to"].queryset = readers_of_jurisdiction(item.commitment.jurisdiction_id).order_by(
            "username"
        )
        if not self.is_bound:
            self.fields["restricted_to"].initial = list(item.restricted_to.values_list("pk", flat=True))


# --- The public portal: submissions and their moderation ---------------------------------

SUBMISSION_STATEMENT_MAX_CHARS = 5000
SUBMISSION_MAX_LINKS = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class SubmissionForm(forms.Form):
    """What anyone may send about a published commitment; nothing of it is shown in public."""

    organisation_name = forms.CharField(
        label=_("Organisation (optional)"),
        max_length=200,
        required=False,
        help_text=_("The organisation you speak for, to be named as the source if your submission is accepted."),
    )
    contact_email = forms.EmailField(
        label=_("Contact email (optional)"),
        required=False,
        help_text=_("Only to tell you the outcome or ask for more. Never published."),
    )
    statement = forms.CharField(
        label=_("What you say"),
        max_length=SUBMISSION_STATEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What has or has not been done, and how you know. Plain text only."),
    )
    links = forms.CharField(
        label=_("Links (optional)"),
        required=False,
        max_length=SUBMISSION_MAX_LINKS * 1001,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line, at most %(count)d.") % {"count": SUBMISSION_MAX_LINKS},
    )
    files = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        help_text=_("PDF, images, Word, Excel, OpenDocument or plain text."),
    )
    consent_to_attribution = forms.BooleanField(
        label=_("I agree that the organisation named above may be shown as the source of this information"),
        required=False,
    )
    # A field people never see: a robot that fills it in is refused.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data.get("links", "").splitlines() if line.strip()]
        if len(lines) > SUBMISSION_MAX_LINKS:
            raise ValidationError(_("Give at most %(count)d links.") % {"count": SUBMISSION_MAX_LINKS})
        validate = forms.URLField(max_length=1000, assume_scheme="https").clean
        cleaned = []
        for line in lines:
            try:
                cleaned.append(validate(line))
            except ValidationError:
                raise ValidationError(
                    _("“%(link)s” is not a web address (http:// or https://).") % {"link": line[:100]}
                )
        return cleaned

    def clean_files(self):
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > settings.TRACKER_SUBMISSION_MAX_FILES:
            raise ValidationError(_("Send at most %(count)d files.") % {"count": settings.TRACKER_SUBMISSION_MAX_FILES})
        checked = []
        for upload in uploads:
            checked.append(files.check_upload(upload, max_bytes=settings.TRACKER_SUBMISSION_MAX_BYTES))
        return checked

    def clean(self):
        data = super().clean()
        if data.get("website"):
            # Said on the form, not by the hidden field, so that a person who filled it in by mistake sees why.
            raise ValidationError(_("This submission looks automated and was not accepted."), code="honeypot")
        if data.get("consent_to_attribution") and not data.get("organisation_name"):
            self.add_error("organisation_name", _("Name the organisation to be shown as the source."))
        return data


class SubmissionModerationForm(forms.Form):
    """A reviewer's decision on a submission."""

    class Decision:
        ACCEPT = "accept"
        ASK = "ask"
        REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.ACCEPT, _("Accept as a status update attributed to the organisation")),
            (Decision.ASK, _("Ask the sender for more")),
            (Decision.REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    organisation = forms.ModelChoiceField(
        label=_("Who says so (an existing organisation)"),
        queryset=Organisation.objects.all(),
        required=False,
    )
    organisation_name = forms.CharField(
        label=_("…or the organisation's name as confirmed (created if new)"), max_length=200, required=False
    )
    status = forms.ChoiceField(label=_("Status they report"), choices=Status.choices, required=False)
    effective_on = SaneDateField(
        label=_("Effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity of the update"),
        choices=[(Sensitivity.INTERNAL, Sensitivity.INTERNAL.label), (Sensitivity.PUBLIC, Sensitivity.PUBLIC.label)],
        initial=Sensitivity.INTERNAL,
        help_text=_("A public update appears on the portal once another reviewer verifies it."),
    )
    message = forms.CharField(
        label=_("Message to the sender"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    notify = forms.BooleanField(label=_("Email the sender the outcome"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.Decision.ACCEPT:
            if not data.get("status"):
                self.add_error("status", _("Choose the status they report."))
            if not data.get("effective_on"):
                self.add_error("effective_on", _("Give the date the status took effect."))
        return data
