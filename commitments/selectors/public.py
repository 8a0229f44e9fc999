"""Reads of the public portal: published commitments and instruments, and public material only.

Every figure here is computed from public material alone: the stored public headline
(Commitment.public_status, written by services through derived.refresh_public), the public,
verified, uncorrected updates (StatusUpdateQuerySet.published) and public evidence
(EvidenceQuerySet.published). Nothing reads the staff headline, and no count or date here
depends on an internal or restricted entry.

`preview_user`: a signed-in person previewing pages before they are published sees commitments
they may read whether published or not, but still only their public material.
"""

import dataclasses

from django.db.models import Count, Prefetch, Q

from .. import access
from ..choices import Status
from ..models import Commitment, Evidence, GSPRequirement, Instrument, StatusUpdate, Submission
from ..querysets import HISTORY_ORDER_DESC

RECENT_UPDATES = 10

# What the open data holds per commitment, in order (CSV columns, JSON keys).
OPEN_DATA_FIELDS = (
    "instrument",
    "reference",
    "title",
    "jurisdiction",
    "responsible_body",
    "due_on",
    "public_status",
    "public_status_on",
    "public_contested",
    "url",
)


def commitments(preview_user=None):
    """The commitments the portal shows (a preview adds the unpublished ones the person may read)."""
    qs = Commitment.objects.published()
    if preview_user is not None:
        qs = Commitment.objects.filter(
            Commitment.objects.published_q() | Q(pk__in=Commitment.objects.visible_to(preview_user).values("pk"))
        )
    return qs.select_related("instrument", "jurisdiction", "responsible_body")


def instruments(preview_user=None):
    qs = Instrument.objects.published()
    if preview_user is not None:
        qs = Instrument.objects.all()
    return qs


def updates():
    """Public updates of published commitments, newest first (the feed and the dashboard)."""
    return (
        StatusUpdate.objects.published()
        .select_related("commitment__instrument", "assessor")
        .order_by("-verified_at", "-id")
    )


def status_counts(queryset):
    """[(status, label, count)] of the public headline over `queryset`, in the vocabulary's order (one query)."""
    counted = dict(queryset.order_by().values_list("public_status").annotate(n=Count("pk")))
    return [(value, label, counted.get(value, 0)) for value, label in Status.choices]


@dataclasses.dataclass
class Dashboard:
    total: int
    counts: list
    instruments: list
    recent: list


def dashboard(preview_user=None):
    """The public dashboard: published commitments by public status, the instruments, the latest public updates."""
    rows = commitments(preview_user)
    counts = status_counts(rows)
    return Dashboard(
        total=sum(count for _value, _label, count in counts),
        counts=counts,
        instruments=list(instruments(preview_user).order_by("code").only("code", "title", "kind", "pakistan_status")),
        recent=list(updates()[:RECENT_UPDATES]) if preview_user is None else list(_preview_updates(preview_user)),
    )


def _preview_updates(user):
    ids = commitments(user).values("pk")
    return (
        StatusUpdate.objects.public_verified()
        .filter(commitment__in=ids)
        .select_related("commitment__instrument", "assessor")
        .order_by("-verified_at", "-id")[:RECENT_UPDATES]
    )


@dataclasses.dataclass
class CommitmentPage:
    commitment: Commitment
    history: list
    evidence: list


def commitment_page(commitment):
    """One commitment's public history (newest first) with each update's public evidence, and its own evidence."""
    public_evidence = Evidence.objects.public_material().select_related("source_organisation")
    history = list(
        StatusUpdate.objects.filter(commitment=commitment)
        .public_verified()
        .select_related("assessor")
        .prefetch_related(Prefetch("evidence", queryset=public_evidence, to_attr="public_evidence"))
        .order_by(*HISTORY_ORDER_DESC)
    )
    own = list(public_evidence.filter(commitment=commitment, status_update__isnull=True))
    return CommitmentPage(commitment=commitment, history=history, evidence=own)


def instrument_commitments(instrument, preview_user=None):
    return commitments(preview_user).filter(instrument=instrument).order_by("reference")


def gsp_conventions(preview_user=None):
    """The published conventions GSP+ requires, with each one's ratification."""
    return (
        GSPRequirement.objects.in_force()
        .filter(instrument__in=instruments(preview_user).values("pk"))
        .select_related("scheme", "instrument")
        .order_by("group", "annex_part")
    )


def open_data_rows(queryset, url_of):
    """One dict per commitment of `queryset` with OPEN_DATA_FIELDS (`url_of(commitment)`: its public page)."""
    for c in queryset.order_by("instrument__code", "reference").iterator(chunk_size=2000):
        yield {
            "instrument": c.instrument.code,
            "reference": c.reference,
            "title": c.title,
            "jurisdiction": c.jurisdiction.name if c.jurisdiction_id else "",
            "responsible_body": c.responsible_body.name if c.responsible_body_id else "",
            "due_on": c.due_on.isoformat() if c.due_on else "",
            "public_status": c.public_status,
            "public_status_on": c.public_status_on.isoformat() if c.public_status_on else "",
            "public_contested": c.public_contested,
            "url": url_of(c),
        }


def moderation_queue(user):
    """Open submissions the reviewer moderates: those on commitments of jurisdictions they may read."""
    if not access.may_moderate_submissions(user):
        return Submission.objects.none()
    return (
        Submission.objects.open()
        .filter(commitment__in=Commitment.objects.visible_to(user).values("pk"))
        .select_related("commitment__instrument")
        .order_by("submitted_at", "id")
    )
