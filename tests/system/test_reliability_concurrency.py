"""Many staff at once, on PostgreSQL: every update stored exactly once, every headline right,
every evidence file with its row and every row with its file."""

import concurrent.futures
import datetime
import hashlib
import os
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
from django.contrib.auth.models import Group
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.urls import reverse

from commitments import access, derived
from commitments.models import Assessment, Commitment, Evidence, Status, StatusUpdate
from commitments.querysets import forget_tracker_organisation, tracker_organisation_id
from commitments.services.history import EvidenceItem, status_update_record
from tests import figures
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
    api_token,
    pdf_bytes,
)
from tests.http_client import Browser

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 8
UPDATES_PER_CLIENT = 50
DEADLINE_SECONDS = 240
PASSWORD = "correct horse battery staple"


@pytest.fixture
def office():
    """Two provinces, twelve commitments, eight editors who may write in both, two sources."""
    # A transactional test before this one may have flushed the roles the migration created.
    for role in access.ROLES:
        Group.objects.get_or_create(name=role)
    dri = OrganisationFactory(slug="dri", name="DRI")
    ministry = OrganisationFactory(slug="mohr", name="Ministry of Human Rights")
    forget_tracker_organisation()
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    sindh = JurisdictionFactory(code="sindh", name="Sindh")
    instrument = InstrumentFactory(code="ICCPR")
    commitments = [CommitmentFactory(instrument=instrument, jurisdiction=punjab if n % 2 else sindh) for n in range(12)]
    editors = []
    for n in range(CLIENTS):
        editor = UserFactory(username=f"editor{n}", role=access.EDITOR)
        # Each records for both sources directly (no document needed for the ministry's view).
        ProfileFactory(user=editor, write=[punjab, sindh], organisation=dri, record_for=[ministry])
        editors.append(editor)
    return {"sources": [dri, ministry], "commitments": commitments, "editors": editors}


def planned_update(client, n, office):
    """What client `client` records as its n-th update: spread over dates, sources and
    statuses, and over commitments so that several clients write to the same one."""
    return {
        "commitment": office["commitments"][(client * 5 + n) % len(office["commitments"])],
        "status": Status.values[(client + n) % len(Status.values)],
        "effective_on": datetime.date(2020, 1, 1) + datetime.timedelta(days=(client * 131 + n * 17) % 1500),
        "assessor": office["sources"][(client + n) % 2],
        "note": f"client {client} update {n}",
        "with_file": n % 10 == 3,
        "double_submit": n % 25 == 7,
    }


def expected_headline(updates, own_id):
    """The headline the stored history gives, by the one rule (derived.derive)."""
    return derived.derive(updates, own_id).status


def assert_nothing_lost(office, planned, media_root):
    """The checks after a load: exactly once, headlines, views, trend summary, files."""
    notes = Counter(StatusUpdate.objects.values_list("note", flat=True))
    assert sum(notes.values()) == len(planned), "updates stored ≠ updates sent"
    assert set(notes) == {p["note"] for p in planned}
    assert max(notes.values()) == 1, [note for note, count in notes.items() if count > 1][:5]

    own_id = tracker_organisation_id()
    for commitment in Commitment.objects.all():
        updates = list(StatusUpdate.objects.filter(commitment=commitment))
        assert commitment.status == expected_headline(updates, own_id), commitment.reference
        latest = {assessor: u.pk for assessor, u in derived.derive(updates, own_id).views.items()}
        assert dict(Assessment.objects.filter(commitment=commitment).values_list("assessor_id", "update_id")) == latest
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()

    files_expected = sum(1 for p in planned if p["with_file"])
    evidence = list(Evidence.objects.all())
    assert len(evidence) == files_expected
    on_disk = set()
    for folder, _dirs, names in os.walk(media_root):
        on_disk.update(os.path.relpath(os.path.join(folder, name), media_root) for name in names)
    assert on_disk == {e.file.name for e in evidence}, "orphaned or missing evidence files"
    for item in evidence:
        with item.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == item.sha256
        assert item.status_update.note.startswith("client ")


@pytest.fixture
def http_server(settings):
    """Django's threaded test server on a loopback port, serving the test database."""
    # Its media handler needs a MEDIA_URL; the app serves no media URL (evidence goes through a
    # permission check), so this prefix answers 404 like any unknown address.
    settings.MEDIA_URL = "/media-not-served/"
    server = LiveServerThread("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait(timeout=30)
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


def test_eight_staff_recording_400_updates_at_once_over_http_lose_nothing(office, http_server, settings):
    planned = [planned_update(c, n, office) for c in range(CLIENTS) for n in range(UPDATES_PER_CLIENT)]
    start = threading.Barrier(CLIENTS)

    def staff_member(client):
        browser = Browser(http_server)
        browser.log_in(office["editors"][client].username, PASSWORD)
        start.wait(timeout=60)
        statuses = []
        for n in range(UPDATES_PER_CLIENT):
            plan = planned_update(client, n, office)
            path = reverse("commitments:record_update", args=[plan["commitment"].pk])
            data = {
                **browser.form(path),
                "status": plan["status"],
                "effective_on": plan["effective_on"].isoformat(),
                "assessor": plan["assessor"].pk,
                "note": plan["note"],
                "sensitivity": "internal",
                "confirm": "yes",  # a step down is confirmed at once: the load is the point here
            }
            files = None
            if plan["with_file"]:
                data["evidence-0-title"] = plan["note"]
                files = {"evidence-0-file": (f"{plan['note']}.pdf", pdf_bytes(plan["note"]), "application/pdf")}
            statuses.append(browser.post(path, data, files).status_code)
            if plan["double_submit"]:
                statuses.append(browser.post(path, data, files).status_code)
        return statuses

    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(staff_member, range(CLIENTS), timeout=DEADLINE_SECONDS))
    elapsed = time.monotonic() - began
    answers = Counter(code for statuses in results for code in statuses)
    assert answers == {302: len(planned) + sum(p["double_submit"] for p in planned)}, answers
    assert elapsed < DEADLINE_SECONDS

    assert_nothing_lost(office, planned, settings.MEDIA_ROOT)
    figures.maximum("concurrent HTTP clients, zero loss", CLIENTS)
    figures.add("status updates recorded concurrently over HTTP, zero loss", len(planned))
    figures.add("double submits recorded once", sum(p["double_submit"] for p in planned))


def test_eight_writers_calling_the_service_at_once_keep_the_derived_data_right(office, settings):
    """The same load without HTTP, straight through the service: isolates the locking."""
    planned = [planned_update(c, n, office) for c in range(CLIENTS) for n in range(UPDATES_PER_CLIENT)]
    start = threading.Barrier(CLIENTS)

    def writer(client):
        try:
            start.wait(timeout=60)
            for n in range(UPDATES_PER_CLIENT):
                plan = planned_update(client, n, office)
                evidence = ()
                if plan["with_file"]:
                    from django.core.files.base import ContentFile

                    evidence = [
                        EvidenceItem(
                            title=plan["note"],
                            file=ContentFile(pdf_bytes(plan["note"]), name="e.pdf"),
                            original_filename="e.pdf",
                            content_type="application/pdf",
                        )
                    ]
                status_update_record(
                    commitment=Commitment.objects.get(pk=plan["commitment"].pk),
                    status=plan["status"],
                    effective_on=plan["effective_on"],
                    assessor=plan["assessor"],
                    recorded_by=office["editors"][client],
                    note=plan["note"],
                    evidence=evidence,
                )
        finally:
            connections.close_all()

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(writer, range(CLIENTS), timeout=DEADLINE_SECONDS))
    assert_nothing_lost(office, planned, settings.MEDIA_ROOT)
    figures.add("status updates recorded concurrently through the service, zero loss", len(planned))


def test_the_same_form_posted_by_eight_threads_at_the_same_moment_records_one_update(office):
    commitment = office["commitments"][0]
    key = uuid.uuid4()
    start = threading.Barrier(CLIENTS)

    def post(client):
        try:
            start.wait(timeout=60)
            return status_update_record(
                commitment=Commitment.objects.get(pk=commitment.pk),
                status=Status.IN_PROGRESS,
                effective_on=datetime.date(2024, 2, 1),
                assessor=office["sources"][0],
                recorded_by=office["editors"][0],
                note="posted at once",
                submission_key=key,
            ).pk
        finally:
            connections.close_all()

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        ids = set(pool.map(post, range(CLIENTS), timeout=60))
    assert len(ids) == 1
    assert StatusUpdate.objects.filter(commitment=commitment).count() == 1
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()
    figures.add("double submits recorded once", CLIENTS - 1)


def test_two_api_posts_with_the_same_idempotency_key_at_the_same_moment_record_one_update(office, http_server):
    """The API's race: a script retries while its first request is still running (two posts, one update)."""
    commitment = office["commitments"][0]
    editor = office["editors"][0]
    _token, secret = api_token(editor)
    url = f"{http_server}{reverse('api:commitment_updates', args=[commitment.pk])}"
    start = threading.Barrier(2)
    tries = 10

    def post(n):
        start.wait(timeout=60)
        return requests.post(
            url,
            data={
                "status": "in_progress",
                "effective_on": "2024-02-01",
                "assessor": office["sources"][0].slug,
                "note": f"posted twice at once, round {n // 2}",
            },
            files={"evidence_file": ("minutes.pdf", pdf_bytes(f"round {n // 2}"), "application/pdf")},
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": f"round-{n // 2}"},
            timeout=60,
        )

    for round_ in range(tries):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, [2 * round_, 2 * round_ + 1], timeout=120))
        assert [answer.status_code for answer in answers] == [201, 201], [a.text[:300] for a in answers]
        assert answers[0].json()["id"] == answers[1].json()["id"]
    assert StatusUpdate.objects.filter(commitment=commitment).count() == tries
    assert Evidence.objects.filter(commitment=commitment).count() == tries
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()
    figures.add("double submits recorded once", tries)
