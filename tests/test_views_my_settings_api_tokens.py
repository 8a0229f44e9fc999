"""API tokens on My settings: made with a name, access and expiry, shown once, listed without the
secret, revoked by their owner; administrators revoke them in the admin."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from commitments import access
from commitments.models import ApiToken
from tests.factories import UserFactory, api_token

pytestmark = pytest.mark.django_db


def make(client, **data):
    fields = {"action": "api_token_create", "name": "Ministry system", "access": "write"}
    fields["expires_on"] = (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    fields.update(data)
    return client.post(reverse("commitments:my_settings"), fields)


def test_a_new_token_is_shown_once_and_works(client):
    user = UserFactory(role=access.EDITOR)
    client.force_login(user)
    response = make(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    page = response.content.decode()
    secret = page.split('id="new-api-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith(token.prefix) and token.can_write
    api = client.__class__()
    assert api.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {secret}").json()["username"] == user.username
    # Afterwards the page names it but never shows it again.
    later = client.get(reverse("commitments:my_settings")).content.decode()
    assert "Ministry system" in later and token.prefix in later and secret not in later


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"expires_on": "2000-01-01"},
        {"expires_on": "not a date"},
        {"access": "admin"},
        {"name": "x" * 101},
    ],
)
def test_a_token_form_with_errors_makes_nothing_and_says_why(client, data):
    client.force_login(UserFactory(role=access.VIEWER))
    response = make(client, **data)
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_and_cannot_touch_anyone_elses(client):
    owner, other = UserFactory(role=access.EDITOR), UserFactory(role=access.EDITOR)
    mine, _secret = api_token(owner)
    theirs, _secret = api_token(other)
    client.force_login(owner)
    url = reverse("commitments:my_settings")
    assert client.post(url, {"action": "api_token_revoke", "token": theirs.pk}).status_code == 404
    assert client.post(url, {"action": "api_token_revoke", "token": "x"}).status_code == 404
    assert client.post(url, {"action": "api_token_revoke", "token": mine.pk}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_revoked and not theirs.is_revoked
    assert "revoked" in client.get(url).content.decode()


def test_with_two_factor_required_a_reviewer_makes_a_token_only_after_the_code(client, settings):
    settings.TRACKER_REQUIRE_2FA = True
    reviewer = UserFactory(role=access.REVIEWER)
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    client.force_login(reviewer)
    # Signed in with the password only: every page, this one too, sends them to the code step.
    assert make(client).status_code == 302
    assert not ApiToken.objects.exists()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = make(client)
    assert response.status_code == 200
    assert ApiToken.objects.get(user=reviewer).second_factor


def test_an_administrator_revokes_tokens_in_the_admin_and_never_sees_the_secret(client):
    owner = UserFactory(role=access.EDITOR)
    token, secret = api_token(owner)
    administrator = UserFactory(role=access.ADMINISTRATOR)
    client.force_login(administrator)
    changelist = reverse("admin:commitments_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert token.prefix in page and secret not in page and token.key_hash not in page
    detail = client.get(reverse("admin:commitments_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in detail and token.key_hash not in detail
    response = client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_by == administrator
