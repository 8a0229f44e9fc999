"""A backup made on one database engine restores onto the other: SQLite to PostgreSQL (when the
suite runs on SQLite) and PostgreSQL to SQLite (when it runs on PostgreSQL)."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from commitments import backup
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("TRACKER_TEST_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPORT = (
    "import hashlib, json; from django.core.files.storage import default_storage as s;"
    "from commitments import backup;"
    "print(json.dumps([backup.row_counts(), {n: hashlib.sha256(s.open(n, 'rb').read()).hexdigest()"
    " for n in backup.stored_file_names()}]))"
)


@pytest.fixture
def other_database(tmp_path):
    """A fresh, empty database on the engine the suite is not running on."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"tracker_restore_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        pytest.skip(f"needs PostgreSQL at {SERVER} (set TRACKER_TEST_POSTGRES_SERVER)")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_backup_restores_onto_the_other_database_engine_with_equal_counts_and_files(other_database, tmp_path):
    update = factories.StatusUpdateFactory(note="Committee notified")
    for n in range(2):
        body = factories.pdf_bytes(f"minutes {n}")
        factories.EvidenceFactory(
            commitment=update.commitment,
            status_update=update,
            file=ContentFile(body, name="minutes.pdf"),
            sha256=hashlib.sha256(body).hexdigest(),
        )
    counts = backup.row_counts()
    hashes = {n: hashlib.sha256(default_storage.open(n, "rb").read()).hexdigest() for n in backup.stored_file_names()}
    archive = tmp_path / "backup.enc"
    key = backup.new_key()
    with open(archive, "wb") as out:
        backup.backup_write(out=out, key=key)

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TRACKER_DEV": "1",
        "DATABASE_URL": other_database,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "TRACKER_BACKUP_KEY": key,
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--no-input", "-v", "0"], ["restore", str(archive), "--yes"]):
        done = subprocess.run(manage + command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    done = subprocess.run(
        manage + ["shell", "--no-imports", "-c", REPORT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    restored_counts, restored_hashes = json.loads(done.stdout.strip().splitlines()[-1])
    assert restored_counts == counts
    assert restored_hashes == hashes and len(hashes) == 2
