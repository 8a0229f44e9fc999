"""The tracker's middleware: what every response carries."""

import pytest
from django.urls import reverse

from tests.reliability_scene import build, client_for

pytestmark = pytest.mark.django_db


def test_every_page_and_export_for_a_signed_in_person_is_private_and_not_stored(client):
    scene = build()
    client_for(client, scene, "viewer")
    for url in (
        reverse("commitments:dashboard"),
        reverse("commitments:list"),
        reverse("commitments:list") + "?export=csv",
        reverse("commitments:list") + "?export=xlsx",
        reverse("commitments:detail", args=[scene.commitment.pk]),
        reverse("commitments:calendar"),
        reverse("commitments:reports"),
        reverse("commitments:evidence_download", args=[scene.evidence.pk]),
        reverse("commitments:my_settings"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (url, response["Cache-Control"])
        assert "public" not in directives
    feed = client.get(reverse("commitments:calendar_feed", args=[scene.calendar_token]))
    assert {"private", "no-store"} <= {d.strip() for d in feed["Cache-Control"].split(",")}


def test_pages_for_anonymous_visitors_are_not_marked_private(client):
    response = client.get(reverse("login"))
    assert "private" not in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", "")
