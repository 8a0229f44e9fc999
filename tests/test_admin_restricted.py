"""Restricted items in the admin: administrators not named on them administer them without reading them."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.urls import reverse

from commitments import access
from commitments.models import AuditEntry, Commitment, DownloadLog, Evidence, StagedUpload, StatusUpdate
from commitments.services.history import evidence_file_redact, status_update_record
from tests.factories import pdf_bytes
from tests.reliability_scene import SECRET_MARKERS, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def admin_client(client, scene):
    client.force_login(scene.users["administrator"])
    return client


def first_version(model, pk):
    return model.history.filter(id=pk).earliest("history_date").history_id


def test_the_history_of_a_restricted_update_is_404_to_an_administrator_not_named(admin_client, scene):
    update = scene.restricted_update
    history = admin_client.get(reverse("admin:commitments_statusupdate_history", args=[update.pk]))
    assert history.status_code == 404
    assert b"Stalled" not in history.content and b"1 March 2024" not in history.content
    version = admin_client.get(
        reverse(
            "admin:commitments_statusupdate_simple_history", args=[update.pk, first_version(StatusUpdate, update.pk)]
        )
    )
    assert version.status_code == 404 and SECRET_MARKERS[0].encode() not in version.content


@pytest.mark.parametrize("evidence", ["restricted_evidence", "restricted_link_evidence"])
def test_the_stored_versions_of_restricted_evidence_are_404_to_an_administrator_not_named(
    admin_client, scene, evidence
):
    item = getattr(scene, evidence)
    url = reverse("admin:commitments_evidence_simple_history", args=[item.pk, first_version(Evidence, item.pk)])
    response = admin_client.get(url)
    assert response.status_code == 404
    assert not any(marker.encode() in response.content for marker in SECRET_MARKERS)


def test_the_person_named_reads_the_stored_versions_and_the_history_list(client, scene):
    named = scene.users["named"]
    named.groups.add(Group.objects.get(name=access.ADMINISTRATOR))
    client.force_login(named)
    update = scene.restricted_update
    url = reverse(
        "admin:commitments_statusupdate_simple_history", args=[update.pk, first_version(StatusUpdate, update.pk)]
    )
    assert SECRET_MARKERS[0].encode() in client.get(url).content
    assert client.get(reverse("admin:commitments_statusupdate_history", args=[update.pk])).status_code == 200


def test_a_stored_version_is_never_reverted_not_even_by_a_superuser_named_on_it(client, scene):
    root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    StatusUpdate.objects.get(pk=scene.restricted_update.pk).restricted_to.add(root)
    client.force_login(root)
    update, evidence = scene.update, scene.evidence
    from commitments.services.history import evidence_verify

    evidence_verify(evidence=evidence, reviewer=scene.users["reviewer"])
    before = (StatusUpdate.objects.count(), Evidence.objects.get(pk=evidence.pk).title)
    for model, item, data in (
        (StatusUpdate, update, {"status": "implemented", "note": "Reverted"}),
        (Evidence, evidence, {"title": "Renamed by a revert"}),
        (StatusUpdate, scene.restricted_update, {"status": "implemented", "note": "Reverted"}),
    ):
        name = model._meta.model_name
        url = reverse(f"admin:commitments_{name}_simple_history", args=[item.pk, first_version(model, item.pk)])
        response = client.post(url, data)
        assert response.status_code == 405, url
        assert b"Revert" not in client.get(url).content
    assert (StatusUpdate.objects.count(), Evidence.objects.get(pk=evidence.pk).title) == before
    assert Evidence.objects.get(pk=evidence.pk).verified_at is not None  # not silently un-verified


def test_the_stored_version_of_redacted_evidence_opens_and_reverting_it_is_refused(client, scene):
    root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    evidence_file_redact(evidence=scene.evidence, reason="Wrong file", redacted_by=root)
    client.force_login(root)
    url = reverse(
        "admin:commitments_evidence_simple_history",
        args=[scene.evidence.pk, first_version(Evidence, scene.evidence.pk)],
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "x"}).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "statusupdate/{pk}/history/abc/",
        "statusupdate/abc/history/",
        "statusupdate/{pk}/history/²/",
        "statusupdate/{pk}/history/99999999999999999999/",
        "statusupdate/99999999999999999999/history/1/",
        "evidence/{pk}/history/-1/",
        "commitment/abc/history/",
        "statusupdate/restricted/abc/",
        "statusupdate/restricted/99999999999999999999/",
    ],
)
def test_a_crafted_id_in_the_admins_history_answers_404(admin_client, scene, path):
    response = admin_client.get("/admin/commitments/" + path.format(pk=scene.update.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "²"])
def test_a_crafted_value_in_an_autocomplete_field_shows_the_form_again_with_a_message(admin_client, scene, value):
    url = reverse("admin:commitments_commitment_change", args=[scene.commitment.pk])
    response = admin_client.post(
        url, {"instrument": value, "reference": "P-1", "title": "x", "jurisdiction": value, "sources": value}
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert Commitment.objects.get(pk=scene.commitment.pk).title == "Punjab commitment"


def test_the_download_log_and_redactions_do_not_name_restricted_items_and_a_search_confirms_nothing(
    admin_client, scene
):
    DownloadLog.objects.create(evidence=scene.restricted_evidence, user=scene.users["named"])
    DownloadLog.objects.create(evidence=scene.evidence, user=scene.users["viewer"])
    evidence_file_redact(
        evidence=scene.restricted_link_evidence,
        reason=f"Names {SECRET_MARKERS[1]}",
        redacted_by=scene.users["administrator"],
    )
    log = admin_client.get(reverse("admin:commitments_downloadlog_changelist")).content
    assert SECRET_MARKERS[2].encode() not in log and b"Cabinet minutes" in log
    assert b"not named on it" in log
    found = admin_client.get(reverse("admin:commitments_downloadlog_changelist") + "?q=RESTRICTED").content
    assert b"0 download logs" in found or b"0 results" in found
    entry = DownloadLog.objects.get(evidence=scene.restricted_evidence)
    assert (
        SECRET_MARKERS[2].encode()
        not in admin_client.get(reverse("admin:commitments_downloadlog_change", args=[entry.pk])).content
    )
    redactions = admin_client.get(reverse("admin:commitments_redaction_changelist")).content
    assert SECRET_MARKERS[1].encode() not in redactions
    assert b"0 redaction" in admin_client.get(reverse("admin:commitments_redaction_changelist") + "?q=Names").content


def test_a_staged_file_opens_in_the_admin_and_only_its_sender_sees_its_name(admin_client, scene):
    staged = StagedUpload(
        user=scene.users["named"],
        original_filename="Witness statement.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    staged.file.save("upload", ContentFile(pdf_bytes("x")), save=False)
    staged.save()
    listing = admin_client.get(reverse("admin:commitments_stagedupload_changelist"))
    page = admin_client.get(reverse("admin:commitments_stagedupload_change", args=[staged.pk]))
    assert page.status_code == 200
    assert b"Witness statement" not in listing.content + page.content
    # Purged by administrators all the same, with the file.
    name = staged.file.name
    admin_client.post(reverse("admin:commitments_stagedupload_delete", args=[staged.pk]), {"post": "yes"})
    assert not StagedUpload.objects.filter(pk=staged.pk).exists()
    assert not staged.file.storage.exists(name)


def test_last_update_recorded_does_not_move_when_a_restricted_update_is_recorded(admin_client, scene):
    commitment = Commitment.objects.get(pk=scene.commitment.pk)
    before = commitment.last_recorded_at
    status_update_record(
        commitment=commitment,
        status="regressed",
        effective_on=datetime.date(2024, 4, 1),
        assessor=scene.dri,
        recorded_by=scene.users["named"],
        note="Later restricted note",
        sensitivity="restricted",
        restricted_to=[scene.users["named"]],
    )
    assert Commitment.objects.get(pk=commitment.pk).last_recorded_at == before
    page = admin_client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk])).content
    assert b"Regressed" not in page and b"Later restricted" not in page


def test_an_administrator_not_named_lists_renames_and_redacts_restricted_items_without_reading_them(
    admin_client, scene
):
    update = scene.restricted_update
    listing = admin_client.get(reverse("admin:commitments_statusupdate_restricted")).content
    assert f"#{update.pk}".encode() in listing and b"named" in listing
    assert not any(m.encode() in listing for m in SECRET_MARKERS) and b"Stalled" not in listing
    page_url = reverse("admin:commitments_statusupdate_restricted_item", args=[update.pk])
    page = admin_client.get(page_url).content
    assert not any(m.encode() in page for m in SECRET_MARKERS) and b"Stalled" not in page

    # Who may see it: only people who may read the commitment can be named.
    outsider, reviewer = scene.users["outsider"], scene.users["reviewer"]
    refused = admin_client.post(page_url, {"action": "name", "restricted_to": [outsider.pk]})
    assert refused.status_code == 400
    admin_client.post(page_url, {"action": "name", "restricted_to": [scene.users["named"].pk, reviewer.pk]})
    assert set(update.restricted_to.values_list("username", flat=True)) == {"named", "reviewer"}
    entry = AuditEntry.objects.get(action="named", status_update=update)
    assert entry.actor == scene.users["administrator"]

    admin_client.post(page_url, {"action": "redact", "reason": "Names a witness"})
    update.refresh_from_db()
    assert update.note == "" and update.redacted_by == scene.users["administrator"]
    assert not StatusUpdate.history.filter(id=update.pk).exclude(note="").exists()

    evidence = scene.restricted_evidence
    evidence_url = reverse("admin:commitments_evidence_restricted_item", args=[evidence.pk])
    assert SECRET_MARKERS[2].encode() not in admin_client.get(evidence_url).content
    admin_client.post(evidence_url, {"action": "redact", "reason": "Names a witness"})
    evidence.refresh_from_db()
    assert evidence.redacted_at is not None and not evidence.file
