"""The public portal as an anonymous visitor sees it: published commitments, public verified material only."""

import csv
import io
import json

import pytest
from django.urls import reverse

from commitments.choices import Sensitivity, Status
from commitments.models import Commitment, DownloadLog, PublicDataVersion
from commitments.services.history import status_update_record, status_update_verify
from commitments.services.publishing import commitment_publish_set
from tests import public_world
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_anonymous_visitor_browses_a_published_commitment_without_signing_in(client):
    world = public_world.build()
    response = client.get(reverse("public:detail", args=[world.commitment.pk]))
    assert response.status_code == 200
    assert b"Synthetic published commitment" in response.content
    assert b"Public synthetic note" in response.content
    assert b"Synthetic Rights Group" in response.content  # who says so
    assert b"Public synthetic evidence" in response.content


def test_unpublished_commitments_and_instruments_answer_404(client):
    world = public_world.build()
    assert client.get(reverse("public:detail", args=[world.unpublished.pk])).status_code == 404
    commitment_publish_set(commitment=world.commitment, published=False, actor=world.admin)
    assert client.get(reverse("public:detail", args=[world.commitment.pk])).status_code == 404
    other = CommitmentFactory(reference="SYN-2-1")
    other.published = True
    other.save()
    # Published, but its instrument is not: not on the portal.
    assert client.get(reverse("public:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("public:instrument", args=[other.instrument.code])).status_code == 404


def test_the_public_headline_comes_from_public_verified_material_only(client):
    world = public_world.build()
    staff = Commitment.objects.get(pk=world.commitment.pk)
    # The staff headline follows the later internal and unverified entries ...
    assert staff.status == Status.STALLED
    # ... the public one only the verified public entry.
    assert staff.public_status == Status.IN_PROGRESS
    assert staff.public_status_on.isoformat() == "2024-01-05"
    page = client.get(reverse("public:detail", args=[world.commitment.pk])).content
    assert b"In progress" in page
    for later_day in (b"2024-01-20", b"20 January 2024", b"2024-01-25", b"2024-01-26"):
        assert later_day not in page


def test_the_dashboard_counts_published_commitments_by_their_public_status(client):
    world = public_world.build()
    response = client.get(reverse("public:dashboard"))
    board = response.context["board"]
    assert board.total == 1
    counts = {value: count for value, _label, count in board.counts}
    assert counts[Status.IN_PROGRESS] == 1
    assert sum(counts.values()) == 1
    assert [u.pk for u in board.recent] == [world.public_update.pk]


def test_the_list_searches_and_filters_by_public_status(client):
    world = public_world.build()
    url = reverse("public:list")
    assert world.commitment in client.get(url, {"q": "published commitment"}).context["page"].object_list
    assert list(client.get(url, {"q": "nothing like it"}).context["page"].object_list) == []
    assert list(client.get(url, {"status": Status.IMPLEMENTED}).context["page"].object_list) == []
    assert world.commitment in client.get(url, {"status": Status.IN_PROGRESS}).context["page"].object_list
    assert client.get(url, {"status": "not-a-status"}).status_code == 400


def test_public_pages_are_cacheable_and_a_conditional_get_answers_304(client):
    world = public_world.build()
    url = reverse("public:detail", args=[world.commitment.pk])
    first = client.get(url)
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_public_write_changes_the_etag_and_an_internal_one_does_not(client):
    world = public_world.build()
    url = reverse("public:detail", args=[world.commitment.pk])
    etag = client.get(url)["ETag"]
    version = PublicDataVersion.objects.get().version
    # An internal entry reveals nothing, not even by a new ETag or date.
    status_update_record(
        commitment=world.commitment,
        status=Status.STALLED,
        effective_on=world.public_update.effective_on,
        assessor=world.ngo,
        recorded_by=world.editor,
        note="internal synthetic",
    )
    assert PublicDataVersion.objects.get().version == version
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Verifying a public entry changes what the public sees.
    public = status_update_record(
        commitment=world.commitment,
        status=Status.PARTIALLY_IMPLEMENTED,
        effective_on=world.public_update.effective_on.replace(day=6),
        assessor=world.ngo,
        recorded_by=world.editor,
        sensitivity=Sensitivity.PUBLIC,
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # not verified yet
    status_update_verify(update=public, reviewer=world.reviewer)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"Partially implemented" in response.content


def test_staff_preview_an_unpublished_commitment_with_a_banner_and_no_cache(client):
    world = public_world.build()
    url = reverse("public:detail", args=[world.unpublished.pk])
    assert client.get(url, {"preview": "1"}).status_code == 404  # anonymous: no preview
    client.force_login(world.editor)
    response = client.get(url, {"preview": "1"})
    assert response.status_code == 200
    assert b"Public preview" in response.content
    assert "no-store" in response["Cache-Control"]
    # The corrected public entry is not public material, even in a preview.
    assert public_world.MARKERS[7].encode() not in response.content


def test_a_public_file_downloads_and_is_logged_and_an_internal_one_is_404(client):
    world = public_world.build()
    response = client.get(reverse("public:evidence_download", args=[world.public_evidence.pk]))
    assert response.status_code == 200
    assert b"public content" in body(response)
    assert DownloadLog.objects.filter(evidence=world.public_evidence, user=None).count() == 1
    assert client.get(reverse("public:evidence_download", args=[world.internal_evidence.pk])).status_code == 404


def test_open_data_holds_the_published_commitments_with_a_licence(client, settings):
    settings.TRACKER_OPEN_DATA_LICENCE = "Synthetic licence statement"
    world = public_world.build()
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("public:open_data_csv"))).decode())))
    assert "Synthetic licence statement" in rows[0][0]
    assert rows[1][:3] == ["instrument", "reference", "title"]
    assert [row[1] for row in rows[2:]] == [world.commitment.reference]
    assert rows[2][6] == Status.IN_PROGRESS
    data = json.loads(client.get(reverse("public:open_data_json")).content)
    assert data["licence"] == "Synthetic licence statement"
    assert [c["reference"] for c in data["commitments"]] == [world.commitment.reference]


def test_the_atom_feed_lists_public_verified_updates(client):
    world = public_world.build()
    response = client.get(reverse("public:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert f"#update-{world.public_update.pk}".encode() in response.content
    assert f"#update-{world.internal_update.pk}".encode() not in response.content


@pytest.mark.parametrize("name", ["public:dashboard", "public:list"])
def test_the_public_pages_query_count_does_not_grow_with_the_rows(client, django_assert_num_queries, name):
    world = public_world.build()

    def more(n):
        for _ in range(n):
            c = CommitmentFactory(instrument=world.instrument, jurisdiction=world.commitment.jurisdiction)
            c.published = True
            c.save()

    more(2)
    url = reverse(name)
    client.get(url)
    # version, then the page: (dashboard) counts, instruments, recent updates;
    # (list) count, page of rows with their instrument, jurisdiction and body, instruments of the filter
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more(20)
    with django_assert_num_queries(len(few)):
        client.get(url)


@pytest.mark.parametrize("name", ["public:detail", "public:feed", "public:instrument"])
def test_a_public_page_with_more_public_updates_costs_the_same_queries(client, name):
    from django.core.files.base import ContentFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commitments.services.history import EvidenceItem
    from tests.factories import pdf_bytes

    world = public_world.build()
    args = {"public:detail": [world.commitment.pk], "public:instrument": [world.instrument.code]}.get(name, [])
    url = reverse(name, args=args)

    def more_public_updates(n):
        for day in range(n):
            update = status_update_record(
                commitment=world.commitment,
                status=Status.IN_PROGRESS,
                effective_on=world.public_update.effective_on.replace(day=6 + day),
                assessor=world.ngo,
                recorded_by=world.editor,
                sensitivity=Sensitivity.PUBLIC,
                evidence=[
                    EvidenceItem(
                        title="Synthetic public file",
                        file=ContentFile(pdf_bytes(f"p{day}"), name="p.pdf"),
                        original_filename="p.pdf",
                        content_type="application/pdf",
                        sensitivity=Sensitivity.PUBLIC,
                    )
                ],
            )
            status_update_verify(update=update, reviewer=world.reviewer)

    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more_public_updates(5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_the_gsp_page_lists_the_published_conventions_gsp_requires(client):
    from tests.factories import GSPRequirementFactory, InstrumentFactory

    world = public_world.build()
    GSPRequirementFactory(instrument=world.instrument)
    hidden = GSPRequirementFactory(instrument=InstrumentFactory(code="SYN-HIDDEN", title="Synthetic unpublished"))
    response = client.get(reverse("public:gsp"))
    assert list(response.context["requirements"].values_list("instrument__code", flat=True)) == ["SYN-1"]
    assert b"SYN-HIDDEN" not in response.content
    client.force_login(world.editor)
    preview = client.get(reverse("public:gsp"), {"preview": "1"})
    assert hidden in preview.context["requirements"]
