"""Writes to commitments: save, themes, contribution links, recommendations received in a review.

Every change that can move the maintained counts or the trend summary runs inside
derived.counts_follow(), so the dashboard stays exact whichever way the change arrives
(the admin, the import, the seed, a review page)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import derived
from ..models import Commitment, CommitmentLink, CommitmentRollUp, Jurisdiction, Mechanism, Recommendation, Theme
from .audit import Action, Subject, audit_entry_add
from .publishing import public_data_changed


def would_create_cycle(source, target):
    """True if `target` already contributes (directly or not) to `source`: one lookup in the roll-up."""
    if source.pk == target.pk:
        return True
    return CommitmentRollUp.objects.filter(source_id=target.pk, target_id=source.pk).exists()


def _link_add(source, target, note, basis, actor=None):
    if would_create_cycle(source, target):
        raise ValidationError(
            _("%(source)s cannot contribute to %(target)s: %(target)s already contributes to it.")
            % {"source": source.reference, "target": target.reference}
        )
    if basis not in CommitmentLink.Basis.values:
        raise ValidationError({"basis": _("Say whether a source makes this link or it is the tracker's own mapping.")})
    link, created = CommitmentLink.objects.get_or_create(
        source=source, target=target, defaults={"note": note, "basis": basis}
    )
    if created:
        derived.rollup_link_added(source.pk, target.pk)
        audit_entry_add(
            action=Action.ADDED,
            subject=Subject.LINK,
            actor=actor,
            label=_link_label(source, target),
            object_id=link.pk,
            changes={"note": note} if note else {},
            commitment=source,
            related_commitment=target,
        )
    return link


def _link_label(source, target):
    return f"{source.instrument.code} {source.reference} → {target.instrument.code} {target.reference}"


def commitment_link_add(*, source, target, note="", basis=CommitmentLink.Basis.EDITORIAL, actor=None):
    """`source` contributes to `target`. Contribution links form no cycles; the roll-up follows; a new link is
    in the audit trail. `basis` says whether a source makes the link or it is the tracker's own mapping.

    An action answering a recommendation of a cluster answers every recommendation of the
    cluster: it is linked to each of them (the cluster shares its actions).
    """
    with transaction.atomic():
        link = _link_add(source, target, note, basis, actor)
        cluster_id = Recommendation.objects.filter(pk=target.pk).values_list("cluster_id", flat=True).first()
        if cluster_id:
            members = Commitment.objects.filter(recommendation__cluster_id=cluster_id).exclude(
                pk__in=[target.pk, source.pk]
            )
            for member in members:
                _link_add(source, member, note, basis, actor)
    return link


def commitment_save(*, commitment):
    """Save a commitment (admin, import, seed); keeps the trend summary right if its jurisdiction moved."""
    with transaction.atomic(), derived.counts_follow([commitment]):
        old_jurisdiction_id = None
        if commitment.pk:
            old_jurisdiction_id = (
                Commitment.objects.filter(pk=commitment.pk).values_list("jurisdiction_id", flat=True).first()
            )
        commitment.full_clean(exclude=["sources", "themes"])
        commitment.save()
        if old_jurisdiction_id and old_jurisdiction_id != commitment.jurisdiction_id:
            derived.move_jurisdiction(commitment, old_jurisdiction_id)
        if commitment.is_published():
            public_data_changed()  # its public page shows what was just saved
    return commitment


def commitment_themes_set(*, commitment, themes, actor=None):
    """Set a commitment's themes (ids or Theme objects); keeps the theme counts right; a change is in the audit trail."""
    with transaction.atomic(), derived.counts_follow([commitment]):
        before = set(commitment.themes.values_list("pk", flat=True))
        commitment.themes.set(themes)
        after = set(commitment.themes.values_list("pk", flat=True))
        if before != after:
            names = dict(Theme.objects.filter(pk__in=before | after).values_list("pk", "name"))
            audit_entry_add(
                action=Action.CHANGED,
                subject=Subject.THEMES,
                actor=actor,
                label=f"{commitment.instrument.code} {commitment.reference}",
                object_id=commitment.pk,
                changes={
                    "added": sorted(names[pk] for pk in after - before),
                    "removed": sorted(names[pk] for pk in before - after),
                },
                commitment=commitment,
            )
            if commitment.is_published():
                public_data_changed()


def commitment_delete(*, commitment):
    """Delete a commitment (one with no history: updates protect it); its counts and roll-up go with it."""
    with transaction.atomic(), derived.counts_follow([commitment]), derived.rollup_follow([commitment.pk]):
        if commitment.is_published():
            public_data_changed()
        commitment.delete()


def commitment_link_remove(*, link, actor=None):
    """Remove a contribution link; what contributed through it at any depth is recomputed; in the audit trail."""
    with transaction.atomic(), derived.rollup_follow([link.source_id]):
        audit_entry_add(
            action=Action.REMOVED,
            subject=Subject.LINK,
            actor=actor,
            label=_link_label(link.source, link.target),
            object_id=link.pk,
            commitment=link.source,
            related_commitment=link.target,
        )
        link.delete()


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
    if not Jurisdiction.objects.writable_by(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("You may not add commitments in %(jurisdiction)s.") % {"jurisdiction": jurisdiction})
    reference = reference.strip()
    if Commitment.objects.filter(instrument=review.instrument, reference=reference).exists():
        # One message whether or not the user may read the commitment holding the reference:
        # a refusal must not tell that a commitment exists in a jurisdiction they cannot read.
        raise ValidationError(
            {
                "reference": _("“%(reference)s” cannot be used under %(instrument)s: choose another reference.")
                % {"instrument": review.instrument.code, "reference": reference}
            }
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
        commitment_save(commitment=commitment)
        # The recommendation rests on the review's own sources.
        commitment.sources.set(review.sources.all())
        # Where the reviewing body is a monitoring mechanism, the commitment is one of its recommendations.
        mechanism = Mechanism.objects.filter(instrument=review.instrument).order_by("kind", "pk").first()
        if mechanism is not None:
            Recommendation.objects.create(
                commitment=commitment,
                mechanism=mechanism,
                document_symbol=review.document_symbol,
                paragraph=recommendation_ref.strip()[:30],
            )
    return commitment
