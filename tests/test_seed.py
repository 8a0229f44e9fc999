"""manage.py seed: idempotent, all or nothing, and demo data that comes and goes without a trace."""

import datetime
import io
import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from commitments import models, seeding

from .seed_fixtures import row_counts

pytestmark = pytest.mark.django_db


def test_seeding_twice_leaves_every_table_as_the_first_run_left_it():
    call_command("seed", verbosity=0)
    first = row_counts()
    result = seeding.seed_load()
    assert row_counts() == first
    assert not result.created and not result.changed
    assert result.unchanged["commitment"] == first["commitments.Commitment"]
    assert first["commitments.Commitment"] > 0
    assert first["commitments.HistoricalCommitment"] == first["commitments.Commitment"]
    assert first["commitments.HistoricalInstrument"] == first["commitments.Instrument"]
    assert first["commitments.HistoricalStatusUpdate"] == first["commitments.StatusUpdate"]


def test_a_changed_field_is_restored_without_resetting_the_derived_status():
    seeding.seed_load()
    commitment = models.Commitment.objects.get_by_natural_key("NAP-BHR-2021", "ADOPT-LAUNCH")
    original_title = commitment.title
    models.Commitment.objects.filter(pk=commitment.pk).update(title="Edited by hand")
    history_before = models.Commitment.history.count()

    result = seeding.seed_load()

    commitment.refresh_from_db()
    assert commitment.title == original_title
    assert commitment.status == models.Status.IMPLEMENTED
    assert commitment.status_on == datetime.date(2021, 9, 28)
    assert result.changed["commitment"] == 1
    assert models.Commitment.history.count() == history_before + 1


def test_a_seed_that_fails_half_way_leaves_the_database_as_it_was(tmp_path):
    for name in (*seeding.FIXTURE_FILES, seeding.STATUS_UPDATES_FILE):
        shutil.copy(seeding.FIXTURES_DIR / name, tmp_path / name)
    broken = json.loads((tmp_path / seeding.STATUS_UPDATES_FILE).read_text())
    broken["updates"][-1]["commitment"] = ["GSP+", "NO-SUCH-COMMITMENT"]
    (tmp_path / seeding.STATUS_UPDATES_FILE).write_text(json.dumps(broken))
    before = row_counts()

    with pytest.raises(models.Commitment.DoesNotExist):
        seeding.seed_load(fixtures_dir=tmp_path)

    assert row_counts() == before


def test_seed_demo_shows_progress_every_twentieth_of_the_way(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed", demo=40, random_seed=2, stdout=out, verbosity=0)
    progress = [line for line in out.getvalue().splitlines() if "demo commitments" in line and "/" in line]
    assert len(progress) == 20
    assert progress[-1].strip() == "40/40 demo commitments"


def test_seed_refuses_demo_data_when_debug_is_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed", demo=5, verbosity=0)
    assert not models.Commitment.objects.exists()

    call_command("seed", demo=5, force=True, verbosity=0, stdout=io.StringIO())
    assert models.Commitment.objects.filter(is_demo=True).count() == 5


def test_clear_demo_keeps_the_seeded_data(settings):
    settings.DEBUG = True
    call_command("seed", verbosity=0)
    seeded = row_counts()
    call_command("seed", demo=10, random_seed=4, verbosity=0, stdout=io.StringIO())
    call_command("seed", clear_demo=True, verbosity=0, stdout=io.StringIO())
    assert row_counts() == seeded
