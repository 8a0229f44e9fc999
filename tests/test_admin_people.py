"""People in the admin: administrators manage people below their own level only, and every change
to an account, a role or a jurisdiction grant is in the audit trail."""

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.urls import reverse

from commitments import access
from commitments.models import AuditEntry, Profile
from commitments.services.people import two_factor_invite
from tests.factories import JurisdictionFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    for role in access.ROLES:
        Group.objects.get_or_create(name=role)
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    admin = UserFactory(username="sana", role=access.ADMINISTRATOR)
    colleague = UserFactory(username="omar", role=access.ADMINISTRATOR)
    ProfileFactory(user=colleague, read=[kp])
    viewer = UserFactory(username="amina", role=access.VIEWER)
    ProfileFactory(user=viewer, read=[kp])
    root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    return {"kp": kp, "punjab": punjab, "admin": admin, "colleague": colleague, "viewer": viewer, "root": root}


def change_data(user, **overrides):
    """The user change form as the admin posts it (with the profile inline)."""
    profile = Profile.objects.filter(user=user).first()
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on" if user.is_active else "",
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "tracker_profile-TOTAL_FORMS": "1",
        "tracker_profile-INITIAL_FORMS": "1" if profile else "0",
        "tracker_profile-MIN_NUM_FORMS": "0",
        "tracker_profile-MAX_NUM_FORMS": "1",
        "tracker_profile-0-id": profile.pk if profile else "",
        "tracker_profile-0-user": user.pk,
        "tracker_profile-0-read_jurisdictions": [j.pk for j in profile.read_jurisdictions.all()] if profile else [],
        "tracker_profile-0-write_jurisdictions": [],
        "tracker_profile-0-reminders_enabled": "on",
        "tracker_profile-0-reminder_schedule": profile.reminder_schedule if profile else "as_due",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("target", ["root", "colleague"])
def test_an_administrator_cannot_delete_a_superuser_or_another_administrator_one_by_one_or_in_bulk(
    client, people, target
):
    client.force_login(people["admin"])
    person = people[target]
    assert client.post(reverse("admin:auth_user_delete", args=[person.pk]), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [person.pk, people["viewer"].pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 403)
    assert User.objects.filter(pk=person.pk).exists() and User.objects.filter(pk=people["viewer"].pk).exists()


@pytest.mark.parametrize("target", ["root", "colleague"])
def test_an_administrator_cannot_change_a_superuser_or_another_administrator(client, people, target):
    client.force_login(people["admin"])
    person = people[target]
    url = reverse("admin:auth_user_change", args=[person.pk])
    response = client.post(url, change_data(person, email="taken@example.org"))
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.email != "taken@example.org"
    assert client.get(reverse("admin:auth_user_password_change", args=[person.pk])).status_code == 403
    profile = Profile.objects.filter(user=person).first()
    if profile is not None:
        assert client.get(reverse("admin:commitments_profile_change", args=[profile.pk])).status_code in (200, 403)
        client.post(reverse("admin:commitments_profile_change", args=[profile.pk]), {"user": person.pk})
        assert set(profile.read_jurisdictions.all()) == {people["kp"]}


def test_an_administrator_gives_only_roles_below_their_own(client, people):
    client.force_login(people["admin"])
    viewer = people["viewer"]
    url = reverse("admin:auth_user_change", args=[viewer.pk])
    page = client.get(url).content.decode()
    administrator = Group.objects.get(name=access.ADMINISTRATOR)
    assert f'value="{administrator.pk}"' not in page
    response = client.post(url, change_data(viewer, groups=[administrator.pk]))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not access.is_administrator(User.objects.get(pk=viewer.pk))


def test_a_superuser_manages_administrators_and_superusers(client, people):
    client.force_login(people["root"])
    colleague = people["colleague"]
    response = client.post(
        reverse("admin:auth_user_change", args=[colleague.pk]),
        change_data(colleague, groups=[Group.objects.get(name=access.REVIEWER).pk]),
    )
    assert response.status_code == 302
    colleague = User.objects.get(pk=colleague.pk)
    assert not access.is_administrator(colleague) and not colleague.is_staff


def test_every_change_to_a_role_a_jurisdiction_grant_or_an_account_is_in_the_audit_trail(client, people):
    client.force_login(people["admin"])
    viewer = people["viewer"]
    editor = Group.objects.get(name=access.EDITOR)
    url = reverse("admin:auth_user_change", args=[viewer.pk])
    response = client.post(
        url,
        change_data(
            viewer,
            email="amina@example.net",
            groups=[editor.pk],
            **{
                "tracker_profile-0-read_jurisdictions": [people["kp"].pk, people["punjab"].pk],
                "tracker_profile-0-write_jurisdictions": [people["punjab"].pk],
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = AuditEntry.objects.get(action="granted", person=viewer)
    assert grant.actor == people["admin"]
    assert grant.changes["roles"] == {"before": ["Viewer"], "after": ["Editor"]}
    assert grant.changes["may write"] == {"before": [], "after": ["punjab"]}
    assert grant.changes["may read"] == {"before": ["kp"], "after": ["kp", "punjab"]}
    account = AuditEntry.objects.get(action="changed", subject="account", person=viewer)
    assert account.changes["email"] == {"before": "amina@example.org", "after": "amina@example.net"}

    client.post(
        reverse("admin:auth_user_password_change", args=[viewer.pk]),
        {"password1": "A new long passphrase 42", "password2": "A new long passphrase 42"},
    )
    password = AuditEntry.objects.filter(action="changed", subject="account", person=viewer).latest("at")
    assert "password" in password.changes and "pbkdf2" not in str(password.changes)

    added = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "kiran",
            "password1": "A new long passphrase 42",
            "password2": "A new long passphrase 42",
            "usable_password": "true",
            "tracker_profile-TOTAL_FORMS": "1",
            "tracker_profile-INITIAL_FORMS": "0",
            "tracker_profile-MIN_NUM_FORMS": "0",
            "tracker_profile-MAX_NUM_FORMS": "1",
            # What the browser sends of the profile form it shows: its initial values.
            "tracker_profile-0-reminders_enabled": "on",
            "tracker_profile-0-reminder_schedule": "as_due",
        },
    )
    assert added.status_code == 302
    assert AuditEntry.objects.filter(action="created", subject="account", label="kiran").exists()

    client.post(reverse("admin:auth_user_delete", args=[User.objects.get(username="kiran").pk]), {"post": "yes"})
    deleted = AuditEntry.objects.get(action="deleted", subject="account", label="kiran")
    assert deleted.actor == people["admin"]


def test_the_tracker_user_command_is_in_the_audit_trail(people):
    from django.core.management import call_command

    call_command("tracker_user", "bilal", "--role", "Reviewer", "--read", "kp")
    call_command("tracker_user", "bilal", "--role", "Editor", "--write", "kp")
    entries = AuditEntry.objects.filter(label="bilal").order_by("at", "id")
    assert [e.action for e in entries] == ["created", "granted"]
    assert entries[1].actor is None and entries[1].changes["roles"] == {"before": ["Reviewer"], "after": ["Editor"]}


def test_the_audit_trail_in_the_admin_is_read_only(client, people):
    client.force_login(people["admin"])
    client.post(
        reverse("admin:auth_user_change", args=[people["viewer"].pk]),
        change_data(people["viewer"], email="amina@example.net"),
    )
    listing = client.get(reverse("admin:commitments_auditentry_changelist"))
    assert listing.status_code == 200 and b"amina@example.net" in listing.content
    entry = AuditEntry.objects.first()
    assert (
        client.post(reverse("admin:commitments_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )


def test_an_invitation_is_written_in_the_language_on_the_invited_persons_profile(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Profile.objects.filter(user=people["viewer"]).update(language="ur")
    two_factor_invite(person=people["viewer"], actor=people["admin"])
    [message] = mail.outbox
    assert message.subject == "وعدوں کے ٹریکر کے لیے دو مرحلہ سائن اِن ترتیب دیں"
    assert "sana" in message.body and "amina" in message.body
