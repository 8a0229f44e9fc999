"""Recording a status update with its evidence: one form, one submit, all or nothing."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.forms import submission_key_issue
from commitments.models import DownloadLog, Evidence, StagedUpload, StatusUpdate
from tests import sample_files
from tests.entry_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def editor(client, world):
    client.force_login(world.users["editor_kp"])
    return client


def form_data(
    world,
    *,
    note="Provincial survey published",
    effective_on="2024-06-01",
    status="partially_implemented",
    evidence=(),
    user=None,
    **extra,
):
    data = {
        "status": status,
        "effective_on": effective_on,
        "assessor": world.dri.pk,
        "note": note,
        "sensitivity": "internal",
        "submission_key": submission_key_issue(user or world.users["editor_kp"]),
        "evidence-TOTAL_FORMS": str(max(len(evidence), 1)),
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    for index, item in enumerate(evidence):
        for key, value in item.items():
            data[f"evidence-{index}-{key}"] = value
    data.update(extra)
    return data


def record_url(commitment):
    return reverse("commitments:record_update", args=[commitment.pk])


def upload(name, data):
    return SimpleUploadedFile(name, data)


def stored_files(settings):
    root = settings.MEDIA_ROOT
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, f) for f in files)
    return found


def test_an_editor_records_an_update_with_two_files_and_a_link_in_one_submit(editor, world):
    data = form_data(
        world,
        evidence=[
            {"title": "Survey report", "file": upload("report.pdf", sample_files.pdf_bytes("report"))},
            {"title": "Site photo", "file": upload("photo.png", sample_files.png_bytes())},
            {"title": "Press release", "url": "https://example.org/press"},
        ],
    )
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 302
    update = StatusUpdate.objects.get(note="Provincial survey published")
    assert update.recorded_by == world.users["editor_kp"]
    assert update.effective_on == datetime.date(2024, 6, 1)
    assert sorted(e.title for e in update.evidence.all()) == ["Press release", "Site photo", "Survey report"]
    photo = update.evidence.get(title="Site photo")
    assert photo.content_type == "image/png" and len(photo.sha256) == 64 and photo.original_filename == "photo.png"
    page = editor.get(world.kp_commitment.get_absolute_url())
    assert "Survey report" in page.content.decode() and "Unverified" in page.content.decode()


def test_one_rejected_file_saves_nothing_names_the_item_and_keeps_what_was_typed(editor, world, settings):
    before = (StatusUpdate.objects.count(), Evidence.objects.count())
    data = form_data(
        world,
        note="Kept as typed",
        evidence=[
            {"title": "Good report", "file": upload("report.pdf", sample_files.pdf_bytes())},
            {"title": "Bad one", "file": upload("minutes.pdf", sample_files.exe_bytes())},
        ],
    )
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 400
    assert (StatusUpdate.objects.count(), Evidence.objects.count()) == before
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Evidence 2" in html and "minutes.pdf" in html and "program (an executable)" in html
    assert "Kept as typed" in html
    # The accepted file is kept for the next attempt, and offered back in the form.
    staged = StagedUpload.objects.get(user=world.users["editor_kp"])
    assert staged.original_filename == "report.pdf"
    assert str(staged.token) in html and "Kept from your last attempt" in html

    # Second attempt: the good file is not sent again, the bad row is replaced by a link.
    retry = form_data(
        world,
        note="Kept as typed",
        evidence=[
            {"title": "Good report", "staged": str(staged.token)},
            {"title": "Minutes", "url": "https://example.org/minutes"},
        ],
    )
    response = editor.post(record_url(world.kp_commitment), retry)
    assert response.status_code == 302
    update = StatusUpdate.objects.get(note="Kept as typed")
    report = update.evidence.get(title="Good report")
    assert report.original_filename == "report.pdf" and report.file.read() == sample_files.pdf_bytes()
    assert not StagedUpload.objects.exists()


def test_a_staged_file_is_not_offered_to_another_user(client, world):
    staged = StagedUpload.objects.create(
        user=world.users["editor_punjab"],
        file=SimpleUploadedFile("x.pdf", sample_files.pdf_bytes()),
        original_filename="x.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    client.force_login(world.users["editor_kp"])
    response = client.post(record_url(world.kp_commitment), form_data(world, evidence=[{"staged": str(staged.token)}]))
    assert response.status_code == 400
    assert "no longer kept" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()


def test_expired_staged_files_are_purged(world, settings):
    from django.core.management import call_command
    from django.utils import timezone

    staged = StagedUpload.objects.create(
        user=world.users["editor_kp"],
        file=SimpleUploadedFile("x.pdf", sample_files.pdf_bytes()),
        original_filename="x.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    path = staged.file.path
    StagedUpload.objects.filter(pk=staged.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=settings.TRACKER_STAGED_UPLOAD_HOURS + 1)
    )
    call_command("tracker_purge_staged")
    assert not StagedUpload.objects.exists() and not os.path.exists(path)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", sample_files.exe_bytes(), "program (an executable)"),
        ("page.html", sample_files.html_bytes(), "Web pages (HTML)"),
        ("logo.svg", sample_files.svg_with_script_bytes(), "SVG drawings can carry scripts"),
        ("budget.docm", sample_files.docm_bytes(), "macros"),
        ("bomb.docx", sample_files.zip_bomb_bytes(), "zip bomb"),
        ("files.zip", sample_files.plain_zip_bytes(), "Archives"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_wrong_kind_of_file_gets_a_clear_message_and_saves_nothing(editor, world, settings, name, data, message):
    files_before = stored_files(settings)
    response = editor.post(record_url(world.kp_commitment), form_data(world, evidence=[{"file": upload(name, data)}]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()
    assert stored_files(settings) == files_before


def test_an_oversized_file_is_refused_with_the_limit(editor, world, settings):
    settings.TRACKER_EVIDENCE_MAX_BYTES = 1000
    response = editor.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("big.pdf", sample_files.pdf_bytes() + b" " * 2000)}]),
    )
    assert response.status_code == 400
    assert "over the limit of 1000" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()


def test_a_file_name_with_folders_and_control_characters_is_kept_only_as_clean_data(editor, world):
    response = editor.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("../../etc/pass\x07wd\x1b.pdf", sample_files.pdf_bytes())}]),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(status_update__note="Provincial survey published")
    assert evidence.original_filename == "passwd.pdf"
    assert (
        evidence.file.name.startswith("evidence/")
        and ".." not in evidence.file.name
        and "passwd" not in evidence.file.name
    )


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"note": ""}, "Write a short note"),
        ({"note": "x" * 10_001}, "at most 10000 characters"),
        ({"effective_on": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "cannot be in the future"),
        ({"effective_on": "1990-01-01"}, "before ICCPR existed"),
        ({"effective_on": "31/02/2024"}, "is not a real date"),
        ({"status": "finished"}, "Select a valid choice"),
    ],
)
def test_bad_update_fields_get_a_clear_message_and_save_nothing(editor, world, settings, changes, field_message):
    files_before = stored_files(settings)
    data = form_data(world, evidence=[{"file": upload("report.pdf", sample_files.pdf_bytes())}])
    data.update(changes)
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert StatusUpdate.objects.count() == 1  # the world's own update only
    assert Evidence.objects.count() == 1
    # The accepted file is kept aside (staged), not stored as evidence.
    assert len(stored_files(settings)) == len(files_before) + 1


def test_urdu_right_to_left_text_is_kept_exactly_as_typed_and_shown_with_dir_auto(editor, world):
    note = "صوبائی حکومت نے سروے شائع کیا۔\nدوسری سطر"
    title = "رپورٹ (اردو)"
    response = editor.post(
        record_url(world.kp_commitment),
        form_data(world, note=note, evidence=[{"title": title, "file": upload("رپورٹ.pdf", sample_files.pdf_bytes())}]),
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.get(note=note)
    assert update.evidence.get().title == title and update.evidence.get().original_filename == "رپورٹ.pdf"
    html = editor.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert 'dir="auto">صوبائی حکومت نے سروے شائع کیا۔<br>دوسری سطر</div>' in html
    assert f'dir="auto">{title}</a>' in html


def test_the_same_form_posted_twice_records_one_update(editor, world):
    data = form_data(world)
    assert editor.post(record_url(world.kp_commitment), data).status_code == 302
    assert editor.post(record_url(world.kp_commitment), data).status_code == 302
    assert StatusUpdate.objects.filter(note="Provincial survey published").count() == 1


def test_a_file_already_stored_is_recognised_naming_only_records_the_user_may_read(client, world):
    client.force_login(world.users["editor_punjab"])
    same_as_kp = sample_files.pdf_bytes("notice")  # the KP commitment's evidence
    response = client.post(
        record_url(world.punjab_commitment),
        form_data(world, evidence=[{"file": upload("copy.pdf", same_as_kp)}], user=world.users["editor_punjab"]),
        follow=True,
    )
    assert "already stored" not in response.content.decode()  # the KP record is not theirs to know of

    client.force_login(world.users["administrator"])
    response = client.post(
        record_url(world.punjab_commitment),
        form_data(
            world,
            note="second",
            evidence=[{"file": upload("copy2.pdf", same_as_kp)}],
            user=world.users["administrator"],
        ),
        follow=True,
    )
    html = response.content.decode()
    assert "already stored" in html and "KP-1" in html


def test_a_restricted_update_is_seen_only_by_those_named(editor, world, client):
    data = form_data(
        world,
        note="Names a witness",
        sensitivity="restricted",
        restricted_to=[world.users["reviewer"].pk],
        evidence=[{"file": upload("statement.pdf", sample_files.pdf_bytes("statement"))}],
    )
    assert editor.post(record_url(world.kp_commitment), data).status_code == 302
    update = StatusUpdate.objects.get(note="Names a witness")
    assert set(update.restricted_to.all()) == {world.users["reviewer"], world.users["editor_kp"]}
    evidence = update.evidence.get()
    client.force_login(world.users["viewer"])
    html = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert "Names a witness" not in html and "statement.pdf" not in html  # neither timeline nor change history
    assert "Partially implemented" not in html  # the restricted status shows nowhere
    assert client.get(evidence.get_download_url()).status_code == 404
    client.force_login(world.users["reviewer"])
    html = client.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert "Names a witness" in html and "statement.pdf" in html


def test_a_restricted_update_without_named_people_is_refused(editor, world):
    response = editor.post(record_url(world.kp_commitment), form_data(world, sensitivity="restricted"))
    assert response.status_code == 400
    assert "Name at least one person" in response.content.decode()


def test_the_commitment_page_shows_who_changed_what(editor, world):
    editor.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"title": "Scan", "file": upload("s.pdf", sample_files.pdf_bytes("s"))}]),
    )
    html = editor.get(world.kp_commitment.get_absolute_url()).content.decode()
    history = html[html.index("Change history") :]
    assert "Created status update" in history and "Created evidence" in history
    assert "editor_kp" in history


def test_every_download_is_logged_and_only_pdf_and_images_are_shown_inline(client, world):
    client.force_login(world.users["viewer"])
    response = client.get(world.kp_evidence.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    log = DownloadLog.objects.get()
    assert (log.user, log.evidence) == (world.users["viewer"], world.kp_evidence)

    client.force_login(world.users["editor_kp"])
    client.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("minutes.docx", sample_files.docx_bytes())}]),
    )
    docx = Evidence.objects.get(original_filename="minutes.docx")
    response = client.get(docx.get_download_url())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_gps_position_is_flagged_and_stripped_from_copies_for_non_administrators(client, world):
    from io import BytesIO

    from PIL import Image

    client.force_login(world.users["editor_kp"])
    response = client.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("site.jpg", sample_files.jpeg_with_gps_bytes())}]),
        follow=True,
    )
    evidence = Evidence.objects.get(original_filename="site.jpg")
    assert evidence.location_metadata is True
    assert "had location data" in response.content.decode()

    def gps_in(response):
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return 0x8825 in Image.open(BytesIO(data)).getexif()

    client.force_login(world.users["viewer"])
    assert gps_in(client.get(evidence.get_download_url())) is False
    client.force_login(world.users["administrator"])
    assert gps_in(client.get(evidence.get_download_url())) is True


def test_more_evidence_rows_can_be_asked_for(editor, world):
    html = editor.get(record_url(world.kp_commitment) + "?rows=6").content.decode()
    assert 'name="evidence-5-file"' in html and 'name="evidence-6-file"' not in html


# --- Security: crafted parameters, who may be named, the submission key, uploads ---------------


@pytest.mark.parametrize("rows", ["²", "¹²", "-1", "0", "abc", "99999"])
def test_a_crafted_row_count_is_refused_with_400_and_a_reason(editor, world, rows):
    response = editor.get(record_url(world.kp_commitment) + f"?rows={rows}")
    assert response.status_code == 400
    assert "“rows” must be a whole number from 1 to 20." in response.content.decode()


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "abc", "-1"])
def test_a_crafted_person_in_visible_only_to_is_refused_and_nothing_is_saved(editor, world, value):
    response = editor.post(
        record_url(world.kp_commitment), form_data(world, sensitivity="restricted", restricted_to=value)
    )
    assert response.status_code == 400
    assert "Visible only to" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()


def test_visible_only_to_offers_only_people_who_may_read_the_commitment(editor, world):
    form = editor.get(record_url(world.kp_commitment)).context["form"]
    offered = {user.username for user in form.fields["restricted_to"].queryset}
    # KP's readers and writers, and administrators; not the Punjab editor.
    assert offered == {"viewer", "editor_kp", "reviewer", "administrator"}
    response = editor.post(
        record_url(world.kp_commitment),
        form_data(world, sensitivity="restricted", restricted_to=world.users["editor_punjab"].pk),
    )
    assert response.status_code == 400
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()


def test_another_persons_submission_key_is_refused_and_their_own_form_still_records(client, world):
    kp_editor, administrator = world.users["editor_kp"], world.users["administrator"]
    issued_to_editor = form_data(world, note="The editor's update")
    client.force_login(administrator)
    replay = client.post(record_url(world.kp_commitment), {**issued_to_editor, "note": "The administrator's"})
    assert replay.status_code == 400
    assert "This form was opened by someone else" in replay.content.decode()
    assert not StatusUpdate.objects.filter(note="The administrator's").exists()
    # Shown again with a key of the administrator's own: resending it records their update.
    resent = {
        **issued_to_editor,
        "note": "The administrator's",
        **{"submission_key": replay.context["form"]["submission_key"].value()},
    }
    assert client.post(record_url(world.kp_commitment), resent).status_code == 302
    assert StatusUpdate.objects.get(note="The administrator's").recorded_by == administrator

    client.force_login(kp_editor)
    assert client.post(record_url(world.kp_commitment), issued_to_editor).status_code == 302
    assert StatusUpdate.objects.get(note="The editor's update").recorded_by == kp_editor


def test_a_pdf_named_html_is_stored_and_served_under_a_pdf_name(client, world):
    client.force_login(world.users["editor_kp"])
    client.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("minutes.html", sample_files.pdf_bytes("minutes"))}]),
    )
    evidence = Evidence.objects.get(status_update__note="Provincial survey published")
    assert (evidence.content_type, evidence.original_filename) == ("application/pdf", "minutes.pdf")
    # One stored before names were checked is served under its real type's name too.
    Evidence.objects.filter(pk=evidence.pk).update(original_filename="old.html")
    response = client.get(evidence.get_download_url())
    assert 'filename="old.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("escaped", [False, True])
def test_a_pdf_with_embedded_javascript_is_refused_with_what_to_do(editor, world, settings, escaped):
    files_before = stored_files(settings)
    response = editor.post(
        record_url(world.kp_commitment),
        form_data(world, evidence=[{"file": upload("report.pdf", sample_files.pdf_with_javascript_bytes(escaped))}]),
    )
    assert response.status_code == 400
    assert "The PDF contains JavaScript" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()
    assert stored_files(settings) == files_before


def test_the_size_message_says_the_file_is_over_the_limit_of_20_mb(editor, world):
    big = sample_files.pdf_bytes() + b" " * (20 * 1024 * 1024)
    response = editor.post(
        record_url(world.kp_commitment), form_data(world, evidence=[{"file": upload("big.pdf", big)}])
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f"The file is {len(big):,} bytes, over the limit of 20\xa0MB." in text


def test_a_long_or_1200_character_file_name_gets_a_clear_message_and_saves_nothing(editor, world):
    from tests.system.test_hostile_uploads_and_imports import post_multipart

    # Sent as a browser sends it (the test client's own upload object would cut the name to 255).
    fields = {k: v for k, v in form_data(world).items() if not k.startswith("evidence-0-")}
    for length, message in (
        (600, "The file name is 600 characters long; at most 255 are accepted."),
        # Too long even for the request's parser: its 400 page says so.
        (1200, "A file&#x27;s name is too long to be read"),
    ):
        name = "x" * (length - 4) + ".pdf"
        upload = {"evidence-0-file": (name, sample_files.pdf_bytes(), "application/pdf")}
        response = post_multipart(editor, record_url(world.kp_commitment), fields, upload)
        assert response.status_code == 400
        assert message in response.content.decode(), length
        assert not StatusUpdate.objects.filter(note="Provincial survey published").exists()


# --- Nothing chosen for the person recording; a step down is confirmed ---------------------


def test_the_new_status_has_no_preselected_value(editor, world):
    html = editor.get(record_url(world.kp_commitment)).content.decode()
    select = html[html.index('name="status"') : html.index("</select>", html.index('name="status"'))]
    assert 'value="" selected' in select
    assert select.count("selected") == 1


def test_a_note_without_a_status_is_refused_and_the_headline_stays(editor, world):
    data = form_data(world, status="", note="Only a note and a link")
    data.pop("status")
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 400
    assert "Choose the status this source gives" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="Only a note and a link").exists()
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == "in_progress"


def test_the_form_shows_the_headline_and_each_sources_latest_view(editor, world):
    html = editor.get(record_url(world.kp_commitment)).content.decode()
    section = html[html.index('class="current-views"') :]
    assert "Headline now:" in section and "In progress" in section
    assert "Democracy Reporting International: " in section or "dri" in section.lower()


@pytest.mark.parametrize("status", ["not_started", "regressed"])
def test_moving_the_headline_down_asks_first_and_keeps_the_files(editor, world, status):
    data = form_data(
        world,
        status=status,
        note="Going down",
        evidence=[{"title": "Minutes", "file": upload("minutes.pdf", sample_files.pdf_bytes("minutes"))}],
    )
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing is saved yet: please confirm" in html
    assert "from “In progress” to" in html
    assert not StatusUpdate.objects.filter(note="Going down").exists()
    staged = StagedUpload.objects.get(user=world.users["editor_kp"])
    assert str(staged.token) in html

    confirmed = form_data(world, status=status, note="Going down", confirm="yes")
    confirmed["submission_key"] = data["submission_key"]
    confirmed["evidence-0-staged"] = str(staged.token)
    confirmed["evidence-0-title"] = "Minutes"
    response = editor.post(record_url(world.kp_commitment), confirmed)
    assert response.status_code == 302
    update = StatusUpdate.objects.get(note="Going down")
    assert update.status == status
    assert [e.original_filename for e in update.evidence.all()] == ["minutes.pdf"]
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == status


def test_a_step_up_or_the_same_status_needs_no_confirmation(editor, world):
    response = editor.post(record_url(world.kp_commitment), form_data(world, status="in_progress", note="Same"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("typed", "day", "precision"),
    [("2023", datetime.date(2023, 1, 1), "year"), ("2023-06", datetime.date(2023, 6, 1), "month")],
)
def test_a_year_or_a_month_is_stored_with_its_precision(editor, world, typed, day, precision):
    response = editor.post(record_url(world.kp_commitment), form_data(world, effective_on=typed, note="Partial"))
    assert response.status_code == 302
    update = StatusUpdate.objects.get(note="Partial")
    assert (update.effective_on, update.effective_precision) == (day, precision)


# --- Who says so ---------------------------------------------------------------------------


def test_who_says_so_starts_as_the_persons_own_organisation_not_the_trackers(client, world):
    from commitments.services.people import profile_for
    from tests.factories import OrganisationFactory

    hrcp = OrganisationFactory(slug="hrcp-test", name="A rights commission (test)")
    editor = world.users["editor_kp"]
    profile = profile_for(editor)
    profile.organisation = hrcp
    profile.save()
    client.force_login(editor)
    html = client.get(record_url(world.kp_commitment)).content.decode()
    assert f'<option value="{hrcp.pk}" selected>' in html
    assert f'<option value="{world.dri.pk}" selected>' not in html


def test_another_organisations_view_needs_the_document_that_carries_it(editor, world):
    from tests.factories import OrganisationFactory

    ministry = OrganisationFactory(slug="ministry-test", name="Ministry (test)", short_name="MinT")
    data = form_data(world, assessor=ministry.pk, note="The ministry's claim")
    response = editor.post(record_url(world.kp_commitment), data)
    assert response.status_code == 400
    assert "name the document" in response.content.decode()
    assert not StatusUpdate.objects.filter(note="The ministry's claim").exists()

    data = form_data(
        world,
        assessor=ministry.pk,
        note="The ministry's claim",
        evidence=[{"title": "State report (test)", "url": "https://example.org/state-report"}],
    )
    assert editor.post(record_url(world.kp_commitment), data).status_code == 302
    update = StatusUpdate.objects.get(note="The ministry's claim")
    assert update.recorder_organisation == world.dri
    page = editor.get(world.kp_commitment.get_absolute_url()).content.decode()
    assert "MinT</span>, according to" in page
    assert "State report (test)</a>; recorded by editor_kp (Democracy Reporting International)" in page


def test_an_organisation_listed_on_the_profile_is_recorded_for_directly(editor, world):
    from commitments.services.people import profile_for
    from tests.factories import OrganisationFactory

    committee = OrganisationFactory(slug="committee-test", name="Committee (test)")
    profile_for(world.users["editor_kp"]).record_for.add(committee)
    data = form_data(world, assessor=committee.pk, note="Recorded for the committee")
    assert editor.post(record_url(world.kp_commitment), data).status_code == 302


def test_the_error_box_mentions_kept_files_only_when_a_file_was_kept(editor, world):
    without_file = editor.post(record_url(world.kp_commitment), form_data(world, note=""))
    assert without_file.status_code == 400
    assert "Nothing was saved" in without_file.content.decode()
    assert "kept for you" not in without_file.content.decode()
    data = form_data(world, note="", evidence=[{"file": upload("report.pdf", sample_files.pdf_bytes())}])
    with_file = editor.post(record_url(world.kp_commitment), data)
    assert with_file.status_code == 400
    assert "kept for you" in with_file.content.decode()


def test_no_information_moves_no_headline_so_it_asks_nothing(editor, world):
    """ "No information" is never a view: recording it leaves the headline where it was."""
    response = editor.post(record_url(world.kp_commitment), form_data(world, status="no_information", note="Nothing"))
    assert response.status_code == 302
    world.kp_commitment.refresh_from_db()
    assert world.kp_commitment.status == "in_progress"
