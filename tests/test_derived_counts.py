"""The dashboard's maintained counts always equal a recount of the commitments."""

import datetime

import pytest

from commitments import demo, derived, imports
from commitments.models import (
    Commitment,
    Instrument,
    Jurisdiction,
    Organisation,
    Sensitivity,
    Status,
    StatusCount,
    Theme,
)
from commitments.services.commitments import commitment_delete, commitment_save, commitment_themes_set
from commitments.services.history import status_update_record
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date

IMPORT_CSV = (
    "\n".join(
        [
            "instrument,reference,title,description,jurisdiction,responsible_body,themes,due_on,contributes_to",
            "ICCPR,CNT-1,Counted by import,,kp,,child-labour;torture,31/12/2027,",
            "ICCPR,CNT-2,Counted by import too,,punjab,,,,",
        ]
    )
    + "\n"
)


def assert_counts_agree():
    expected, stored = derived.recompute_counts(), derived.stored_counts()
    assert stored == expected
    derived.check_counts()


def test_the_counts_equal_a_recount_after_a_mixed_sequence_of_changes(seeded):
    assert_counts_agree()  # as seeded: fixtures, their themes and their status history
    admin = UserFactory(is_superuser=True)
    dri = Organisation.objects.get(slug="dri")
    other = Organisation.objects.exclude(pk=dri.pk).first()
    kp, punjab = Jurisdiction.objects.get(code="kp"), Jurisdiction.objects.get(code="punjab")
    themes = list(Theme.objects.all()[:3])

    commitment = Commitment.objects.filter(jurisdiction=kp).first()
    record = dict(recorded_by=admin, assessor=dri)
    status_update_record(commitment=commitment, status=Status.IN_PROGRESS, effective_on=D(2024, 5, 1), **record)
    assert_counts_agree()
    # Backdated, and a second source that disagrees (contested).
    status_update_record(commitment=commitment, status=Status.NOT_STARTED, effective_on=D(2016, 1, 1), **record)
    status_update_record(
        commitment=commitment, status=Status.IMPLEMENTED, effective_on=D(2024, 6, 1), recorded_by=admin, assessor=other
    )
    assert_counts_agree()
    # Restricted: moves nothing.
    status_update_record(
        commitment=commitment,
        status=Status.NOT_STARTED,
        effective_on=D(2025, 1, 1),
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=[admin],
        **record,
    )
    assert_counts_agree()

    # Moved to another jurisdiction, then to another instrument.
    commitment.jurisdiction = punjab
    commitment_save(commitment=commitment)
    assert_counts_agree()
    commitment.instrument = Instrument.objects.exclude(pk=commitment.instrument_id).get(code="CEDAW")
    commitment_save(commitment=commitment)
    assert_counts_agree()
    commitment_themes_set(commitment=commitment, themes=themes)
    assert_counts_agree()
    commitment_themes_set(commitment=commitment, themes=themes[:1])
    assert_counts_agree()

    # Created, themed, recorded, deleted.
    created = CommitmentFactory(jurisdiction=kp, themes=themes[1:])
    assert_counts_agree()
    status_update_record(commitment=created, status=Status.IMPLEMENTED, effective_on=D(2023, 1, 1), **record)
    assert_counts_agree()
    fresh = CommitmentFactory(jurisdiction=punjab, themes=themes)
    commitment_delete(commitment=fresh)
    assert_counts_agree()

    # Demo data added and cleared.
    demo.demo_add(count=30, random_seed=5)
    assert_counts_agree()
    assert StatusCount.objects.filter(jurisdiction=kp, count__gt=0).exists()
    demo.demo_clear()
    assert_counts_agree()

    # Imported, then imported again with other themes.
    result = imports.run_import(kind="commitments", data=IMPORT_CSV.encode(), user=admin, dry_run=False)
    assert result.saved
    assert_counts_agree()
    changed = IMPORT_CSV.replace("child-labour;torture", "torture").replace(",punjab,", ",sindh,")
    assert imports.run_import(kind="commitments", data=changed.encode(), user=admin, dry_run=False).saved
    assert_counts_agree()


def test_a_count_written_by_hand_is_found_by_the_check(seeded):
    row = StatusCount.objects.filter(count__gt=0).first()
    row.count += 1
    row.save()
    with pytest.raises(AssertionError):
        derived.check_counts()
