"""A scope combines dimensions; its text and stored forms read back; a GSP+ group includes what
contributes to its conventions at any depth."""

import pytest

from commitments.models import Commitment
from commitments.scopes import Scope
from commitments.services.commitments import commitment_link_add
from tests.factories import CommitmentFactory, GSPRequirementFactory, InstrumentFactory, JurisdictionFactory


def test_the_text_form_combines_dimensions_and_reads_back():
    scope = Scope.parse("jurisdiction:kp, gsp_group:human_rights")
    assert scope == Scope(jurisdiction="kp", gsp_group="human_rights")
    assert str(scope) == "jurisdiction:kp,gsp_group:human_rights"
    assert Scope.parse(str(scope)) == scope
    assert Scope.parse("all") == Scope() and not Scope()
    assert Scope("jurisdiction", "kp") == Scope(jurisdiction="kp")
    assert Scope(kind="provincial_plan").as_query() == {"kind": "provincial_plan"}


def test_stored_scopes_of_one_dimension_keep_their_old_form_and_combined_ones_read_back():
    assert Scope("jurisdiction", "kp").as_dict() == {"kind": "jurisdiction", "value": "kp"}
    combined = Scope(jurisdiction="kp", theme="women")
    assert Scope.from_dict(combined.as_dict()) == combined
    assert Scope.from_dict({"kind": "all"}) == Scope()


@pytest.mark.parametrize("text", ["nowhere:kp", "jurisdiction:", "jurisdiction:kp,jurisdiction:sindh", "kp"])
def test_a_scope_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        Scope.parse(text)


@pytest.mark.django_db
def test_a_gsp_group_covers_its_conventions_and_what_contributes_to_them_at_any_depth():
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    cedaw = GSPRequirementFactory(group="human_rights").instrument
    own = CommitmentFactory(instrument=cedaw, reference="OWN")
    national = CommitmentFactory(instrument=InstrumentFactory(kind="national_plan"), reference="NAT")
    kp_action = CommitmentFactory(instrument=InstrumentFactory(kind="provincial_plan"), jurisdiction=kp, reference="KP")
    CommitmentFactory(reference="UNRELATED")
    commitment_link_add(source=kp_action, target=national)
    commitment_link_add(source=national, target=own)
    in_group = Commitment.objects.filter(Scope(gsp_group="human_rights").q())
    assert set(in_group.values_list("reference", flat=True)) == {"OWN", "NAT", "KP"}
    kp_only = Commitment.objects.filter(Scope(jurisdiction="kp", gsp_group="human_rights").q())
    assert list(kp_only.values_list("reference", flat=True)) == ["KP"]
    assert Scope(jurisdiction="kp", gsp_group="human_rights").label() == (
        "Khyber Pakhtunkhwa · GSP+ Human rights (with what contributes to it)"
    )
