"""Writes about recommendations: add one, the reference data they name (themes, SDG targets,
groups of persons), clusters that share actions, and the treaty-body follow-up (priority
recommendations, the reply, the committee's A–E assessment)."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import access
from ..models import (
    AffectedGroup,
    Commitment,
    CommitmentLink,
    Jurisdiction,
    Mechanism,
    Recommendation,
    RecommendationCluster,
    SDGTarget,
    StatusUpdate,
    Theme,
)
from .commitments import commitment_link_add, commitment_save, commitment_themes_set
from .history import status_update_record

SDG_CODE = re.compile(
    r"^(?:goal\s*)?(?P<code>(?P<goal>\d{1,2})(?:\.(?P<target>[0-9]{1,2}|[a-z]))?)\b\s*(?:[-–:.]\s*)?(?P<title>.*)$",
    re.I,
)


def _normal_name(name):
    """Names compared as people read them: case, spacing and "&" / "and" do not matter."""
    name = name.replace("&", " and ").lower()
    return " ".join(re.sub(r"[^\w\s]", " ", name).split())


def _free_slug(model, name, max_length, taken):
    base = slugify(name)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    taken.add(slug)
    return slug


class ReferenceData:
    """Themes, SDG targets and groups of persons by name, read once; unknown ones created on request.

    Every one created is listed in `created` (kind, name), for an import's preview.
    """

    def __init__(self):
        self.themes = {}
        for theme in Theme.objects.all():
            self.themes.setdefault(_normal_name(theme.name), theme)
            self.themes.setdefault(_normal_name(theme.slug.replace("-", " ")), theme)
        self.theme_slugs = set(Theme.objects.values_list("slug", flat=True))
        self.sdgs = {target.code: target for target in SDGTarget.objects.all()}
        self.groups = {_normal_name(group.name): group for group in AffectedGroup.objects.all()}
        self.group_slugs = set(AffectedGroup.objects.values_list("slug", flat=True))
        self.created = []

    def theme(self, name):
        name = " ".join(name.split())[:100]
        key = _normal_name(name)
        if key not in self.themes:
            theme = Theme(name=name, slug=_free_slug(Theme, name, 60, self.theme_slugs))
            theme.full_clean(validate_unique=False)
            theme.save()
            self.themes[key] = theme
            self.created.append((_("theme"), name))
        return self.themes[key]

    def group(self, name):
        name = " ".join(name.split())[:200]
        key = _normal_name(name)
        if key not in self.groups:
            group = AffectedGroup(name=name, slug=_free_slug(AffectedGroup, name, 100, self.group_slugs))
            group.full_clean(validate_unique=False)
            group.save()
            self.groups[key] = group
            self.created.append((_("group of persons"), name))
        return self.groups[key]

    def sdg(self, text):
        """The SDG target written as "16.3 - Promote the rule of law", "16.3" or "Goal 16"; ValueError if not one."""
        match = SDG_CODE.match(" ".join(str(text).split()))
        if not match or not 1 <= int(match["goal"]) <= 17:
            raise ValueError(_("“%(value)s” is not an SDG target (write e.g. 16.3).") % {"value": text})
        code = match["code"].lower()
        title = match["title"].strip()[:300]
        if code not in self.sdgs:
            target = SDGTarget(code=code, title=title, goal=int(match["goal"]))
            target.full_clean(validate_unique=False)
            target.save()
            self.sdgs[code] = target
            self.created.append((_("SDG target"), f"{code} {title}".strip()))
        elif title and not self.sdgs[code].title:
            target = self.sdgs[code]
            target.title = title
            target.save(update_fields=["title"])
        return self.sdgs[code]


def short_title(text, limit=200):
    """A title from a recommendation's text: its first `limit` characters, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def recommendation_add(
    *,
    user,
    mechanism,
    instrument,
    jurisdiction,
    reference,
    text,
    kind=Recommendation.Kind.RECOMMENDATION,
    review=None,
    title="",
    document_symbol="",
    paragraph="",
    position="",
    position_source="",
    themes=(),
    sdg_targets=(),
    affected_groups=(),
    upr_session=None,
    recommending_states="",
    normlex_ref="",
    ilo_year=None,
    ilo_session="",
    published_on=None,
):
    """Record one recommendation (or concern, or ILO comment) as a commitment with its recommendation data.

    `sdg_targets` and `affected_groups` are texts (unknown ones are created); `themes` are
    Theme objects. A reference already used under the instrument, or a NORMLEX reference
    already recorded, is refused and nothing is saved.
    """
    if not Jurisdiction.objects.writable_by(user).filter(pk=jurisdiction.pk).exists():
        raise PermissionDenied(_("You may not add commitments in %(jurisdiction)s.") % {"jurisdiction": jurisdiction})
    reference = reference.strip()
    errors = {}
    if Commitment.objects.filter(instrument=instrument, reference=reference).exists():
        errors["reference"] = _("%(instrument)s already has a commitment %(reference)s.") % {
            "instrument": instrument.code,
            "reference": reference,
        }
    if normlex_ref and Recommendation.objects.filter(normlex_ref=normlex_ref.strip()).exists():
        errors["normlex_ref"] = _("A comment with this NORMLEX reference is already recorded.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        data = ReferenceData()
        commitment = Commitment(
            instrument=instrument,
            review=review,
            reference=reference,
            title=(title or short_title(text)).strip()[:300],
            description=text.strip(),
            jurisdiction=jurisdiction,
            recommendation_ref=(f"{document_symbol} para. {paragraph}" if paragraph else document_symbol).strip(),
            recommendation_response=position,
        )
        commitment_save(commitment=commitment)
        if review is not None:
            commitment.sources.set(review.sources.all())
        if themes:
            commitment_themes_set(commitment=commitment, themes=themes)
        recommendation = Recommendation(
            commitment=commitment,
            mechanism=mechanism,
            kind=kind,
            document_symbol=document_symbol.strip(),
            paragraph=paragraph.strip(),
            published_on=published_on,
            upr_session=upr_session,
            recommending_states=recommending_states.strip(),
            position_source=position_source.strip(),
            normlex_ref=normlex_ref.strip(),
            ilo_year=ilo_year,
            ilo_session=ilo_session.strip(),
        )
        recommendation.full_clean(exclude=["commitment", "mechanism"], validate_constraints=False)
        recommendation.save()
        try:
            targets = [data.sdg(code) for code in sdg_targets if str(code).strip()]
        except ValueError as exc:
            raise ValidationError({"sdg_targets": str(exc)})
        recommendation.sdg_targets.set(targets)
        recommendation.affected_groups.set([data.group(name) for name in affected_groups if name.strip()])
    return commitment


# --- Clusters: one action, many recommendations -------------------------------------------


def cluster_group(*, recommendations, user, name=""):
    """Put recommendations in one cluster (merging the clusters they are in); its actions are shared by all.

    Every action answering one of them (a commitment contributing to it) then contributes to
    each of them, through the ordinary contribution links, so each one's status rolls up
    from the same actions.
    """
    recommendations = list(recommendations)
    if len(recommendations) < 2:
        raise ValidationError(_("Choose at least two recommendations to group."))
    with transaction.atomic():
        clusters = {r.cluster_id for r in recommendations if r.cluster_id}
        if clusters:
            cluster = RecommendationCluster.objects.filter(pk__in=clusters).order_by("pk").first()
        else:
            first = recommendations[0].commitment
            cluster = RecommendationCluster(name=(name or short_title(first.title, 150)).strip()[:200], created_by=user)
            cluster.full_clean()
            cluster.save()
        if name:
            cluster.name = name.strip()[:200]
            cluster.save(update_fields=["name"])
        Recommendation.objects.filter(cluster_id__in=clusters - {cluster.pk}).update(cluster=cluster)
        Recommendation.objects.filter(pk__in=[r.pk for r in recommendations]).update(cluster=cluster)
        RecommendationCluster.objects.filter(pk__in=clusters - {cluster.pk}).delete()
        cluster_actions_share(cluster=cluster)
    return cluster


def cluster_members(cluster):
    return list(Commitment.objects.filter(recommendation__cluster=cluster))


def cluster_actions_share(*, cluster):
    """Link every action answering a member of the cluster to every member (the links are the roll-up)."""
    members = cluster_members(cluster)
    member_ids = {m.pk for m in members}
    actions = {
        link.source_id: link.source
        for link in CommitmentLink.objects.filter(target_id__in=member_ids)
        .exclude(source_id__in=member_ids)
        .select_related("source")
    }
    existing = set(CommitmentLink.objects.filter(target_id__in=member_ids).values_list("source_id", "target_id"))
    for action in actions.values():
        for member in members:
            if (action.pk, member.pk) not in existing:
                commitment_link_add(source=action, target=member)


def cluster_leave(*, recommendation):
    """Take a recommendation out of its cluster (the links already made stay: they are the record)."""
    cluster_id = recommendation.cluster_id
    with transaction.atomic():
        Recommendation.objects.filter(pk=recommendation.pk).update(cluster=None)
        recommendation.cluster_id = None
        if cluster_id and Recommendation.objects.filter(cluster_id=cluster_id).count() < 2:
            Recommendation.objects.filter(cluster_id=cluster_id).update(cluster=None)
            RecommendationCluster.objects.filter(pk=cluster_id).delete()


# --- Treaty-body follow-up -----------------------------------------------------------------


def follow_up_priority_set(*, user, recommendations, due_on):
    """Mark recommendations as the ones the body asks a follow-up reply on, due on `due_on`."""
    recommendations = list(recommendations)
    if not recommendations:
        raise ValidationError(_("Choose the priority recommendations."))
    for recommendation in recommendations:
        if not access.can_write_commitment(user, recommendation.commitment):
            raise PermissionDenied
        if recommendation.mechanism.kind != Mechanism.Kind.TREATY_BODY:
            raise ValidationError(_("Only treaty bodies ask for follow-up replies."))
    Recommendation.objects.filter(pk__in=[r.pk for r in recommendations]).update(follow_up_due_on=due_on)
    for recommendation in recommendations:
        recommendation.follow_up_due_on = due_on


def follow_up_reply_record(*, user, recommendation, replied_on):
    """Record the day the follow-up reply was sent: its deadline is met."""
    if not access.can_write_commitment(user, recommendation.commitment):
        raise PermissionDenied
    if recommendation.follow_up_due_on is None:
        raise ValidationError(_("No follow-up reply is asked for on this recommendation."))
    Recommendation.objects.filter(pk=recommendation.pk).update(follow_up_replied_on=replied_on)
    recommendation.follow_up_replied_on = replied_on


def follow_up_assessment_record(
    *,
    commitment,
    grade,
    status,
    effective_on,
    recorded_by,
    note="",
    evidence=(),
    sensitivity=None,
    claim_document_check=False,
    today=None,
):
    """Record the treaty body's assessment of the follow-up reply (A–E) as that body's own view.

    The update's assessor is the mechanism's organisation: the committee says so, not the
    person recording it. `status` is what the committee's assessment says of the
    recommendation; nothing chooses it for them.
    """
    recommendation = Recommendation.objects.select_related("mechanism__organisation").filter(pk=commitment.pk).first()
    if recommendation is None or recommendation.mechanism.kind != Mechanism.Kind.TREATY_BODY:
        raise ValidationError(_("Only a treaty body's recommendation has a follow-up assessment."))
    if grade not in StatusUpdate.Grade.values:
        raise ValidationError({"follow_up_grade": _("Choose the committee's grade, A to E.")})
    extra = {"sensitivity": sensitivity} if sensitivity else {}
    return status_update_record(
        commitment=commitment,
        status=status,
        effective_on=effective_on,
        assessor=recommendation.mechanism.organisation,
        recorded_by=recorded_by,
        note=note,
        evidence=evidence,
        follow_up_grade=grade,
        claim_document_check=claim_document_check,
        today=today,
        **extra,
    )
