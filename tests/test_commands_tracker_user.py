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
