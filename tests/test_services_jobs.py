"""Background jobs, run eagerly (in the test's own process): asking for one, each kind's work and writes,
and the rules that make a job run once however often its message is delivered.

The worker itself (a real Celery worker on Redis, killed mid-job) is tested in
tests/system/test_jobs_worker.py.
"""

import datetime
import io
import os

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from commitments import access, backup
from commitments.jobs import tasks
from commitments.jobs.models import job_result_path
from commitments.models import Commitment, ExportLog, Job, Profile, ReminderSent, ReportRun, StagedUpload
from commitments.services import job_upkeep, jobs
from tests import report_data
from tests.factories import (
    CommitmentFactory,
    JobFactory,
    JurisdictionFactory,
    ProfileFactory,
    StagedUploadFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

KP_YEARS = {
    "kind": "progress",
    "scope": "jurisdiction:kp",
    "date_from": "2020-01-01",
    "date_to": "2025-06-30",
    "group_by": "instrument",
    "audience": "internal",
    "format": "xlsx",
}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TRACKER_BASE_URL = "https://tracker.example.org"


@pytest.fixture
def data(db):
    made = report_data.build()
    ProfileFactory(user=made["editor"], read=[made["kp"], made["punjab"]], write=[made["kp"]])
    return made


def request_and_run(django_capture_on_commit_callbacks, **kwargs):
    """Ask for a job; it runs (eagerly) when the request's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_request(**kwargs)
    job.refresh_from_db()
    return job


def workbook_rows(handle, sheet):
    book = openpyxl.load_workbook(handle, read_only=True)
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def files_of(job):
    try:
        return default_storage.listdir(f"jobs/{job.pk}")[1]
    except FileNotFoundError:
        return []


# --- Asking for a job -------------------------------------------------------------------


def test_a_report_job_is_built_as_its_requester_logged_with_its_id_and_emailed_as_a_link(
    data, django_capture_on_commit_callbacks
):
    job = request_and_run(django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters=KP_YEARS)

    assert job.state == Job.State.DONE and job.attempts == 1
    assert job.progress_total == job.progress_done == job.result_data["commitments"] > 0
    assert job.result_name.endswith(".xlsx") and job.result_size > 0
    with job.result.open("rb") as handle:
        detail = workbook_rows(io.BytesIO(handle.read()), "Detail")
    assert any("Amina Khan" in str(cell) for row in detail for cell in row)  # internal: who recorded it
    assert not any(str(cell).startswith("PB-") for row in detail for cell in row)  # Punjab is out of scope
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.format, log.scope["job"]) == (data["editor"], "report_progress", "xlsx", job.pk)
    [message] = mail.outbox
    assert message.to == [data["editor"].email]
    assert f"https://tracker.example.org/jobs/{job.pk}/" in message.body
    assert "Gazette" not in message.body  # a link, never the content


def test_a_report_job_is_written_and_emailed_in_the_language_on_its_requesters_profile(
    data, django_capture_on_commit_callbacks
):
    Profile.objects.filter(user=data["editor"]).update(language="ur")
    job = request_and_run(django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters=KP_YEARS)

    assert job.state == Job.State.DONE
    with job.result.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == ["خلاصہ", "تفصیل"]
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    [message] = mail.outbox
    assert message.subject.startswith("تیار:")


def test_a_report_job_asked_for_from_an_urdu_page_is_written_in_urdu(data, django_capture_on_commit_callbacks):
    with translation.override("ur"):
        job = request_and_run(
            django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters=KP_YEARS
        )
    assert job.parameters["language"] == "ur"
    with job.result.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == ["خلاصہ", "تفصیل"]
    assert mail.outbox[0].subject.startswith("تیار:")


def test_a_kept_report_job_keeps_one_report_run_under_the_jobs_name(data, django_capture_on_commit_callbacks):
    job = request_and_run(
        django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters={**KP_YEARS, "keep": True}
    )
    run = ReportRun.objects.get()
    assert job.result_data["kept_report"] == run.pk
    assert run.file.name.startswith(f"reports/job-{job.pk}-") and run.created_by == data["editor"]


def test_bad_parameters_are_refused_at_once_and_nothing_is_queued(data):
    for parameters in (
        {**KP_YEARS, "date_from": "2025-07-01"},  # ends before it starts
        {**KP_YEARS, "scope": "jurisdiction:nowhere"},
        {**KP_YEARS, "format": "html"},  # a web page is shown at once
        {**KP_YEARS, "format": "exe"},
    ):
        with pytest.raises(ValidationError):
            jobs.job_request(user=data["editor"], kind="report", parameters=parameters)
    for kind, parameters in (("list_export", {"format": "exe"}), ("list_export", {"format": "csv", "query": "x"})):
        with pytest.raises(ValidationError):
            jobs.job_request(user=data["editor"], kind=kind, parameters=parameters)
    with pytest.raises(ValidationError):
        jobs.job_request(user=data["editor"], kind="sorcery", parameters={})
    assert not Job.objects.exists()


def test_only_administrators_ask_for_imports_and_backups_and_only_the_schedule_asks_for_nobody(
    data, settings, tmp_path
):
    settings.TRACKER_BACKUP_DIR = str(tmp_path)
    for kind in ("import", "backup", "reminders", "housekeeping"):
        with pytest.raises(PermissionDenied):
            jobs.job_request(user=data["editor"], kind=kind, parameters={})
    with pytest.raises(PermissionDenied):
        jobs.job_request(user=None, kind="report", parameters=KP_YEARS)
    assert jobs.job_request(user=data["admin"], kind="backup", parameters={}).requested_by == data["admin"]


def test_a_queue_that_cannot_be_reached_fails_the_job_saying_so(data, monkeypatch, django_capture_on_commit_callbacks):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(tasks.job_run, "apply_async", unreachable)
    job = request_and_run(django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters=KP_YEARS)
    assert job.state == Job.State.FAILED
    assert "queue could not be reached" in job.error
    assert not ExportLog.objects.exists()


def test_a_report_that_fails_at_run_time_says_why_and_emails_the_requester(data, django_capture_on_commit_callbacks):
    theme = ThemeFactory(slug="synthetic-theme")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_request(
            user=data["editor"], kind="report", parameters={**KP_YEARS, "scope": "theme:synthetic-theme"}
        )
    # Between the request and the run, the scope stops existing.
    theme.delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "Scope" in job.error
    assert "Failed" in mail.outbox[0].subject


# --- Once, however often it is delivered ---------------------------------------------------


def test_a_job_delivered_again_after_it_finished_writes_and_sends_nothing_more(
    data, django_capture_on_commit_callbacks
):
    job = request_and_run(django_capture_on_commit_callbacks, user=data["editor"], kind="report", parameters=KP_YEARS)
    assert jobs.job_execute(job_id=job.pk) is None
    tasks.job_run.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.attempts == 1
    assert ExportLog.objects.count() == 1 and len(mail.outbox) == 1 and len(files_of(job)) == 1


def test_a_try_after_a_lost_worker_replaces_what_the_lost_one_wrote(data, settings):
    """A worker that wrote the file and died before marking the job done: the next try leaves one file, one log."""
    settings.TRACKER_JOB_LEASE_SECONDS = 60
    job = jobs.job_request(user=data["editor"], kind="report", parameters=KP_YEARS)
    lost_at = timezone.now() - datetime.timedelta(seconds=61)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, started_at=lost_at, heartbeat_at=lost_at)
    default_storage.save(job_result_path(job, "half-written.xlsx"), ContentFile(b"PK\x03\x04 cut short"))

    job = jobs.job_execute(job_id=job.pk)

    assert job.state == Job.State.DONE and job.attempts == 2
    assert files_of(job) == [os.path.basename(job.result.name)]
    assert ExportLog.objects.count() == 1 and len(mail.outbox) == 1


def test_a_job_whose_try_is_alive_is_not_run_twice_at_once(data):
    job = jobs.job_request(user=data["editor"], kind="report", parameters=KP_YEARS)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, heartbeat_at=timezone.now())
    with pytest.raises(jobs.JobBusy) as busy:
        jobs.job_start(job_id=job.pk)
    assert 0 < busy.value.retry_in
    job.refresh_from_db()
    assert job.attempts == 1 and not ExportLog.objects.exists()


def test_a_try_that_lost_its_job_to_a_later_one_writes_nothing(data, monkeypatch):
    job = jobs.job_request(user=data["editor"], kind="report", parameters=KP_YEARS)
    started = jobs.job_start(job_id=job.pk)
    # A later try takes the job over while this one is still writing.
    Job.objects.filter(pk=job.pk).update(attempts=2)
    progress = jobs.JobProgress(started)
    with pytest.raises(jobs.JobSuperseded):
        progress(1, 10)
    outcome = jobs.KINDS["report"].run(started, lambda done, total=None: None)
    with pytest.raises(jobs.JobSuperseded):
        jobs.job_finish(job=started, outcome=outcome)
    outcome.close()
    assert not ExportLog.objects.exists() and Job.objects.get(pk=job.pk).state == Job.State.RUNNING


def test_a_job_whose_worker_dies_every_time_is_stopped_after_the_last_try(data, settings):
    settings.TRACKER_JOB_MAX_ATTEMPTS = 3
    job = jobs.job_request(user=data["editor"], kind="report", parameters=KP_YEARS)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=3, heartbeat_at=None)
    assert jobs.job_execute(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "3 tries" in job.error
    assert "Failed" in mail.outbox[0].subject


# --- Each kind ------------------------------------------------------------------------------


def test_a_list_export_job_holds_the_rows_on_screen_in_their_order_and_logs_once(
    client, data, django_capture_on_commit_callbacks
):
    query = {"instrument": "TREATY-A", "sort": "-reference"}
    client.force_login(data["editor"])
    on_screen = client.get("/commitments/", {**query, "export": "csv"})
    expected = b"".join(on_screen.streaming_content).decode("utf-8")
    ExportLog.objects.all().delete()

    job = request_and_run(
        django_capture_on_commit_callbacks,
        user=data["editor"],
        kind="list_export",
        parameters={"query": query, "format": "csv", "audience": "internal"},
    )
    with job.result.open("rb") as handle:
        assert handle.read().decode("utf-8") == expected
    assert job.result_data["rows"] == expected.count("\n") - 1 > 1
    log = ExportLog.objects.get()
    assert log.scope == {**query, "job": job.pk} and log.rows == job.result_data["rows"]


def import_file(rows):
    lines = ["instrument,reference,title,jurisdiction"] + [f"TREATY-A,SYN-{n},Synthetic {n},kp" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def staged_import(user, body):
    return StagedUploadFactory(user=user, file=ContentFile(body, name="import"), original_filename="synthetic.csv")


def test_an_import_job_imports_every_row_once_and_discards_the_kept_file(data, django_capture_on_commit_callbacks):
    staged = staged_import(data["admin"], import_file(5))
    job = request_and_run(
        django_capture_on_commit_callbacks,
        user=data["admin"],
        kind="import",
        parameters={"kind": "commitments", "token": str(staged.token)},
    )
    assert job.state == Job.State.DONE, job.error
    assert job.result_data == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0}
    assert Commitment.objects.filter(reference__startswith="SYN-").count() == 5
    assert not StagedUpload.objects.exists()
    # Delivered again: the job is done, nothing is imported twice or reported as unchanged.
    assert jobs.job_execute(job_id=job.pk) is None
    assert Job.objects.get(pk=job.pk).result_data["created"] == 5


def test_an_import_that_no_longer_fits_saves_nothing_and_lists_the_rows_refused(
    data, django_capture_on_commit_callbacks
):
    body = import_file(3) + b"NO-SUCH-INSTRUMENT,SYN-X,Synthetic,kp\n"
    staged = staged_import(data["admin"], body)
    job = request_and_run(
        django_capture_on_commit_callbacks,
        user=data["admin"],
        kind="import",
        parameters={"kind": "commitments", "token": str(staged.token)},
    )
    assert job.state == Job.State.FAILED and "Nothing was imported" in job.error
    assert job.result_data["errors"][0]["row"] == 5 and job.result_data["error_count"] == 1
    assert not Commitment.objects.filter(reference__startswith="SYN-").exists()
    assert StagedUpload.objects.filter(pk=staged.pk).exists()  # kept: fix the data and confirm again


def test_an_import_of_someone_elses_file_is_refused(data):
    staged = staged_import(data["editor"], import_file(1))
    with pytest.raises(ValidationError):
        jobs.job_request(
            user=data["admin"], kind="import", parameters={"kind": "commitments", "token": str(staged.token)}
        )


def test_a_backup_job_writes_one_archive_named_by_the_job_and_no_downloadable_file(
    data, settings, tmp_path, django_capture_on_commit_callbacks
):
    folder = tmp_path / "backups"
    folder.mkdir()
    settings.TRACKER_BACKUP_DIR = str(folder)
    settings.TRACKER_BACKUP_KEY = backup.new_key()
    job = request_and_run(django_capture_on_commit_callbacks, user=None, kind="backup", parameters={})
    assert job.state == Job.State.DONE, job.error
    [archive] = os.listdir(folder)
    assert archive == job.result_data["archive"] and f"job{job.pk}" in archive and archive.endswith(".enc")
    assert job.result_data["encrypted"] and job.result_data["rows"] > 0
    assert not job.result  # it holds everything, restricted items included: never offered for download
    manifest = backup.backup_verify(str(folder / archive), key=settings.TRACKER_BACKUP_KEY)
    assert sum(manifest["counts"].values()) > 0


def test_scheduled_reminders_run_as_a_job_and_a_second_run_sends_none_twice(db, django_capture_on_commit_callbacks):
    punjab = JurisdictionFactory(code="punjab")
    person = UserFactory(role=access.VIEWER, date_joined=timezone.now() - datetime.timedelta(days=400))
    ProfileFactory(user=person, read=[punjab], reminders_enabled_at=person.date_joined)
    today = timezone.localdate()
    CommitmentFactory(jurisdiction=punjab, due_on=today + datetime.timedelta(days=5)).focal_persons.add(person)

    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.job_scheduled.apply(args=("reminders",))

    first, second = Job.objects.filter(kind="reminders").order_by("pk")
    assert first.requested_by is None and first.parameters == {"today": today.isoformat()}
    assert (first.result_data, second.result_data) == ({"reminders": 1, "people": 1}, {"reminders": 0, "people": 0})
    assert ReminderSent.objects.count() == 1 and len(mail.outbox) == 1


def test_housekeeping_removes_expired_files_and_queues_stalled_jobs_again(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TRACKER_JOB_RESULT_DAYS = 7
    settings.TRACKER_JOB_LEASE_SECONDS = 60
    long_ago = timezone.now() - datetime.timedelta(days=8)
    old = JobFactory(finished_at=long_ago)
    recent = JobFactory()
    stalled = JobFactory(state=Job.State.RUNNING, finished_at=None, heartbeat_at=long_ago, with_file=False)
    StagedUploadFactory(created_at=long_ago)
    queued = []
    monkeypatch.setattr(job_upkeep, "job_enqueue", lambda *, job: queued.append(job.pk))

    with django_capture_on_commit_callbacks(execute=True):
        tasks.job_scheduled.apply(args=("housekeeping",))

    old.refresh_from_db()
    assert not old.result and old.result_removed_at and files_of(old) == []
    assert files_of(recent) and Job.objects.get(pk=recent.pk).result
    assert not StagedUpload.objects.exists()
    assert stalled.pk in queued
    run = Job.objects.get(kind="housekeeping")
    assert run.result_data == {"staged_uploads_removed": 1, "job_results_removed": 1, "jobs_queued_again": 1}


def test_beat_schedules_reminders_and_housekeeping_with_registered_tasks(settings):
    from celery import current_app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"reminders", "housekeeping"} <= set(schedule)
    for entry in schedule.values():
        assert entry["task"] in current_app.tasks
        assert entry["args"][0] in jobs.KINDS


def test_a_stored_job_with_parameters_it_no_longer_understands_does_not_break_its_page(client, data):
    odd = [
        {"kind": "report", "parameters": {"kind": "nonsense", "format": 3}},
        {"kind": "list_export", "parameters": {"audience": "bogus", "query": ["x"]}, "result_data": ["x"]},
        {"kind": "import", "parameters": "text", "result_data": {"preview": True, "valid": True, "errors": 5}},
        {"kind": "retired-kind", "parameters": {}},
    ]
    client.force_login(data["editor"])
    for fields in odd:
        job = JobFactory(requested_by=data["editor"], with_file=False, **fields)
        assert client.get(job.get_absolute_url()).status_code == 200, fields
    assert client.get("/jobs/").status_code == 200


def test_a_backup_folder_that_cannot_be_written_fails_the_job_saying_where(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TRACKER_BACKUP_DIR = str(tmp_path / "no-such-folder")
    job = request_and_run(django_capture_on_commit_callbacks, user=None, kind="backup", parameters={})
    assert job.state == Job.State.FAILED and "no-such-folder" in job.error
