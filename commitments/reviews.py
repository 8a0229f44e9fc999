"""Reviews and the recommendations received in them.

A recommendation (a treaty body's concluding observation, a concern in an EU GSP report)
is recorded as a commitment linked to its review, so that the next report answers it.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, services
from .models import Commitment, Jurisdiction


def writable_jurisdictions(user):
    return Jurisdiction.objects.filter(access.writable_jurisdictions_q(user, prefix="pk"))


def can_add_recommendation(user):
    """Editors (in a jurisdiction they may write) and administrators."""
    return access.is_administrator(user) or (
        access.is_editor(user) and writable_jurisdictions(user).exists()
    )


class RecommendationForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference"), max_length=60,
        help_text=gettext_lazy("Unique under the instrument, e.g. CO-2024-12."),
    )
    title = forms.CharField(label=gettext_lazy("Recommendation"), max_length=300)
    description = forms.CharField(label=gettext_lazy("Full text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    recommendation_ref = forms.CharField(
        label=gettext_lazy("Paragraph in the review"), max_length=200, required=False,
        help_text=gettext_lazy("Where the review makes it, e.g. para. 12(b)."),
    )
    articles = forms.CharField(label=gettext_lazy("Convention articles"), max_length=200, required=False)
    recommendation_response = forms.ChoiceField(
        label=gettext_lazy("Pakistan's response"),
        choices=[("", "—")] + list(Commitment.RecommendationResponse.choices),
        required=False,
    )
    jurisdiction = forms.ModelChoiceField(Jurisdiction.objects.none(), label=gettext_lazy("Jurisdiction"))
    due_on = forms.DateField(
        label=gettext_lazy("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, review, **kwargs):
        super().__init__(*args, **kwargs)
        choices = writable_jurisdictions(user)
        self.fields["jurisdiction"].queryset = choices
        self.fields["jurisdiction"].initial = review.instrument.jurisdiction_id
        for name in ("reference", "title", "description", "recommendation_ref", "articles"):
            self.fields[name].widget.attrs["dir"] = "auto"


def review_recommendation_add(
    *,
    review,
    user,
    reference,
    title,
    jurisdiction,
    description="",
    recommendation_ref="",
    articles="",
    recommendation_response="",
    due_on=None,
):
    """Record a recommendation received in `review` as a commitment under its instrument.

    Only someone who may write in `jurisdiction` may add it; a reference already used
    under the instrument is refused and nothing is saved.
    """
    if not Jurisdiction.objects.filter(access.writable_jurisdictions_q(user, prefix="pk"), pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("You may not add commitments in %(jurisdiction)s.") % {"jurisdiction": jurisdiction})
    reference = reference.strip()
    if Commitment.objects.filter(instrument=review.instrument, reference=reference).exists():
        raise ValidationError(
            {"reference": _("%(instrument)s already has a commitment %(reference)s.")
             % {"instrument": review.instrument.code, "reference": reference}}
        )
    commitment = Commitment(
        instrument=review.instrument,
        review=review,
        reference=reference,
        title=title.strip(),
        description=description,
        jurisdiction=jurisdiction,
        recommendation_ref=recommendation_ref.strip(),
        articles=articles.strip(),
        recommendation_response=recommendation_response,
        due_on=due_on,
    )
    with transaction.atomic():
        services.commitment_save(commitment=commitment)
        # The recommendation rests on the review's own sources.
        commitment.sources.set(review.sources.all())
    return commitment
