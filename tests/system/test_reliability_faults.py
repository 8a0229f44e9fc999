"""A failure half way through recording an update leaves nothing partial: no update without
its evidence, no evidence without its file, no file without its row, no derived data moved.

Faults injected: the storage failing on each evidence file, the database failing on every
single statement the service sends, and (on PostgreSQL) the server dropping the connection.
"""

import datetime
import os

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, OperationalError, connection, transaction

from commitments import derived
from commitments.models import Assessment, Commitment, Evidence, StatusUpdate
from commitments.querysets import forget_tracker_organisation
from commitments.services import history as history_services
from commitments.services.history import EvidenceItem, evidence_attach, status_update_record
from tests import figures
from tests.factories import CommitmentFactory, OrganisationFactory, StatusUpdateFactory, UserFactory, pdf_bytes

D = datetime.date


class StorageFull(OSError):
    pass


class FlakyStorage(FileSystemStorage):
    """File storage that fails on the n-th file it is asked to save (counted across instances)."""

    calls = 0
    fail_on = None

    def _save(self, name, content):
        type(self).calls += 1
        if type(self).calls == type(self).fail_on:
            raise StorageFull("No space left on device")
        return super()._save(name, content)


def stored_files(media_root):
    found = []
    for folder, _dirs, files in os.walk(media_root):
        found.extend(os.path.join(folder, name) for name in files)
    return sorted(found)


def snapshot():
    """Everything the service may write, as comparable data."""
    return {
        "updates": sorted(StatusUpdate.objects.values_list("pk", "status")),
        "evidence": sorted(Evidence.objects.values_list("pk", "file")),
        "assessments": sorted(Assessment.objects.values_list("commitment_id", "assessor_id", "update_id", "status")),
        "headlines": sorted(
            Commitment.objects.values_list("pk", "status", "status_on", "contested", "last_recorded_at")
        ),
        "deltas": derived.stored_month_deltas(),
        "history": StatusUpdate.history.count() + Evidence.history.count(),
    }


def two_files():
    return [
        EvidenceItem(
            title="Notification",
            file=ContentFile(pdf_bytes("one"), name="one.pdf"),
            original_filename="one.pdf",
            content_type="application/pdf",
        ),
        EvidenceItem(
            title="Minutes",
            file=ContentFile(pdf_bytes("two"), name="two.pdf"),
            original_filename="two.pdf",
            content_type="application/pdf",
        ),
    ]


@pytest.fixture
def scene(db):
    """A commitment with a history (so derived data exists to be disturbed) and a clerk."""
    dri = OrganisationFactory(slug="dri", name="DRI")
    forget_tracker_organisation()
    commitment = CommitmentFactory()
    clerk = UserFactory(username="clerk")
    StatusUpdateFactory(
        commitment=commitment, status="not_started", effective_on=D(2023, 5, 1), assessor=dri, recorded_by=clerk
    )
    return commitment, dri, clerk


def record(scene, **kwargs):
    commitment, dri, clerk = scene
    return status_update_record(
        commitment=commitment,
        status="in_progress",
        effective_on=D(2024, 3, 1),
        assessor=dri,
        recorded_by=clerk,
        evidence=two_files(),
        **kwargs,
    )


@pytest.mark.parametrize("failing_file", [1, 2])
def test_a_storage_failure_on_any_evidence_file_saves_nothing_and_removes_files_written(scene, settings, failing_file):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.system.test_reliability_faults.FlakyStorage"},
    }
    FlakyStorage.calls, FlakyStorage.fail_on = 0, failing_file
    before = snapshot()
    with pytest.raises(StorageFull):
        record(scene)
    assert FlakyStorage.calls == failing_file
    assert snapshot() == before
    assert stored_files(settings.MEDIA_ROOT) == []
    figures.add("faults injected and survived")


def test_without_a_fault_the_same_submission_stores_the_update_and_both_files(scene, settings):
    """The control for the fault tests: what a fault must undo is really written."""
    before = snapshot()
    update = record(scene)
    assert snapshot() != before
    assert update.evidence.count() == 2
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_a_database_error_at_any_statement_of_the_service_saves_nothing_and_leaves_no_file(scene, settings):
    """Run the service once to count its statements, then once more per statement with that one failing."""
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(count):
            record(scene)
        transaction.set_rollback(True)
    for path in stored_files(settings.MEDIA_ROOT):
        os.remove(path)
    assert len(statements) > 15

    before = snapshot()
    raised = 0
    for failing in range(len(statements)):
        seen = []

        def fail_at(execute, sql, params, many, context, failing=failing, seen=seen):
            seen.append(sql)
            if len(seen) - 1 == failing:
                raise OperationalError("server closed the connection unexpectedly")
            return execute(sql, params, many, context)

        with transaction.atomic():
            try:
                with connection.execute_wrapper(fail_at):
                    update = record(scene)
            except DatabaseError:
                raised += 1
                assert snapshot() == before, f"partial save when statement {failing} failed: {seen[failing][:80]}"
                assert stored_files(settings.MEDIA_ROOT) == [], f"file left when statement {failing} failed"
                figures.add("faults injected and survived")
            else:
                # Django skips a constraint check whose query fails (the database enforces the
                # constraint anyway): then the whole update is stored, never a part of it.
                assert update.evidence.count() == 2
                assert len(stored_files(settings.MEDIA_ROOT)) == 2
                for path in stored_files(settings.MEDIA_ROOT):
                    os.remove(path)
            transaction.set_rollback(True)
    assert raised > len(statements) // 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_server_dropping_the_connection_mid_update_saves_nothing_and_leaves_no_file(settings):
    """The server ends the session while the second evidence file is being attached."""
    dri = OrganisationFactory(slug="dri", name="DRI")
    forget_tracker_organisation()
    commitment = CommitmentFactory()
    clerk = UserFactory(username="clerk")
    before = snapshot()

    attach = evidence_attach
    calls = []

    def attach_then_drop(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            pid = connection.cursor().connection.info.backend_pid
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            with psycopg.connect(**{**params, "dbname": connection.settings_dict["NAME"]}, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return attach(**kwargs)

    history_services.evidence_attach = attach_then_drop
    try:
        with pytest.raises(DatabaseError):
            status_update_record(
                commitment=commitment,
                status="in_progress",
                effective_on=D(2024, 3, 1),
                assessor=dri,
                recorded_by=clerk,
                evidence=two_files(),
            )
    finally:
        history_services.evidence_attach = attach
    connection.close()  # the next query opens a new session
    assert snapshot() == before
    assert stored_files(settings.MEDIA_ROOT) == []
    figures.add("faults injected and survived")
