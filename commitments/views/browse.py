from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from .. import access
from ..charts import STATUS_LABELS, Bar
from ..choices import Audience
from ..exports.commitment_list import FORMATS, commitment_list_export
from ..filters import CommitmentFilter
from ..forms import FollowUpAssessmentForm, FollowUpReplyForm
from ..models import Assessment, Commitment, Evidence, Instrument, Job, Mechanism, StatusUpdate
from ..querysets import HISTORY_ORDER_DESC
from ..selectors.commitment_list import commitment_list_queryset
from ..selectors.deadlines import computed_deadlines
from ..selectors.history import commitment_history
from ..services.jobs import job_request
from ..tables import CommitmentTable, StatusAsOfColumn
from .errors import refused

PAGE_SIZE = 50
PAGE_SIZE_MAX = 500


def _page_size_refusal(request):
    """A refusal for a `per_page` the table cannot use (negative, zero, "²", huge), else None."""
    value = request.GET.get("per_page")
    if value is None:
        return None
    if value.isdecimal() and len(value) <= 4 and 1 <= int(value) <= PAGE_SIZE_MAX:
        return None
    return refused(request, _("“per_page” must be a whole number from 1 to %(max)d.") % {"max": PAGE_SIZE_MAX})


class CommitmentListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    """The filtered, sortable, paginated commitment list; `?export=csv|xlsx|json` exports the same rows."""

    template_name = "commitments/commitment_list.html"
    table_class = CommitmentTable
    filterset_class = CommitmentFilter
    table_pagination = {"per_page": PAGE_SIZE}

    def get_queryset(self):
        return Commitment.objects.visible_to(self.request.user).with_related()

    def get_table_kwargs(self):
        kwargs = {"today": timezone.localdate()}
        as_of, known_on = self._as_of()
        if as_of:
            kwargs["extra_columns"] = [("status_as_of", StatusAsOfColumn(as_of, known_on))]
        return kwargs

    def _as_of(self):
        """(the "status as of" date, the "as known on" date): the known-on date alone is also the as-of date."""
        form = self.filterset.form
        if not (self.filterset.is_bound and form.is_valid()):
            return None, None
        known_on = form.cleaned_data.get("known_on")
        return form.cleaned_data.get("as_of") or known_on, known_on

    def get(self, request, *args, **kwargs):
        refusal = _page_size_refusal(request)
        if refusal is not None:
            return refusal
        export = request.GET.get("export")
        if export is None:
            response = super().get(request, *args, **kwargs)
            if self.filterset.is_bound and not self.filterset.is_valid():
                response.status_code = 400  # a filter that cannot be read is refused, and says why
            return response
        if export not in FORMATS:
            raise Http404
        self.filterset = self.get_filterset(self.get_filterset_class())
        if self.filterset.is_bound and not self.filterset.is_valid():
            return refused(request, _("These filters cannot be read: %(errors)s") % {"errors": self._errors_text()})
        # The rows on screen, in the table's order, every page.
        rows = commitment_list_queryset(user=request.user, params=request.GET)
        audience = request.GET.get("audience", Audience.INTERNAL)
        if audience not in Audience.values:
            audience = Audience.INTERNAL
        scope = {key: value for key, value in request.GET.items() if key not in ("export", "page")}
        count = rows.count()
        if count > settings.TRACKER_EXPORT_BACKGROUND_ROWS:
            # Too many rows to write while the browser waits: a job writes the file.
            job = job_request(
                user=request.user,
                kind=Job.Kind.LIST_EXPORT,
                parameters={"query": scope, "format": export, "audience": audience},
            )
            return redirect(job)
        export = commitment_list_export(
            rows, user=request.user, format=export, audience=audience, scope=scope, rows=count, request=request
        )
        if not export.streaming:
            return FileResponse(
                export.content, as_attachment=True, filename=export.filename, content_type=export.content_type
            )
        response = StreamingHttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        context["query"] = params.urlencode()
        context["export_formats"] = FORMATS
        context["active_filters"] = self._active_filters()
        return context

    def _errors_text(self):
        form = self.filterset.form
        return "; ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())

    def _active_filters(self):
        """[(label, value shown, address without this filter)] for the filters in use."""
        form = self.filterset.form
        if not (self.filterset.is_bound and form.is_valid()):
            return []
        active = []
        for name, value in form.cleaned_data.items():
            if value in (None, "", [], ()):
                continue
            field = form.fields[name]
            choices = dict(getattr(field, "choices", ()) or ())
            shown = choices.get(value, value) if not hasattr(value, "pk") else value
            if name == "contributes_to":
                shown = f"#{value}"
            params = self.request.GET.copy()
            for key in (name, "page", "export"):
                params.pop(key, None)
            active.append((field.label, str(shown), "?" + params.urlencode()))
        return active


@login_required
def commitment_detail(request, pk):
    user = request.user
    commitment = get_object_or_404(
        Commitment.objects.visible_to(user).select_related(
            "instrument", "jurisdiction", "responsible_body", "review", "recommendation__mechanism__organisation"
        ),
        pk=pk,
    )
    evidence = Evidence.objects.visible_to(user).select_related("source_organisation", "added_by", "verified_by")
    updates = (
        StatusUpdate.objects.visible_to(user)
        .filter(commitment=commitment)
        .select_related(
            "assessor",
            "recorded_by",
            "verified_by",
            "corrects__assessor",
            "according_to",
            "recorder_organisation",
            "commitment",
        )
        .annotate(
            corrected_by_id=Subquery(
                StatusUpdate.objects.filter(corrects=OuterRef("pk")).order_by("-recorded_at", "-id").values("pk")[:1]
            )
        )
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by(*HISTORY_ORDER_DESC)
    )
    visible = Commitment.objects.visible_to(user)
    context = {
        "commitment": commitment,
        "updates": updates,
        "assessments": Assessment.objects.filter(commitment=commitment).select_related("assessor", "update"),
        # Each with the link's basis (sourced or editorial), read through the same join as the filter.
        "contributes_to": visible.filter(links_in__source=commitment)
        .annotate(link_basis=F("links_in__basis"))
        .select_related("instrument", "jurisdiction"),
        "contributions": visible.filter(links_out__target=commitment)
        .annotate(link_basis=F("links_out__basis"))
        .select_related("instrument", "jurisdiction"),
        "commitment_evidence": evidence.filter(commitment=commitment, status_update__isnull=True),
        "themes": commitment.themes.all(),
        "sources": commitment.sources.all(),
        "is_overdue": commitment.is_overdue(),
        "can_write": access.can_write_commitment(user, commitment),
        "history": commitment_history(user, commitment),
        **_recommendation_context(user, commitment, visible, updates),
    }
    return render(request, "commitments/commitment_detail.html", context)


def _recommendation_context(user, commitment, visible, updates):
    """What the page shows of a recommendation: the mechanism's data, its cluster and the follow-up."""
    recommendation = getattr(commitment, "recommendation", None)
    if recommendation is None:
        return {"recommendation": None}
    is_treaty_body = recommendation.mechanism.kind == Mechanism.Kind.TREATY_BODY
    can_write = access.can_write_commitment(user, commitment)
    # The roll-up: how far the actions answering it (the commitments contributing to it) have got.
    answering = dict(
        visible.filter(links_out__target=commitment)
        .values_list("status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {
        "recommendation": recommendation,
        "roll_up": Bar(_("Actions answering it"), {"contributes_to": commitment.pk}, answering) if answering else None,
        "sdg_targets": recommendation.sdg_targets.all(),
        "affected_groups": recommendation.affected_groups.all(),
        "cluster_members": (
            visible.filter(recommendation__cluster_id=recommendation.cluster_id)
            .exclude(pk=commitment.pk)
            .select_related("instrument")
            if recommendation.cluster_id
            else []
        ),
        "follow_up_overdue": recommendation.is_follow_up_overdue(),
        "follow_up_assessments": [u for u in updates if u.follow_up_grade],
        "follow_up_reply_form": FollowUpReplyForm() if can_write and recommendation.is_priority else None,
        "follow_up_assessment_form": FollowUpAssessmentForm() if can_write and is_treaty_body else None,
    }


@login_required
def instrument_detail(request, code):
    if "\x00" in code:  # no code holds a null character; PostgreSQL refuses to compare with one
        raise Http404
    refusal = _page_size_refusal(request)
    if refusal is not None:
        return refusal
    instrument = get_object_or_404(Instrument.objects.select_related("monitoring_body", "jurisdiction"), code=code)
    commitments = Commitment.objects.visible_to(request.user).filter(instrument=instrument)
    counts = dict(commitments.values_list("status").annotate(n=Count("pk")).order_by())
    table = CommitmentTable(commitments.with_related(), today=timezone.localdate(), exclude=("instrument",))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    context = {
        "instrument": instrument,
        "breakdown": Bar(instrument.code, {"instrument": instrument.code}, counts),
        "status_labels": STATUS_LABELS,
        "table": table,
        "sources": instrument.sources.all(),
        "requirements": instrument.gsp_requirements.select_related("scheme"),
        "reviews": instrument.reviews.all(),
        "computed_deadlines": computed_deadlines(request.user, {"instrument": instrument}),
    }
    return render(request, "commitments/instrument_detail.html", context)
