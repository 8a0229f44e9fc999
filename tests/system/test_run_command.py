"""`./run` serves the app with one job worker beside it, with Redis or (when no broker answers) with a
queue in a folder, and the worker stops when the server does."""

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow]

REDIS_URL = "redis://127.0.0.1:6379/0"

REQUEST_REPORT = """
import json
from commitments import access
from commitments.services.jobs import job_request
from tests.factories import UserFactory
user = UserFactory(username="sana", email="sana@example.org", role=access.ADMINISTRATOR)
job = job_request(user=user, kind="report", parameters={
    "kind": "progress", "scope": "all", "date_from": "2020-01-01", "date_to": "2025-06-30", "format": "csv",
    "audience": "internal"})
print(json.dumps({"job": job.pk}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies (exited, not yet reaped) count as gone.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def processes_in(pgid, word):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z" and word in command:
                found.append(int(entry.name))
    return found


def start_run(tmp_path, **extra):
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_FILESYSTEM_FOLDER": str(tmp_path / "job-queue"),
        "CELERY_QUEUE": f"run-test-{uuid.uuid4().hex[:8]}",
        **extra,
    }
    log = tmp_path / "run.log"
    process = subprocess.Popen(
        [str(ROOT / "run")], env=env, cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/login/")
            if connection.getresponse().status == 200:
                return process, env, log
        except OSError:
            pass
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError(f"./run did not serve the app:\n{log.read_text()}")


def run_a_job(env, tmp_path):
    """A report asked for through the service is done by the worker that ./run started."""
    shell_env = {**env, "TRACKER_DEV": "1"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", REQUEST_REPORT],
        env=shell_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    job_id = int(done.stdout.strip().splitlines()[-1].split(":")[1].strip(" }"))
    deadline = time.monotonic() + 90
    with sqlite3.connect(tmp_path / "tracker.sqlite3", timeout=20) as database:
        while time.monotonic() < deadline:
            (state,) = database.execute("SELECT state FROM commitments_job WHERE id = ?", (job_id,)).fetchone()
            if state in ("done", "failed"):
                return state
            time.sleep(0.3)
    raise AssertionError("the worker did not run the job")


def stop_everything(process):
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_without_a_broker_run_queues_jobs_in_a_folder_and_stopping_the_server_stops_the_worker(tmp_path):
    process, env, log = start_run(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0")  # nothing listens there
    try:
        assert "jobs queue in the folder job-queue/ instead" in log.read_text()
        # ./run's own children see the folder queue; a shell of ours must be told.
        assert run_a_job({**env, "CELERY_BROKER_URL": "filesystem://"}, tmp_path) == "done"
        assert processes_in(process.pid, "celery")

        # The server stops (here: killed); ./run then stops the worker and ends.
        for pid in processes_in(process.pid, "runserver"):
            os.kill(pid, signal.SIGKILL)
        assert process.wait(timeout=60) is not None
        deadline = time.monotonic() + 30
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(process.pid), processes_in(process.pid, "")
    finally:
        stop_everything(process)


def test_with_redis_run_uses_it_and_ctrl_c_stops_the_server_and_the_worker(tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL} (apt-get install redis-server)")
    prefix = f"run-test-{uuid.uuid4().hex[:8]}:"
    process, env, log = start_run(tmp_path, CELERY_BROKER_URL=REDIS_URL, CELERY_KEY_PREFIX=prefix)
    try:
        assert "instead" not in log.read_text()
        assert run_a_job(env, tmp_path) == "done"

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(process.pid), processes_in(process.pid, "")
    finally:
        stop_everything(process)
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
