"""Recommendations with similar text, across mechanisms and cycles: candidates for a cluster.

The similarity is rapidfuzz's Indel ratio on each text's distinct words, sorted (its
token-sort measure), computed on words that carry meaning: the paragraph number, the
recommending states in brackets, punctuation, case and the commonest English words are
left out. The words of every candidate are prepared once per call, so one suggestion over
10,000 recommendations is a single pass of compiled comparisons (see bench/run.py).
"""

import dataclasses
import re

from django.urls import reverse
from rapidfuzz import fuzz, process, utils

from .models import Commitment

# A score from 0 to 100; below this, two texts are not proposed as asking the same thing.
SIMILARITY_MIN = 75

_STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the their this to with "
    "all any such which who whose including ensure take continue further".split()
)
_PARAGRAPH = re.compile(r"^\s*\d{1,4}(?:\.\d{1,4})*\.?\s+")
_STATES = re.compile(r"\([^()]{2,300}\)\s*[;.]?\s*$")


def comparable(text):
    """The words of a recommendation that the comparison looks at, sorted and each once."""
    text = _STATES.sub("", _PARAGRAPH.sub("", text or ""))
    words = {w for w in utils.default_process(text).split() if w not in _STOP_WORDS and len(w) > 1}
    return " ".join(sorted(words))


@dataclasses.dataclass(frozen=True)
class Match:
    pk: int
    label: str
    title: str
    score: int
    cluster_id: int | None

    @property
    def url(self):
        return reverse("commitments:detail", args=[self.pk])


def _candidates(user):
    """Every recommendation `user` may read: {pk: (label, title, cluster id, comparable words)}. One query."""
    rows = (
        Commitment.objects.visible_to(user)
        .filter(recommendation__isnull=False)
        .values_list("pk", "instrument__code", "reference", "title", "description", "recommendation__cluster_id")
    )
    return {
        pk: (f"{code} {reference}", title, cluster_id, comparable(description or title))
        for pk, code, reference, title, description, cluster_id in rows
    }


def _matches(query, query_pk, query_cluster, candidates, choices, limit):
    if not query:
        return []
    found = process.extract(
        query, choices, scorer=fuzz.ratio, processor=None, limit=limit + 1, score_cutoff=SIMILARITY_MIN
    )
    matches = []
    for _choice, score, pk in found:
        label, title, cluster_id, _words = candidates[pk]
        if pk == query_pk or (query_cluster and cluster_id == query_cluster):
            continue
        matches.append(Match(pk=pk, label=label, title=title, score=round(score), cluster_id=cluster_id))
    return matches[:limit]


def similar_recommendations(*, user, commitment, limit=8):
    """The recommendations `user` may read whose text is like `commitment`'s, most alike first."""
    candidates = _candidates(user)
    choices = {pk: words for pk, (_l, _t, _c, words) in candidates.items()}
    cluster_id = candidates.get(commitment.pk, (None, None, None, None))[2]
    query = comparable(commitment.description or commitment.title)
    return _matches(query, commitment.pk, cluster_id, candidates, choices, limit)


def similar_text(*, user, text, limit=8):
    """The recommendations `user` may read whose text is like `text` (for one about to be added)."""
    candidates = _candidates(user)
    choices = {pk: words for pk, (_l, _t, _c, words) in candidates.items()}
    return _matches(comparable(text), None, None, candidates, choices, limit)


def similar_to_many(*, user, commitments, limit=3):
    """{pk: [Match]} for several commitments at once (an import's new rows), the candidates read once."""
    candidates = _candidates(user)
    choices = {pk: words for pk, (_l, _t, _c, words) in candidates.items()}
    return {
        c.pk: _matches(comparable(c.description or c.title), c.pk, None, candidates, choices, limit)
        for c in commitments
    }
