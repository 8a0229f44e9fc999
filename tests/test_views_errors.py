"""Error pages say why and where to go next, in the site's layout."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.entry_world import client_for, make_world

pytestmark = pytest.mark.django_db


def test_a_reader_opening_a_form_of_another_province_is_told_they_may_read_but_not_change(client):
    world = make_world()
    viewer = client_for(Client(), world, "viewer")
    response = viewer.get(reverse("commitments:record_update", args=[world.kp_commitment.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "You may read this commitment but not change it" in page
    assert "Khyber Pakhtunkhwa" in page
    assert 'href="/commitments/"' in page  # where to go next, in the site's navigation
    assert "<nav" in page


def test_a_missing_page_is_a_page_of_the_site_not_a_bare_error(client):
    world = make_world()
    client = client_for(client, world, "viewer")
    response = client.get("/commitments/999999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and "not one you may see" in page
    assert reverse("commitments:dashboard") in page


def test_a_server_error_page_needs_no_database(client, settings):
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert "{%" not in html
