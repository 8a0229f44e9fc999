"""Contribution links roll up at any depth: a KP action → a national action → a convention
obligation → the GSP+ obligation, kept in CommitmentRollUp by the link services."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import derived, models
from commitments.services.commitments import commitment_delete, commitment_link_add, commitment_link_remove
from tests.factories import CommitmentFactory, InstrumentFactory, JurisdictionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """KP action → national action → CEDAW obligation → GSP+ obligation (synthetic)."""
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    kp_plan = InstrumentFactory(code="KP-PLAN", kind="provincial_plan", jurisdiction=kp)
    nap = InstrumentFactory(code="NAP", kind="national_plan", jurisdiction=federal)
    cedaw = InstrumentFactory(code="CEDAW", jurisdiction=federal)
    gsp = InstrumentFactory(code="GSP+", kind="trade_scheme", jurisdiction=federal)
    kp_action = CommitmentFactory(instrument=kp_plan, jurisdiction=kp, reference="KP-1")
    national = CommitmentFactory(instrument=nap, jurisdiction=federal, reference="NAP-1")
    convention = CommitmentFactory(instrument=cedaw, jurisdiction=federal, reference="IMPL")
    obligation = CommitmentFactory(instrument=gsp, jurisdiction=federal, reference="ANNEX-VIII-CEDAW")
    commitment_link_add(source=kp_action, target=national)
    commitment_link_add(source=national, target=convention)
    commitment_link_add(source=convention, target=obligation)
    return kp_action, national, convention, obligation


def reach(commitment):
    return set(models.CommitmentRollUp.objects.filter(target=commitment).values_list("source__reference", flat=True))


def test_a_three_level_chain_rolls_up_to_the_gsp_obligation(chain):
    kp_action, national, convention, obligation = chain
    assert reach(obligation) == {"KP-1", "NAP-1", "IMPL"}
    assert reach(convention) == {"KP-1", "NAP-1"}
    assert reach(national) == {"KP-1"}
    derived.check_rollup()


def test_a_link_that_would_close_a_cycle_at_depth_three_is_refused_and_nothing_is_saved(chain):
    kp_action, _national, _convention, obligation = chain
    links = models.CommitmentLink.objects.count()
    with pytest.raises(ValidationError, match="already contributes"):
        commitment_link_add(source=obligation, target=kp_action)
    assert models.CommitmentLink.objects.count() == links
    derived.check_rollup()


def test_removing_the_middle_link_cuts_the_chain_below_it(chain):
    kp_action, national, convention, obligation = chain
    commitment_link_remove(link=models.CommitmentLink.objects.get(source=national, target=convention))
    assert reach(obligation) == {"IMPL"}
    assert reach(national) == {"KP-1"}
    derived.check_rollup()


def test_a_second_path_keeps_the_roll_up_when_one_is_removed(chain):
    kp_action, national, convention, obligation = chain
    commitment_link_add(source=kp_action, target=convention)
    commitment_link_remove(link=models.CommitmentLink.objects.get(source=national, target=convention))
    assert reach(obligation) == {"IMPL", "KP-1"}
    derived.check_rollup()


def test_deleting_a_commitment_in_the_middle_cuts_what_went_through_it(chain):
    kp_action, national, convention, obligation = chain
    commitment_delete(commitment=national)
    assert reach(obligation) == {"IMPL"}
    derived.check_rollup()


def test_the_lists_contributes_to_filters_are_transitive(client, chain):
    kp_action, national, convention, obligation = chain
    client.force_login(UserFactory(role="Administrator"))
    response = client.get(reverse("commitments:list"), {"contributes_to": obligation.pk})
    assert {c.reference for c in response.context["table"].data} == {"KP-1", "NAP-1", "IMPL"}
    response = client.get(reverse("commitments:list"), {"contributes_to_instrument": "CEDAW"})
    assert {c.reference for c in response.context["table"].data} == {"KP-1", "NAP-1"}


def test_adding_a_link_costs_the_same_queries_however_long_the_chain(chain):
    kp_action, *_rest = chain
    federal = models.Jurisdiction.objects.get(code="federal")
    short = CommitmentFactory(jurisdiction=federal)
    other = CommitmentFactory(jurisdiction=federal)
    with CaptureQueriesContext(connection) as near:
        commitment_link_add(source=short, target=other)
    deep = CommitmentFactory(jurisdiction=federal)
    with CaptureQueriesContext(connection) as far:
        commitment_link_add(source=deep, target=kp_action)
    assert len(far) == len(near)
