"""The data-entry parts of the commitment page (record link, verification, history) cost no query per row."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.services.history import EvidenceItem, status_update_record
from tests import sample_files
from tests.entry_world import make_world

pytestmark = pytest.mark.django_db


def add_updates(world, count):
    for n in range(count):
        status_update_record(
            commitment=world.kp_commitment,
            status="in_progress",
            effective_on=datetime.date(2024, 4, 1 + n),
            assessor=world.dri,
            recorded_by=world.users["editor_kp"],
            note=f"update {n}",
            evidence=[EvidenceItem(title=f"doc {n}", file=ContentFile(sample_files.pdf_bytes(f"d{n}"), name="d.pdf"))],
        )


@pytest.mark.parametrize("role", ["reviewer", "administrator", "editor_kp"])
def test_the_commitment_page_costs_the_same_queries_for_few_or_many_updates(client, role):
    world = make_world()
    client.force_login(world.users[role])
    url = world.kp_commitment.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_updates(world, 12)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert "update 11" in html and html.count("Mark update verified") == (13 if role != "editor_kp" else 0)
    assert len(many) == len(few)


def test_the_record_update_link_shows_only_to_those_who_may_record(client):
    world = make_world()
    for role, shown in [("editor_kp", True), ("viewer", False), ("reviewer", False), ("administrator", True)]:
        client.force_login(world.users[role])
        html = client.get(world.kp_commitment.get_absolute_url()).content.decode()
        assert ("Record an update" in html) is shown, role


def test_the_commitment_page_shows_whether_a_source_makes_each_link(client):
    from commitments.services.commitments import commitment_link_add
    from tests.factories import CommitmentFactory

    world = make_world()
    sourced_target = CommitmentFactory(
        instrument=world.instrument, reference="KP-2", title="Synthetic sourced target", jurisdiction=world.kp
    )
    commitment_link_add(source=world.kp_commitment, target=sourced_target, basis="sourced")
    commitment_link_add(source=world.kp_commitment, target=world.punjab_commitment)
    client.force_login(world.users["reviewer"])
    html = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    items = html.split("<li>")
    sourced_line = next(item for item in items if "Synthetic sourced target" in item)
    editorial_line = next(item for item in items if "Domestic workers act" in item)
    assert "link: sourced" in sourced_line
    assert "link: editorial" in editorial_line
