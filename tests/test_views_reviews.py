import datetime
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import access
from commitments.models import Commitment
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    ReviewFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    cedaw = InstrumentFactory(code="CEDAW", jurisdiction=federal)
    review = ReviewFactory(instrument=cedaw, title="Fifth periodic report", url="https://example.org/co")
    review.sources.add(SourceFactory(url="https://example.org/co"))
    seen = CommitmentFactory(
        instrument=cedaw, jurisdiction=punjab, review=review, reference="CO-10", recommendation_ref="para. 10"
    )
    unseen = CommitmentFactory(instrument=cedaw, jurisdiction=sindh, review=review, reference="CO-11")
    viewer = UserFactory(role=access.VIEWER)
    ProfileFactory(user=viewer, read=[punjab])
    editor = UserFactory(role=access.EDITOR)
    ProfileFactory(user=editor, read=[punjab], write=[punjab])
    return locals()


def add_url(review):
    return reverse("commitments:review_recommendation_add", args=[review.pk])


def form_data(jurisdiction, **overrides):
    data = {
        "reference": "CO-12",
        "title": "Adopt a law on domestic violence",
        "recommendation_ref": "para. 12(b)",
        "articles": "Art. 2",
        "recommendation_response": "supported",
        "jurisdiction": jurisdiction.pk,
        "due_on": "2026-06-30",
    }
    data.update(overrides)
    return data


def test_the_review_page_lists_only_the_recommendations_the_user_may_read(client, world):
    client.force_login(world["viewer"])

    response = client.get(reverse("commitments:review", args=[world["review"].pk]))

    assert [c.reference for c in response.context["recommendations"]] == ["CO-10"]
    assert b"CO-11" not in response.content
    assert b"para. 10" in response.content
    assert response.context["form"] is None


def test_an_unknown_review_is_404_and_the_page_needs_a_login(client, world):
    url = reverse("commitments:review", args=[world["review"].pk])
    assert client.get(url).status_code == 302
    client.force_login(world["viewer"])
    assert client.get(reverse("commitments:review", args=[999999])).status_code == 404


def test_an_editor_adds_a_recommendation_as_a_commitment_linked_to_the_review(client, world):
    client.force_login(world["editor"])
    page = client.get(reverse("commitments:review", args=[world["review"].pk]))
    assert page.context["form"] is not None

    response = client.post(add_url(world["review"]), form_data(world["punjab"]))

    assert response.status_code == 302
    added = Commitment.objects.get(reference="CO-12")
    assert added.review == world["review"]
    assert added.instrument == world["cedaw"]
    assert added.jurisdiction == world["punjab"]
    assert added.recommendation_ref == "para. 12(b)"
    assert added.recommendation_response == "supported"
    assert added.due_on == datetime.date(2026, 6, 30)
    assert list(added.sources.values_list("url", flat=True)) == ["https://example.org/co"]
    assert b"CO-12" in client.get(response["Location"]).content


def test_a_viewer_cannot_add_a_recommendation(client, world):
    client.force_login(world["viewer"])

    response = client.post(add_url(world["review"]), form_data(world["punjab"]))

    assert response.status_code == 403
    assert not Commitment.objects.filter(reference="CO-12").exists()


def test_an_editor_cannot_add_in_a_jurisdiction_they_may_not_write(client, world):
    client.force_login(world["editor"])

    response = client.post(add_url(world["review"]), form_data(world["sindh"]))

    assert response.status_code == 400
    assert not Commitment.objects.filter(reference="CO-12").exists()


def test_a_reference_already_used_under_the_instrument_is_refused_with_a_clear_error(client, world):
    client.force_login(world["editor"])

    response = client.post(add_url(world["review"]), form_data(world["punjab"], reference="CO-10"))

    assert response.status_code == 400
    assert "“CO-10” cannot be used under CEDAW: choose another reference." in response.content.decode()
    assert Commitment.objects.filter(reference="CO-10").count() == 1


def test_a_reference_used_in_a_jurisdiction_the_editor_cannot_read_is_refused_without_revealing_it(client, world):
    """CO-11 is Sindh's; the Punjab editor learns nothing a reference of their own would not tell them."""
    client.force_login(world["editor"])
    world["unseen"].title = "Sindh recommendation on bonded labour"
    world["unseen"].save()

    hidden = client.post(add_url(world["review"]), form_data(world["punjab"], reference="CO-11")).content.decode()
    seen = client.post(add_url(world["review"]), form_data(world["punjab"], reference="CO-10")).content.decode()

    assert "“CO-11” cannot be used under CEDAW: choose another reference." in hidden
    assert "already has" not in hidden and "Sindh" not in hidden and "bonded labour" not in hidden
    # The same words as for a reference the editor can see: the refusal does not tell the two apart.
    errors = re.compile(r'<ul class="errorlist[^>]*>.*?</ul>', re.S)
    assert [e.replace("CO-11", "CO-x") for e in errors.findall(hidden)] == [
        e.replace("CO-10", "CO-x") for e in errors.findall(seen)
    ]
    assert Commitment.objects.filter(reference="CO-11").count() == 1


def test_an_administrator_may_add_in_any_jurisdiction(client, world):
    admin = UserFactory(role=access.ADMINISTRATOR)
    client.force_login(admin)

    response = client.post(add_url(world["review"]), form_data(world["sindh"]))

    assert response.status_code == 302
    assert Commitment.objects.get(reference="CO-12").jurisdiction == world["sindh"]


def test_the_review_page_costs_the_same_queries_for_few_and_many_recommendations(
    client, world, django_assert_num_queries
):
    client.force_login(world["editor"])
    url = reverse("commitments:review", args=[world["review"].pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        CommitmentFactory(instrument=world["cedaw"], jurisdiction=world["punjab"], review=world["review"])

    # session, user, groups, review, writable check, recommendations, sources, jurisdiction choices
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["recommendations"]) == 31


def test_the_instrument_reviews_include_shows_the_reporting_cycle_and_links_each_review(world):
    cedaw = world["cedaw"]
    cedaw.reporting_periodicity = "Every four years"
    cedaw.next_report_due_on = datetime.date(2028, 10, 1)
    cedaw.next_report_due_source = "https://example.org/co"
    cedaw.save()

    html = render_to_string(
        "commitments/_instrument_reviews.html", {"instrument": cedaw, "reviews": cedaw.reviews.all()}
    )

    assert "Every four years" in html
    assert "1 October 2028" in html and 'href="https://example.org/co"' in html
    assert reverse("commitments:review", args=[world["review"].pk]) in html
    assert "Fifth periodic report" in html


@pytest.mark.parametrize("due", ["9999-12-31", "2201-01-01", "1899-12-31"])
def test_a_due_date_outside_the_dates_the_tracker_accepts_is_refused_by_the_form(client, world, due):
    client.force_login(world["editor"])
    response = client.post(add_url(world["review"]), form_data(world["punjab"], due_on=due))
    assert response.status_code == 400
    assert "outside the dates the tracker accepts (1900 to 2200)" in response.content.decode()
    assert not Commitment.objects.filter(reference="CO-12").exists()
