"""Real Celery workers on Redis (or RabbitMQ) run the jobs the app asks for. A worker killed mid-job (SIGKILL, after it
has written the file and while it is recording the job as done) leaves the job to the next worker,
which runs it again: one file, one export-log line, one email.

Each test has a PostgreSQL database of its own (production's engine, and the one whose locks let the
test stop a worker at a known point) and a Redis key prefix of its own, so that it takes no other
worker's jobs and no other worker takes its. Skipped, saying so, without Redis or PostgreSQL.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openpyxl
import psycopg
import pytest
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("TRACKER_TEST_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
# Redis, as in production; TRACKER_TEST_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// runs the same on RabbitMQ.
BROKER_URL = os.environ.get("TRACKER_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")
# Seconds after which Redis hands an unacknowledged job to another worker, and after which a job
# without a sign of life may be taken over: short, so that the test need not wait an hour.
VISIBILITY_TIMEOUT = 3
LEASE = 2

pytestmark = [pytest.mark.slow]

MAKE_DATA = """
import json
from commitments import access
from tests.factories import CommitmentFactory, JurisdictionFactory, ProfileFactory, UserFactory
kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
user = UserFactory(username="sana", email="sana@example.org", role=access.EDITOR)
ProfileFactory(user=user, read=[kp])
for n in range(40):
    CommitmentFactory(jurisdiction=kp, reference=f"SYN-{n:02d}", title=f"Synthetic commitment {n}")
print(json.dumps({"user": user.pk}))
"""

REQUEST_JOB = """
import json
from django.contrib.auth.models import User
from commitments.services.jobs import job_request
job = job_request(user=User.objects.get(username="sana"), kind=%(kind)r, parameters=%(parameters)r)
print(json.dumps({"job": job.pk}))
"""


def broker_or_skip():
    try:
        with Connection(BROKER_URL, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        pytest.skip(f"needs Redis at {BROKER_URL} (apt-get install redis-server; or set TRACKER_TEST_BROKER_URL)")


def broker_clean(name):
    """Remove what the test left in the broker: its Redis keys, or its RabbitMQ queue."""
    with Connection(BROKER_URL, connect_timeout=2) as connection:
        if BROKER_URL.startswith("redis"):
            client = connection.default_channel.client
            for key in client.scan_iter(f"{name}:*"):
                client.delete(key)
        else:
            connection.default_channel.queue_delete(name)


@pytest.fixture
def world(tmp_path):
    """A migrated PostgreSQL database with 40 commitments and an editor, and the environment of a worker."""
    broker_or_skip()
    name = f"tracker_worker_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        pytest.skip(f"needs PostgreSQL at {SERVER} (set TRACKER_TEST_POSTGRES_SERVER)")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TRACKER_DEV": "1",
        "DATABASE_URL": f"{SERVER}/{name}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_KEY_PREFIX": f"{name}:",
        "CELERY_QUEUE": name,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "TRACKER_JOB_LEASE_SECONDS": str(LEASE),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "TRACKER_BASE_URL": "https://tracker.example.org",
    }
    workers = []
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        shell(env, MAKE_DATA)
        yield {"env": env, "url": f"{SERVER}/{name}", "tmp": tmp_path, "workers": workers}
    finally:
        for worker in workers:
            stop(worker)
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        broker_clean(name)


def manage(env, *args):
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def shell(env, code):
    return json.loads(manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def start_worker(world, label):
    log = world["tmp"] / f"worker-{label}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tracker",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"{label}-{uuid.uuid4().hex[:6]}@%h",
        ],
        env=world["env"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),
        start_new_session=True,  # its own process group: the test kills the worker and its pool at once
    )
    world["workers"].append(process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if " ready." in log.read_text(errors="replace"):
            return process
        time.sleep(0.2)
    raise AssertionError(f"the worker did not start:\n{log.read_text()}")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def job_row(connection, job_id):
    return connection.execute(
        "SELECT state, attempts, progress_done, progress_total, error FROM commitments_job WHERE id = %s", (job_id,)
    ).fetchone()


def wait_for(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def emails_sent(world):
    folder = world["tmp"] / "mail"
    if not folder.exists():
        return []
    return [line for path in folder.iterdir() for line in path.read_text().splitlines() if line.startswith("Subject:")]


def result_files(world, job_id):
    folder = world["tmp"] / "media" / "jobs" / str(job_id)
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_real_worker_runs_a_requested_report_with_progress_and_emails_its_requester(world):
    start_worker(world, "first")
    parameters = {
        "kind": "progress",
        "scope": "jurisdiction:kp",
        "date_from": "2020-01-01",
        "date_to": "2025-06-30",
        "format": "xlsx",
        "audience": "internal",
    }
    job_id = shell(world["env"], REQUEST_JOB % {"kind": "report", "parameters": parameters})["job"]
    with psycopg.connect(world["url"], autocommit=True) as connection:
        state = wait_for(
            "the job to finish",
            lambda: job_row(connection, job_id)[0] in ("done", "failed") and job_row(connection, job_id),
        )
        assert state[:4] == ("done", 1, 40, 40), state
        (logged,) = connection.execute("SELECT count(*) FROM commitments_exportlog").fetchone()
    assert logged == 1
    [path] = result_files(world, job_id)
    detail = list(openpyxl.load_workbook(path, read_only=True)["Detail"].iter_rows(values_only=True))
    assert len(detail) == 1 + 40 and {row[2] for row in detail[1:]} == {f"SYN-{n:02d}" for n in range(40)}
    # The email follows the commit that marks the job done.
    assert wait_for("the email", lambda: emails_sent(world)) == ["Subject: Ready: Report"]


def test_a_worker_killed_mid_job_leaves_it_to_the_next_worker_which_writes_it_once(world):
    first = start_worker(world, "first")
    parameters = {"query": {"jurisdiction": "kp"}, "format": "xlsx", "audience": "internal"}
    with psycopg.connect(world["url"]) as blocker, psycopg.connect(world["url"], autocommit=True) as watch:
        # Hold the export log: the worker writes the file, then waits here, in the transaction
        # that would mark the job done. That is where the test kills it.
        blocker.execute("LOCK TABLE commitments_exportlog IN SHARE ROW EXCLUSIVE MODE")
        job_id = shell(world["env"], REQUEST_JOB % {"kind": "list_export", "parameters": parameters})["job"]
        wait_for(
            "the worker to wait on the export log",
            lambda: watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0],
        )
        state, attempts, done, total, _error = job_row(watch, job_id)
        assert (state, attempts, done, total) == ("running", 1, 40, 40)
        assert len(result_files(world, job_id)) == 1  # the first try's file is written ...

        os.killpg(first.pid, signal.SIGKILL)  # ... and its worker dies before the job is marked done
        first.wait(timeout=10)
        killed_at = time.monotonic()
        blocker.rollback()

        assert job_row(watch, job_id)[:2] == ("running", 1)
        assert watch.execute("SELECT count(*) FROM commitments_exportlog").fetchone()[0] == 0
        assert emails_sent(world) == []

        # Once Redis may hand the unacknowledged job on and the first try's lease has lapsed:
        time.sleep(max(0, killed_at + max(VISIBILITY_TIMEOUT, LEASE) + 1 - time.monotonic()))
        start_worker(world, "second")
        state = wait_for(
            "the job to finish", lambda: job_row(watch, job_id)[0] in ("done", "failed") and job_row(watch, job_id)
        )
        assert state[:4] == ("done", 2, 40, 40), state
        logs = watch.execute("SELECT scope FROM commitments_exportlog").fetchall()
    assert [scope["job"] for (scope,) in logs] == [job_id]
    [path] = result_files(world, job_id)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 40
    assert wait_for("the email", lambda: emails_sent(world)) == ["Subject: Ready: Commitment list export"]
    time.sleep(1)  # and no second one follows
    assert len(emails_sent(world)) == 1
