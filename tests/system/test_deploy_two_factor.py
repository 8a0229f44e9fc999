"""Two-factor sign-in: enrolment with an authenticator app, the code step, and the requirement
for reviewers and administrators."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.fixture
def require_2fa(settings):
    settings.TRACKER_REQUIRE_2FA = True


@pytest.mark.django_db
def test_a_user_without_a_second_factor_signs_in_with_the_password_alone():
    UserFactory(username="amina", role="Viewer")
    client = Client()
    response = client.post(reverse("login"), {"username": "amina", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("commitments:dashboard")
    assert client.get(reverse("commitments:dashboard")).status_code == 200


@pytest.mark.django_db
def test_a_user_with_a_second_factor_is_not_signed_in_until_the_code_is_given():
    user = UserFactory(username="bilal", role="Reviewer")
    device = confirmed_device(user)
    client = Client()
    response = client.post(reverse("login") + "?next=/commitments/", {"username": "bilal", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("commitments:dashboard"))["Location"].startswith(reverse("login"))

    wrong = client.post(reverse("two_factor_verify"), {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and b"not valid" in wrong.content
    assert "_auth_user_id" not in client.session

    device.refresh_from_db()
    device.throttle_reset()  # the user waits out the back-off after the mistake
    right = client.post(reverse("two_factor_verify"), {"token": code_for(device), "next": "/commitments/"})
    assert right.status_code == 302 and right["Location"] == "/commitments/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("commitments:list")).status_code == 200


@pytest.mark.django_db
def test_wrong_codes_slow_down_further_tries():
    user = UserFactory(username="bilal", role="Reviewer")
    device = confirmed_device(user)
    client = Client()
    client.post(reverse("login"), {"username": "bilal", "password": PASSWORD})
    bad = "000000" if code_for(device) != "000000" else "111111"
    client.post(reverse("two_factor_verify"), {"token": bad})
    # Right after a failure, even the right code is refused until the back-off passes.
    response = client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_accepted_password_waits_only_a_few_minutes_for_its_code(monkeypatch):
    user = UserFactory(username="bilal", role="Reviewer")
    device = confirmed_device(user)
    client = Client()
    client.post(reverse("login"), {"username": "bilal", "password": PASSWORD})
    later = time.time() + 10 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def emailed_code():
    return re.search(r"enter this code: (\d{6})", mail.outbox[-1].body)[1]


def confirm_by_email(client):
    """The step before enrolment: a code sent to the account's address, typed back."""
    client.post(reverse("two_factor_setup"), {"action": "send"})
    return client.post(reverse("two_factor_setup"), {"action": "confirm", "code": emailed_code()})


@pytest.mark.django_db
def test_a_reviewer_enrols_an_authenticator_app_with_a_code_from_it(client):
    user = UserFactory(username="bilal", role="Reviewer")
    client.force_login(user)
    confirm_by_email(client)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert b"Key:" in page.content
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content

    client.post(reverse("two_factor_setup"), {"token": "12345"})
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # the user waits out the back-off after the mistake

    response = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert b"is on for your account" in client.get(reverse("two_factor_setup")).content


@pytest.mark.django_db
def test_when_required_a_reviewer_without_a_second_factor_can_only_enrol(client, require_2fa):
    client.force_login(UserFactory(username="bilal", role="Reviewer"))
    response = client.get(reverse("commitments:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_setup") + "?next=%2Fcommitments%2F"
    assert client.get(reverse("two_factor_setup")).status_code == 200


@pytest.mark.django_db
def test_when_required_an_administrator_signed_in_by_password_only_must_give_a_code(client, require_2fa):
    admin = UserFactory(username="sana", role="Administrator")
    confirmed_device(admin)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))


@pytest.mark.django_db
def test_when_required_a_reviewer_who_gave_the_code_uses_the_app(require_2fa):
    user = UserFactory(username="bilal", role="Reviewer")
    device = confirmed_device(user)
    client = Client()
    client.post(reverse("login"), {"username": "bilal", "password": PASSWORD})
    client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert client.get(reverse("commitments:list")).status_code == 200


@pytest.mark.django_db
def test_when_required_viewers_and_editors_still_sign_in_with_a_password(client, require_2fa):
    for role in ("Viewer", "Editor"):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("commitments:list")).status_code == 200


@pytest.mark.django_db
def test_when_not_required_a_reviewer_uses_the_app_with_a_password(client, settings):
    settings.TRACKER_REQUIRE_2FA = False
    client.force_login(UserFactory(role="Reviewer"))
    assert client.get(reverse("commitments:list")).status_code == 200


@pytest.mark.django_db
def test_the_admin_login_page_leads_to_the_sign_in_with_its_code_step(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/"


@pytest.mark.django_db
def test_a_password_alone_does_not_show_the_key_until_a_code_sent_to_the_accounts_email_is_confirmed(client):
    """No trust on first use: someone who knows the password cannot attach their own phone."""
    user = UserFactory(username="bilal", role="Reviewer", email="bilal@example.org")
    client.force_login(user)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and b"Key:" not in page.content and b"Send me a code" in page.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get(reverse("two_factor_qr")).status_code == 404

    client.post(reverse("two_factor_setup"), {"action": "send"})
    assert mail.outbox[-1].to == ["bilal@example.org"]
    code = emailed_code()
    wrong = client.post(
        reverse("two_factor_setup"), {"action": "confirm", "code": "000000" if code != "000000" else "1"}
    )
    assert wrong.status_code == 400 and b"not valid" in wrong.content
    assert b"Key:" not in client.get(reverse("two_factor_setup")).content

    client.post(reverse("two_factor_setup"), {"action": "confirm", "code": code})
    assert b"Key:" in client.get(reverse("two_factor_setup")).content


@pytest.mark.django_db
def test_an_emailed_code_gives_out_after_five_wrong_tries(client):
    client.force_login(UserFactory(username="bilal", role="Reviewer"))
    client.post(reverse("two_factor_setup"), {"action": "send"})
    code = emailed_code()
    for _ in range(5):
        client.post(reverse("two_factor_setup"), {"action": "confirm", "code": "999999" if code != "999999" else "1"})
    client.post(reverse("two_factor_setup"), {"action": "confirm", "code": code})
    assert b"Key:" not in client.get(reverse("two_factor_setup")).content


@pytest.mark.django_db
def test_an_administrators_invitation_lets_a_person_without_an_email_enrol_and_only_them(client):
    from commitments.services.people import two_factor_invite

    admin = UserFactory(username="sana", role="Administrator")
    person = UserFactory(username="bilal", role="Reviewer", email="")
    other = UserFactory(username="kiran", role="Reviewer", email="")
    link = two_factor_invite(person=person, actor=admin)
    path = link.split("://", 1)[-1].split("/", 1)[1]

    client.force_login(other)
    client.get("/" + path)
    assert b"Key:" not in client.get(reverse("two_factor_setup")).content

    client.force_login(person)
    assert b"no email address" in client.get(reverse("two_factor_setup")).content
    client.get("/" + path)
    assert b"Key:" in client.get(reverse("two_factor_setup")).content


@pytest.mark.django_db
def test_the_qr_code_is_shown_during_a_forced_enrolment(client, require_2fa):
    user = UserFactory(username="bilal", role="Reviewer")
    client.force_login(user)
    assert client.get(reverse("commitments:list"))["Location"].startswith(reverse("two_factor_setup"))
    confirm_by_email(client)
    page = client.get(reverse("two_factor_setup"))
    assert reverse("two_factor_qr").encode() in page.content
    qr = client.get(reverse("two_factor_qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


@pytest.mark.django_db
def test_an_administrator_resets_a_lost_device_as_the_deployment_guide_says(client):
    """Admin → TOTP devices: the device is listed without its key, deleted, and the reset is in the audit trail."""
    from commitments.models import AuditEntry

    admin = UserFactory(username="sana", role="Administrator")
    person = UserFactory(username="bilal", role="Reviewer")
    device = confirmed_device(person)
    client.force_login(admin)
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200 and b"bilal" in listing.content
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key.encode() not in page.content
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    entry = AuditEntry.objects.get(action="device_reset")
    assert (entry.actor, entry.person) == (admin, person)


@pytest.mark.django_db
def test_an_administrator_cannot_reset_the_device_of_another_administrator_or_a_superuser(client):
    admin = UserFactory(username="sana", role="Administrator")
    colleague = UserFactory(username="omar", role="Administrator")
    device = confirmed_device(colleague)
    client.force_login(admin)
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
