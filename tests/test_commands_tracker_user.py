"""The tracker_user command creates users with a role and the jurisdictions they may read and write."""

import pytest
from django.core.management import CommandError, call_command

from commitments import access
from commitments.services.people import profile_for
from tests.factories import JurisdictionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jurisdictions():
    return [JurisdictionFactory(code=code, name=code.upper()) for code in ("kp", "punjab")]


def test_it_creates_an_editor_who_writes_only_their_province(capsys):
    call_command(
        "tracker_user", "amina", "--role", "Editor", "--read", "kp", "--write", "kp", "--password", "generated"
    )
    out = capsys.readouterr().out
    assert "Created amina: Editor; reads kp; writes kp" in out
    from django.contrib.auth.models import User

    user = User.objects.get(username="amina")
    password = out.split("Password: ")[1].strip()
    assert user.check_password(password)
    assert access.is_editor(user) and not access.is_administrator(user)
    profile = profile_for(user)
    assert list(profile.write_jurisdictions.values_list("code", flat=True)) == ["kp"]


def test_running_it_again_changes_the_role_instead_of_adding_one(capsys):
    call_command("tracker_user", "bilal", "--role", "Editor", "--write", "kp")
    call_command("tracker_user", "bilal", "--role", "Viewer", "--read", "kp,punjab")
    from django.contrib.auth.models import User

    user = User.objects.get(username="bilal")
    assert list(user.groups.values_list("name", flat=True)) == ["Viewer"]
    profile = profile_for(user)
    assert sorted(profile.read_jurisdictions.values_list("code", flat=True)) == ["kp", "punjab"]
    assert not profile.write_jurisdictions.exists()
    assert not user.has_usable_password()


def test_an_unknown_jurisdiction_is_refused():
    with pytest.raises(CommandError, match="Unknown jurisdiction code"):
        call_command("tracker_user", "c", "--role", "Editor", "--write", "sindh")


def test_it_names_the_persons_organisation_and_those_they_may_record_for(capsys, client):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from commitments import access
    from tests.factories import OrganisationFactory

    own = OrganisationFactory(slug="ngo-test", name="An NGO (test)")
    other = OrganisationFactory(slug="nhri-test", name="A commission (test)")
    stranger = OrganisationFactory(slug="ministry-test", name="A ministry (test)")
    call_command(
        "tracker_user",
        "amina",
        "--role",
        "Editor",
        "--write",
        "kp",
        "--organisation",
        "ngo-test",
        "--record-for",
        "nhri-test",
    )
    assert "organisation ngo-test; records for nhri-test" in capsys.readouterr().out
    user = User.objects.get(username="amina")
    profile = profile_for(user)
    assert profile.organisation == own and list(profile.record_for.all()) == [other]
    assert access.may_record_for(user, own) and access.may_record_for(user, other)
    assert not access.may_record_for(user, stranger)
    client.force_login(user)
    page = client.get(reverse("commitments:my_settings")).content.decode()
    assert "You record in the name of An NGO (test) by default." in page
    assert "You may also record directly for: A commission (test)." in page

    # Running it again without the options keeps them; an empty value clears them.
    call_command("tracker_user", "amina", "--role", "Editor", "--write", "kp")
    assert profile_for(User.objects.get(username="amina")).organisation == own
    call_command("tracker_user", "amina", "--role", "Editor", "--write", "kp", "--record-for", "")
    assert not profile_for(User.objects.get(username="amina")).record_for.exists()


def test_an_unknown_organisation_is_refused():
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("tracker_user", "amina", "--role", "Editor", "--organisation", "nobody-test")
