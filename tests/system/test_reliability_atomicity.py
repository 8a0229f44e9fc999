"""An interrupted `seed` or import leaves the database as it was: every table, history and
many-to-many tables included, compared row count by row count, and no file left in storage."""

import csv
import io
import os

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from commitments import imports, seeding
from commitments.models import Commitment
from commitments.services.commitments import commitment_save
from commitments.services.history import status_update_record
from tests import figures
from tests.reliability_scene import build
from tests.seed_fixtures import row_counts

pytestmark = pytest.mark.django_db

FAULTS = "faults injected and survived"


class Injected(DatabaseError):
    pass


def stored_files():
    found = []
    for folder, _dirs, names in os.walk(django_settings.MEDIA_ROOT):
        found.extend(os.path.join(folder, name) for name in names)
    return sorted(found)


def writes_in(action):
    """The number of INSERT/UPDATE/DELETE statements `action` sends (run once, then rolled back by the caller)."""
    seen = []

    def count(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        action()
    return len(seen)


def failing_at(number):
    """A database wrapper that fails the `number`-th write statement."""
    seen = [0]

    def fail(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen[0] += 1
            if seen[0] == number:
                raise Injected(f"write {number} failed")
        return execute(sql, params, many, context)

    return fail


def sample(total, count=6):
    """A few points spread over 1..total: the first, the last and some between."""
    points = {1, total}
    points.update(max(1, round(total * k / (count - 1))) for k in range(1, count - 1))
    return sorted(points)


def seed_quietly():
    call_command("seed", verbosity=0)


def assert_interrupted_seed_changes_nothing():
    """Count the seed's writes (in a savepoint rolled back), then fail it at several of them."""
    from django.db import transaction

    before, files_before = row_counts(), stored_files()
    with transaction.atomic():
        total = writes_in(seed_quietly)
        transaction.set_rollback(True)
    assert row_counts() == before
    assert total >= 10
    for number in sample(total):
        with connection.execute_wrapper(failing_at(number)):
            with pytest.raises(Injected):
                seed_quietly()
        assert row_counts() == before, number
        assert stored_files() == files_before, number
        figures.add(FAULTS)
    return total


def test_a_seed_interrupted_at_any_write_on_an_empty_database_leaves_it_empty():
    before = row_counts()
    assert not before["commitments.Commitment"]
    assert_interrupted_seed_changes_nothing()
    assert row_counts() == before


def test_a_seed_interrupted_at_any_write_on_a_seeded_database_leaves_it_as_it_was():
    seed_quietly()
    # Hand-edited titles make the second seed write something (it restores each title, with history).
    edited = list(Commitment.objects.order_by("pk").values_list("pk", flat=True)[:6])
    Commitment.objects.filter(pk__in=edited).update(title="Edited by hand")
    before = row_counts()
    assert before["commitments.HistoricalCommitment"] > 0
    assert_interrupted_seed_changes_nothing()
    assert Commitment.objects.filter(pk__in=edited, title="Edited by hand").count() == 6


def test_a_seed_whose_status_update_service_fails_part_way_leaves_the_database_as_it_was(monkeypatch):
    original = status_update_record
    calls = [0]

    def fail_on_the_third(**kwargs):
        calls[0] += 1
        if calls[0] == 3:
            raise Injected("the service failed")
        return original(**kwargs)

    monkeypatch.setattr(seeding, "status_update_record", fail_on_the_third)
    before = row_counts()
    with pytest.raises(Injected):
        seed_quietly()
    assert calls[0] == 3
    assert row_counts() == before
    figures.add(FAULTS)


def commitments_csv(count):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["instrument", "reference", "title", "jurisdiction", "contributes_to"])
    for number in range(1, count + 1):
        target = f"ICCPR:A-{number - 1}" if number > 1 else ""
        writer.writerow(["ICCPR", f"A-{number}", f"Imported {number}", "punjab", target])
    return out.getvalue().encode()


def status_csv(count):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["instrument", "reference", "status", "effective_on", "assessor", "note"])
    for number in range(1, count + 1):
        writer.writerow(["ICCPR", "P-1", "in_progress", f"2024-06-{number:02d}", "dri", f"Imported {number}"])
    return out.getvalue().encode()


@pytest.mark.parametrize("kind,data", [("commitments", commitments_csv(5)), ("status", status_csv(5))])
def test_an_import_interrupted_at_any_write_saves_nothing(kind, data):
    from django.db import transaction

    scene = build()
    admin = scene.users["administrator"]
    before = row_counts()
    with transaction.atomic():
        total = writes_in(lambda: imports.run_import(kind=kind, data=data, user=admin, dry_run=False))
        transaction.set_rollback(True)
    assert row_counts() == before and total >= 5
    for number in range(1, total + 1):
        with connection.execute_wrapper(failing_at(number)):
            with pytest.raises(Injected):
                imports.run_import(kind=kind, data=data, user=admin, dry_run=False)
        assert row_counts() == before, number
        figures.add(FAULTS)
    result = imports.run_import(kind=kind, data=data, user=admin, dry_run=False)
    assert result.saved and result.count("create") == 5


@pytest.mark.parametrize("failing_row", [1, 3, 5])
def test_an_import_whose_service_fails_while_saving_row_n_saves_no_row(monkeypatch, failing_row):
    scene = build()
    admin = scene.users["administrator"]
    original = commitment_save
    calls = [0]

    def fail_on_row(**kwargs):
        calls[0] += 1
        if calls[0] == failing_row:
            raise Injected(f"row {failing_row + 1} failed")
        return original(**kwargs)

    monkeypatch.setattr(imports, "commitment_save", fail_on_row)
    before = row_counts()
    with pytest.raises(Injected):
        imports.run_import(kind="commitments", data=commitments_csv(5), user=admin, dry_run=False)
    assert row_counts() == before
    assert not Commitment.objects.filter(reference__startswith="A-").exists()
    figures.add(FAULTS)
