"""Correcting an entry from the commitment's page: the "Correct" link, the form, the superseded entry."""

import pytest
from django.urls import reverse

from commitments.forms import submission_key_issue
from commitments.models import StatusUpdate
from tests.entry_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def correct_url(update):
    return reverse("commitments:correct_update", args=[update.pk])


def correction_data(world, user, **changes):
    data = {
        "status": "not_started",
        "effective_on": "2024-02",
        "assessor": world.dri.pk,
        "note": "It had not started: the survey was only announced",
        "submission_key": submission_key_issue(user),
    }
    data.update(changes)
    return data


def test_the_author_sees_a_correct_link_on_each_entry_and_another_editor_does_not(client, world):
    client.force_login(world.users["editor_kp"])
    page = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert correct_url(world.kp_update) in page
    client.force_login(world.users["viewer"])
    page = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert correct_url(world.kp_update) not in page
    assert client.get(correct_url(world.kp_update)).status_code == 403


def test_the_author_corrects_status_date_and_note_and_the_page_shows_the_original_as_superseded(client, world):
    editor = world.users["editor_kp"]
    client.force_login(editor)
    form = client.get(correct_url(world.kp_update)).content.decode()
    assert "Survey started" in form  # the entry being corrected, and its note as the starting text
    response = client.post(correct_url(world.kp_update), correction_data(world, editor))
    assert response.status_code == 302
    correction = StatusUpdate.objects.get(corrects=world.kp_update)
    assert (correction.status, correction.effective_precision) == ("not_started", "month")
    assert correction.recorded_by == editor
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == "not_started"

    page = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    original = page[page.index(f'id="update-{world.kp_update.pk}"') :]
    assert original.startswith(f'id="update-{world.kp_update.pk}" class="superseded"')
    assert f'href="#update-{correction.pk}">see its correction' in original
    assert correct_url(world.kp_update) not in page  # the superseded entry is corrected through its correction
    assert correct_url(correction) in page


def test_a_reviewer_corrects_a_correction_and_the_chain_holds(client, world):
    editor, reviewer = world.users["editor_kp"], world.users["reviewer"]
    client.force_login(editor)
    client.post(correct_url(world.kp_update), correction_data(world, editor))
    first = StatusUpdate.objects.get(corrects=world.kp_update)
    client.force_login(reviewer)
    # Opening the form for the corrected entry leads to its correction.
    assert client.get(correct_url(world.kp_update))["Location"] == correct_url(first)
    response = client.post(correct_url(first), correction_data(world, reviewer, status="stalled", effective_on="2024"))
    assert response.status_code == 302
    second = StatusUpdate.objects.get(corrects=first)
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == "stalled" and second.effective_precision == "year"


def test_a_correction_without_a_status_or_a_note_saves_nothing(client, world):
    editor = world.users["editor_kp"]
    client.force_login(editor)
    response = client.post(correct_url(world.kp_update), correction_data(world, editor, status="", note=""))
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert not StatusUpdate.objects.filter(corrects=world.kp_update).exists()
