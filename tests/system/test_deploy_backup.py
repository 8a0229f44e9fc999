"""Backups round-trip every row and every evidence file, on whichever database the suite runs."""

import hashlib

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from commitments import backup, models
from tests import factories


def _snapshot():
    counts = backup.row_counts()
    hashes = {}
    for name in backup.stored_file_names():
        with default_storage.open(name, "rb") as handle:
            hashes[name] = hashlib.sha256(handle.read()).hexdigest()
    return counts, hashes


def _wipe_files(names):
    for name in names:
        default_storage.delete(name)


@pytest.fixture
def tracker_data():
    reviewer = factories.UserFactory(role="Reviewer")
    update = factories.StatusUpdateFactory(note="Bill tabled in the Provincial Assembly", recorded_by=reviewer)
    for n in range(3):
        factories.EvidenceFactory(
            commitment=update.commitment,
            status_update=update,
            file=ContentFile(factories.pdf_bytes(f"document {n}"), name=f"doc{n}.pdf"),
            sha256=hashlib.sha256(factories.pdf_bytes(f"document {n}")).hexdigest(),
        )
    factories.EvidenceFactory(commitment=update.commitment, file="", url="https://example.org/report", sha256="")
    factories.StagedUploadFactory()
    factories.ProfileFactory(user=reviewer, read=[update.commitment.jurisdiction])
    return update


@pytest.mark.django_db
def test_a_restored_backup_has_the_same_rows_and_the_same_files(tracker_data, tmp_path):
    before_counts, before_hashes = _snapshot()
    assert before_counts["commitments.Evidence"] == 4 and len(before_hashes) == 4
    archive = tmp_path / "backup.tar.gz"
    with open(archive, "wb") as out:
        backup.backup_write(out=out)

    # Disaster: every row and every file gone.
    _wipe_files(before_hashes)
    backup._flush()
    assert models.Commitment.objects.count() == 0

    backup.backup_restore(str(archive))

    assert _snapshot() == (before_counts, before_hashes)
    restored = models.StatusUpdate.objects.get(pk=tracker_data.pk)
    assert restored.note == "Bill tabled in the Provincial Assembly"
    assert set(Group.objects.values_list("name", flat=True)) >= {"Viewer", "Editor", "Reviewer", "Administrator"}
    reviewer = User.objects.get(pk=tracker_data.recorded_by_id)
    assert reviewer.groups.filter(name="Reviewer").exists()
    assert reviewer.check_password("correct horse battery staple")
    # History survives too: audit trails are part of the data.
    assert models.Commitment.history.count() > 0
    assert models.Commitment.history.count() == before_counts["commitments.HistoricalCommitment"]


@pytest.mark.django_db
def test_an_encrypted_backup_restores_with_its_key_and_reveals_nothing_without_it(tracker_data, tmp_path):
    key = backup.new_key()
    archive = tmp_path / "backup.enc"
    with open(archive, "wb") as out:
        backup.backup_write(out=out, key=key)
    raw = archive.read_bytes()
    assert b"Bill tabled" not in raw and b"%PDF" not in raw
    before = _snapshot()

    with pytest.raises(backup.BackupError, match="encrypted"):
        backup.backup_restore(str(archive))
    with pytest.raises(backup.BackupError, match="wrong key"):
        backup.backup_restore(str(archive), key=backup.new_key())
    # Refused archives change nothing.
    assert _snapshot() == before

    _wipe_files(before[1])
    backup._flush()
    backup.backup_restore(str(archive), key=key)
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_damaged_or_truncated_backup_is_refused_before_anything_changes(tracker_data, tmp_path):
    key = backup.new_key()
    archive = tmp_path / "backup.enc"
    with open(archive, "wb") as out:
        backup.backup_write(out=out, key=key)
    raw = archive.read_bytes()
    flipped = tmp_path / "flipped.enc"
    flipped.write_bytes(raw[:200] + bytes([raw[200] ^ 1]) + raw[201:])
    truncated = tmp_path / "truncated.enc"
    truncated.write_bytes(raw[: len(raw) // 2])
    before = _snapshot()

    for damaged in (flipped, truncated):
        with pytest.raises(backup.BackupError):
            backup.backup_restore(str(damaged), key=key)
    assert _snapshot() == before


@pytest.mark.django_db
def test_the_backup_and_restore_commands_round_trip_with_the_key_from_settings(
    tracker_data, tmp_path, settings, capsys
):
    settings.TRACKER_BACKUP_KEY = backup.new_key()
    archive = tmp_path / "nightly.enc"
    call_command("backup", str(archive))
    assert "encrypted" in capsys.readouterr().out
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive))
    call_command("restore", str(archive), "--check")
    assert "complete" in capsys.readouterr().out
    before = _snapshot()

    models.Evidence.objects.filter(file="").delete()
    call_command("restore", str(archive), "--yes")

    assert _snapshot() == before


def test_a_new_backup_key_is_printed_on_request(capsys):
    call_command("backup", "--new-key")
    key = capsys.readouterr().out.strip()
    assert len(backup._key_bytes(key)) == 32
