import pytest

from tests.factories import CommitmentFactory, StatusUpdateFactory


@pytest.mark.django_db
def test_factories_build_a_commitment_with_history():
    update = StatusUpdateFactory()
    update.commitment.refresh_from_db()
    assert update.commitment.status == update.status
    assert CommitmentFactory().pk
