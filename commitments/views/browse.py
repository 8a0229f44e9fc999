from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView

from .. import access
from ..models import Assessment, Commitment, Evidence, Instrument, StatusUpdate


class CommitmentListView(LoginRequiredMixin, ListView):
    template_name = "commitments/commitment_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Commitment.objects.visible_to(self.request.user).with_related()


@login_required
def commitment_detail(request, pk):
    user = request.user
    commitment = get_object_or_404(
        Commitment.objects.visible_to(user).select_related("instrument", "jurisdiction", "responsible_body", "review"),
        pk=pk,
    )
    evidence = Evidence.objects.visible_to(user).select_related("source_organisation", "added_by", "verified_by")
    updates = (
        StatusUpdate.objects.visible_to(user)
        .filter(commitment=commitment)
        .select_related("assessor", "recorded_by", "verified_by", "corrects")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by("-effective_on", "-recorded_at", "-id")
    )
    visible = Commitment.objects.visible_to(user)
    context = {
        "commitment": commitment,
        "updates": updates,
        "assessments": Assessment.objects.filter(commitment=commitment).select_related("assessor", "update"),
        "contributes_to": visible.filter(links_in__source=commitment).select_related("instrument", "jurisdiction"),
        "contributions": visible.filter(links_out__target=commitment).select_related("instrument", "jurisdiction"),
        "commitment_evidence": evidence.filter(commitment=commitment, status_update__isnull=True),
        "themes": commitment.themes.all(),
        "sources": commitment.sources.all(),
        "can_write": access.can_write_commitment(user, commitment),
    }
    return render(request, "commitments/commitment_detail.html", context)


@login_required
def instrument_detail(request, code):
    if "\x00" in code:  # no code holds a null character; PostgreSQL refuses to compare with one
        raise Http404
    instrument = get_object_or_404(
        Instrument.objects.select_related("monitoring_body", "jurisdiction"), code=code
    )
    commitments = Commitment.objects.visible_to(request.user).filter(instrument=instrument)
    context = {
        "instrument": instrument,
        "commitments": commitments.with_related(),
        "breakdown": commitments.values("status").annotate(count=Count("pk")).order_by("status"),
        "sources": instrument.sources.all(),
        "requirements": instrument.gsp_requirements.select_related("scheme"),
        "reviews": instrument.reviews.all(),
    }
    return render(request, "commitments/instrument_detail.html", context)
