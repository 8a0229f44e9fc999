"""The job pages: progress while a job runs (a page that reloads itself, no script), then its file,
to its requester alone; and the pages that hand long work to a job (reports, the list's export, imports)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from commitments import access
from commitments.models import ExportLog, Job, JobDownload
from tests import report_data
from tests.factories import JobFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

KP_YEARS = {
    "kind": "progress",
    "scope": "jurisdiction:kp",
    "date_from": "2020-01-01",
    "date_to": "2025-06-30",
    "group_by": "instrument",
    "audience": "internal",
}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def data(db):
    made = report_data.build()
    ProfileFactory(user=made["editor"], read=[made["kp"], made["punjab"]], write=[made["kp"]])
    return made


def test_a_running_job_shows_a_progress_bar_and_reloads_itself_without_script(client, db):
    job = JobFactory(
        state=Job.State.RUNNING, progress_done=1500, progress_total=3000, finished_at=None, with_file=False
    )
    client.force_login(job.requested_by)
    response = client.get(job.get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in text
    assert re.search(r'<progress[^>]+max="3000" value="1500"', text)
    assert "1500 of 3000" in text
    # The Content-Security-Policy forbids inline scripts and styles (a script file of the site's own is allowed).
    assert not re.search(r"<script(?![^>]*\bsrc=)", text) and "style=" not in text
    assert reverse("commitments:job_download", args=[job.pk]) not in text


def test_a_finished_job_offers_its_file_and_stops_reloading(client, db):
    job = JobFactory()
    client.force_login(job.requested_by)
    text = client.get(job.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in text
    assert reverse("commitments:job_download", args=[job.pk]) in text and "commitments.csv" in text


def test_a_failed_job_says_why(client, db):
    job = JobFactory(state=Job.State.FAILED, error="The period starts after it ends.", with_file=False)
    client.force_login(job.requested_by)
    text = client.get(job.get_absolute_url()).content.decode()
    assert "The period starts after it ends." in text and "Failed" in text


def test_the_requester_downloads_the_file_and_the_download_is_logged(client, db):
    job = JobFactory()
    client.force_login(job.requested_by)
    response = client.get(reverse("commitments:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"Reference,Instrument")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    download = JobDownload.objects.get()
    assert (download.job, download.user) == (job, job.requested_by)


def test_nobody_else_sees_a_job_or_its_file_not_even_an_administrator(client, db):
    job = JobFactory()
    for other in (UserFactory(role=access.VIEWER), UserFactory(role=access.ADMINISTRATOR)):
        client.force_login(other)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(reverse("commitments:job_download", args=[job.pk])).status_code == 404
        assert str(job.get_absolute_url()) not in client.get(reverse("commitments:jobs")).content.decode()
    assert not JobDownload.objects.exists()


def test_scheduled_work_is_listed_for_administrators_only(client, db):
    JobFactory(kind=Job.Kind.REMINDERS, requested_by=None, parameters={"today": "2025-01-01"}, with_file=False)
    client.force_login(UserFactory(role=access.ADMINISTRATOR))
    assert "Deadline reminders" in client.get(reverse("commitments:jobs")).content.decode()
    client.force_login(UserFactory(role=access.VIEWER))
    assert "Deadline reminders" not in client.get(reverse("commitments:jobs")).content.decode()


def test_a_removed_file_is_not_found_and_the_page_says_it_was_removed(client, db):
    from commitments.services.job_upkeep import job_results_purge_expired

    job = JobFactory()
    Job.objects.filter(pk=job.pk).update(finished_at="2020-01-01T00:00:00Z")
    assert job_results_purge_expired() == 1
    client.force_login(job.requested_by)
    assert client.get(reverse("commitments:job_download", args=[job.pk])).status_code == 404
    assert "The file was removed on" in client.get(job.get_absolute_url()).content.decode()


def test_a_job_that_does_not_exist_is_not_found(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("commitments:job", args=[999999])).status_code == 404
    assert client.get("/jobs/not-a-number/").status_code == 404


def test_the_job_list_query_count_does_not_grow_with_the_number_of_jobs(client, db, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    JobFactory(requested_by=user)
    # session, user, groups (administrator?), jobs
    with django_assert_num_queries(4):
        client.get(reverse("commitments:jobs"))
    for _n in range(12):
        JobFactory(requested_by=user)
    with django_assert_num_queries(4):
        response = client.get(reverse("commitments:jobs"))
    assert response.content.decode().count("<tr>") == 1 + 13


# --- Pages that hand long work to a job ----------------------------------------------------


def test_asking_for_a_report_in_the_background_leads_to_its_page_and_its_file(
    client, data, django_capture_on_commit_callbacks
):
    client.force_login(data["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:reports"), {**KP_YEARS, "format": "csv", "background": "on"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "being prepared" in page and "Done" in page
    body = b"".join(client.get(reverse("commitments:job_download", args=[job.pk])).streaming_content)
    assert "Commitment KP-1" in body.decode("utf-8-sig")
    assert len(mail.outbox) == 1


def test_a_pdf_report_over_the_limit_is_prepared_in_the_background(
    client, data, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_PDF_BACKGROUND_COMMITMENTS = 1
    client.force_login(data["editor"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("commitments:reports"), {**KP_YEARS, "format": "pdf"})
    job = Job.objects.get()
    assert response.status_code == 302 and job.kind == "report" and job.parameters["format"] == "pdf"
    assert not ExportLog.objects.exists()  # logged when the job writes the file


def test_a_small_csv_report_is_still_downloaded_at_once(client, data):
    client.force_login(data["editor"])
    response = client.post(reverse("commitments:reports"), {**KP_YEARS, "format": "csv"})
    assert response.status_code == 200 and not Job.objects.exists()


def test_a_list_export_over_the_limit_becomes_a_job_with_the_same_filters(
    client, data, settings, django_capture_on_commit_callbacks
):
    settings.TRACKER_EXPORT_BACKGROUND_ROWS = 1
    client.force_login(data["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("commitments:list"), {"jurisdiction": "kp", "export": "xlsx", "audience": "external"}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.parameters == {
        "query": {"jurisdiction": "kp", "audience": "external"},
        "format": "xlsx",
        "audience": "external",
    }
    assert job.state == Job.State.DONE and job.result_name.endswith(".xlsx")
    assert ExportLog.objects.get().scope["job"] == job.pk


def upload(client, body):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("commitments:import"), {"kind": "commitments", "file": SimpleUploadedFile("synthetic.csv", body)}
    )


def test_a_large_import_is_previewed_by_a_job_then_imported_by_another(
    client, data, settings, django_capture_on_commit_callbacks
):
    from commitments.models import Commitment

    settings.TRACKER_IMPORT_BACKGROUND_ROWS = 1
    client.force_login(data["admin"])
    body = b"instrument,reference,title,jurisdiction\nTREATY-A,SYN-1,Synthetic 1,kp\nTREATY-A,SYN-2,Synthetic 2,kp\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, body)
    preview = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == preview.get_absolute_url()
    assert preview.state == Job.State.DONE and preview.result_data["preview"] and preview.result_data["valid"]
    assert not Commitment.objects.filter(reference__startswith="SYN-").exists()  # a preview saves nothing
    page = client.get(preview.get_absolute_url()).content.decode()
    assert "Would be created" in page and "TREATY-A:SYN-2" in page and "will be created" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:import_confirm"), {"kind": "commitments", "token": token})
    job = Job.objects.exclude(pk=preview.pk).get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == Job.State.DONE and job.result_data["created"] == 2
    assert Commitment.objects.filter(reference__startswith="SYN-").count() == 2
    assert "Created" in client.get(job.get_absolute_url()).content.decode()
    # The kept file is gone: the preview no longer offers to import it again.
    assert 'name="token"' not in client.get(preview.get_absolute_url()).content.decode()


def test_a_large_import_with_errors_is_previewed_with_its_problems_and_nothing_to_confirm(
    client, data, settings, django_capture_on_commit_callbacks
):
    from commitments.models import StagedUpload

    settings.TRACKER_IMPORT_BACKGROUND_ROWS = 1
    client.force_login(data["admin"])
    body = b"instrument,reference,title,jurisdiction\nTREATY-A,SYN-1,Synthetic 1,kp\nNOWHERE,SYN-2,Synthetic 2,kp\n"
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, body)
    preview = Job.objects.get()
    page = client.get(preview.get_absolute_url()).content.decode()
    assert "1 problem" in page and "NOWHERE" in page
    assert 'name="token"' not in page and not StagedUpload.objects.exists()
