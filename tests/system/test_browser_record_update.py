"""In a real browser: an editor logs in, records an update with two files on a KP commitment, and sees it."""

import os

import pytest

from commitments.models import StatusUpdate
from tests import sample_files
from tests.conftest import require_binary
from tests.entry_world import PASSWORD, make_world

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def server(monkeypatch):
    """A live server. Django's test server would serve MEDIA_URL, which this project leaves unset on
    purpose (evidence is served only by a view that checks access); point that handler at a path
    nothing uses instead."""
    from django.test import testcases
    from pytest_django.live_server_helper import LiveServer

    monkeypatch.setattr(testcases._MediaFilesHandler, "get_base_url", lambda self: "/media-is-never-served/")
    live = LiveServer("localhost:0")
    yield live
    live.stop()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_records_an_update_with_two_files_and_sees_it(server, tmp_path, artifacts_dir):
    require_binary("chromium", "chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    world = make_world()
    report = tmp_path / "inspection-report.pdf"
    report.write_bytes(sample_files.pdf_bytes("inspection"))
    photo = tmp_path / "kiln-photo.png"
    photo.write_bytes(sample_files.png_bytes())
    disguised = tmp_path / "holiday.png"
    disguised.write_bytes(sample_files.exe_bytes())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + world.kp_commitment.get_absolute_url())
            # Anonymous: only the login page.
            page.fill("#id_username", "editor_kp")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(f"**{world.kp_commitment.get_absolute_url()}")

            page.click("text=Record an update")
            page.select_option("#id_status", "partially_implemented")
            page.fill("#id_effective_on", "2024-05-20")
            page.fill("#id_note", "Inspections began in Peshawar district")
            page.fill("#id_evidence-0-title", "Inspection report")
            page.set_input_files("#id_evidence-0-file", str(report))
            page.set_input_files("#id_evidence-1-file", str(disguised))
            page.screenshot(path=os.path.join(artifacts_dir, "record-update-form.png"), full_page=True)
            page.click("button:has-text('Record update')")
            page.wait_for_load_state()

            # Rejected as a whole: the disguised program is named, the note and the accepted file are kept.
            body = page.inner_text("main")
            assert "Nothing was saved" in body and "Evidence 2 (holiday.png)" in body
            assert page.input_value("#id_note") == "Inspections began in Peshawar district"
            assert "Kept from your last attempt: inspection-report.pdf" in body
            page.screenshot(path=os.path.join(artifacts_dir, "record-update-rejected.png"), full_page=True)
            assert not StatusUpdate.objects.filter(note="Inspections began in Peshawar district").exists()

            page.set_input_files("#id_evidence-1-file", str(photo))
            page.click("button:has-text('Record update')")
            page.wait_for_load_state()
            page.screenshot(path=os.path.join(artifacts_dir, "record-update-done.png"), full_page=True)
            page.wait_for_url(f"**{world.kp_commitment.get_absolute_url()}")

            body = page.inner_text("main")
            assert "Update recorded with 2 evidence items." in body
            assert "Inspections began in Peshawar district" in body
            assert "Inspection report" in body and "kiln-photo.png" in body
            assert "Partially implemented" in body

            # The same editor cannot record on a Punjab commitment: it does not exist for them.
            response = page.goto(server.url + f"/commitments/{world.punjab_commitment.pk}/record/")
            assert response.status == 404
        finally:
            browser.close()

    update = StatusUpdate.objects.get(note="Inspections began in Peshawar district")
    assert update.recorded_by.username == "editor_kp" and update.evidence.count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_note_only_update_cannot_lose_a_status_and_a_step_down_is_confirmed(server, tmp_path, artifacts_dir):
    require_binary("chromium", "chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    world = make_world()  # the KP commitment is "In progress", says DRI
    minutes = tmp_path / "meeting-minutes.pdf"
    minutes.write_bytes(sample_files.pdf_bytes("minutes"))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + world.kp_commitment.get_absolute_url())
            page.fill("#id_username", "editor_kp")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(f"**{world.kp_commitment.get_absolute_url()}")

            page.click("text=Record an update")
            # Nothing is chosen for the editor; the headline and each source's view are beside the form.
            assert page.input_value("#id_status") == ""
            assert "Headline now: In progress" in page.inner_text(".current-views")
            page.fill("#id_note", "Only a note about the meeting")
            page.set_input_files("#id_evidence-0-file", str(minutes))
            page.click("button:has-text('Record update')")
            page.wait_for_load_state()
            body = page.inner_text("main")
            assert "Nothing was saved" in body and "Choose the status this source gives" in body
            assert not StatusUpdate.objects.filter(note="Only a note about the meeting").exists()

            # Choosing "Not started" would move the headline down: a second screen asks first.
            page.select_option("#id_status", "not_started")
            page.fill("#id_effective_on", "2024-06")
            page.click("button:has-text('Record update')")
            page.wait_for_load_state()
            body = page.inner_text("main")
            assert "Nothing is saved yet: please confirm" in body
            assert "from “In progress” to “Not started”" in body
            assert "Kept from your last attempt: meeting-minutes.pdf" in body
            page.screenshot(path=os.path.join(artifacts_dir, "record-update-confirm-step-down.png"), full_page=True)
            assert not StatusUpdate.objects.filter(note="Only a note about the meeting").exists()

            page.click("button:has-text('Yes, record')")
            page.wait_for_url(f"**{world.kp_commitment.get_absolute_url()}")
            body = page.inner_text("main")
            assert "Update recorded with 1 evidence item." in body
        finally:
            browser.close()

    update = StatusUpdate.objects.get(note="Only a note about the meeting")
    assert (update.status, update.effective_precision) == ("not_started", "month")
    assert [e.original_filename for e in update.evidence.all()] == ["meeting-minutes.pdf"]
