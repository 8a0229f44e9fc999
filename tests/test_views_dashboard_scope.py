"""The dashboard's scope bar: jurisdiction × GSP+ group × theme × instrument × kind drives every
figure, is kept in the query string, and every scoped number links to the list of exactly those."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import models
from tests import rich_data
from tests.factories import ProfileFactory, UserFactory
from tests.test_views_dashboard import counted_links, list_total

pytestmark = pytest.mark.django_db

KP_HUMAN_RIGHTS = {"jurisdiction": "kp", "gsp_group": "human_rights"}


def assert_scoped_numbers_match_their_lists(client, params):
    response = client.get(reverse("commitments:dashboard"), params)
    assert response.status_code == 200
    links = counted_links(response.content)
    assert links
    for href, count in links:
        if href.startswith(reverse("commitments:list")):
            assert list_total(client, href) == count, href
    return response


# Before the tests on the seeded data (kept for the rest of the module), which these would clash with.
@pytest.mark.parametrize(
    "params",
    [
        {"jurisdiction": "punjab"},
        {"jurisdiction": "punjab", "gsp_group": "human_rights"},
        {"theme": "women", "kind": "provincial_plan"},
        {"instrument": "PB-HRP"},
    ],
)
def test_the_scoped_dashboard_query_count_does_not_grow_with_the_number_of_commitments(client, params):
    # Enough rows that every list on the page has some (an empty list skips its prefetch query).
    data = rich_data.build(scale=2)
    client.force_login(data.admin)
    client.get(reverse("commitments:dashboard"), params)  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("commitments:dashboard"), params).status_code == 200
    rich_data.add(data, scale=5, start=1000)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("commitments:dashboard"), params)
    assert response.status_code == 200
    assert len(many) == len(few)
    assert_scoped_numbers_match_their_lists(client, params)


def test_kp_within_gsp_human_rights_shows_the_kp_actions_contributing_to_cedaw_and_iccpr(client, seeded):
    client.force_login(UserFactory(username="scope-admin", role="Administrator"))
    response = assert_scoped_numbers_match_their_lists(client, KP_HUMAN_RIGHTS)
    rollup = {line["code"]: line for line in response.context["convention_rollup"]}
    # The KP action plan contributes to CEDAW and the ICCPR; the transgender resolution to the ICCPR.
    assert set(rollup) == {"CEDAW", "ICCPR"}
    assert rollup["CEDAW"]["own"].total == 0
    assert rollup["CEDAW"]["contributing"].total == 1
    assert rollup["ICCPR"]["contributing"].total == 2
    listed = client.get(rollup["ICCPR"]["contributing"].total_url)
    assert {c.reference for c in listed.context["table"].data} == {"DEVELOP-LAUNCH", "TG-VOTING"}
    # Every figure is KP's: the jurisdiction bars name KP alone, the group is no longer 0.
    assert [bar.label for bar in response.context["jurisdictions"]] == ["Khyber Pakhtunkhwa"]
    (human_rights,) = response.context["gsp_groups"]
    assert (human_rights["own"].total, human_rights["contributing"].total) == (0, 2)
    assert response.context["overall"].total == 2
    text = response.content.decode()
    assert "Every figure below is for: Khyber Pakhtunkhwa" in text
    assert "contributing at any depth" in text


def test_a_scope_that_names_nothing_is_a_bad_request(client, seeded):
    client.force_login(UserFactory(username="scope-viewer", role="Viewer"))
    assert client.get(reverse("commitments:dashboard"), {"jurisdiction": "atlantis"}).status_code == 400
    assert client.get(reverse("commitments:dashboard"), {"gsp_group": "nonsense"}).status_code == 400


def test_a_viewer_scoped_to_a_province_they_cannot_read_sees_nothing_of_it(client, seeded):
    viewer = UserFactory(username="punjab-reader", role="Viewer")
    ProfileFactory(user=viewer, read=[models.Jurisdiction.objects.get(code="punjab")])
    client.force_login(viewer)
    response = client.get(reverse("commitments:dashboard"), KP_HUMAN_RIGHTS)
    assert response.context["overall"].total == 0
    assert response.context["convention_rollup"] == []
