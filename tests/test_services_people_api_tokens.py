"""Personal access tokens: made with a name and an expiry, kept only as a hash, revoked by their
owner or an administrator, and refused when revoked, expired, disabled or short of a second factor."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commitments import access
from commitments.models import ApiToken
from commitments.services.people import api_token_create, api_token_revoke
from tests.factories import UserFactory, api_token

pytestmark = pytest.mark.django_db


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_a_token_is_kept_only_as_its_hash_and_recognised_by_its_first_characters():
    user = UserFactory(role=access.EDITOR)
    token, secret = api_token_create(user=user, name="Ministry system", access_level="write", expires_on=in_days(30))
    assert secret.startswith("trk_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert stored.prefix == secret[:12] and stored.can_write
    assert stored.expires_at.date() >= in_days(30) - datetime.timedelta(days=1)
    # Two tokens are never the same.
    _other, second = api_token(user)
    assert second != secret


@pytest.mark.parametrize("days", [0, -1, 366])
def test_an_expiry_that_is_past_today_or_too_far_away_is_refused(days):
    user = UserFactory(role=access.VIEWER)
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=user, name="Report pull", access_level="read", expires_on=in_days(days))
    assert "expires_on" in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_name():
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=UserFactory(), name="   ", access_level="read", expires_on=in_days(5))
    assert "name" in refused.value.message_dict


def test_someone_who_must_use_a_second_factor_makes_no_token_without_it(settings):
    settings.TRACKER_REQUIRE_2FA = True
    reviewer = UserFactory(role=access.REVIEWER)
    with pytest.raises(ValidationError):
        api_token_create(user=reviewer, name="Review script", access_level="read", expires_on=in_days(5))
    assert not ApiToken.objects.exists()
    # A viewer needs no second factor, so may.
    token, _secret = api_token(UserFactory(role=access.VIEWER), access_level="read")
    assert not token.second_factor


def test_a_token_made_with_a_second_factor_says_so(settings):
    settings.TRACKER_REQUIRE_2FA = True
    reviewer = UserFactory(role=access.REVIEWER)
    reviewer.is_verified = lambda: True  # what django-otp's middleware sets after the code step
    token, _secret = api_token(reviewer, access_level="read")
    assert token.second_factor
    assert access.api_token_refusal(token) is None


def test_the_owner_and_administrators_revoke_a_token_and_nobody_else_does():
    owner = UserFactory(role=access.EDITOR)
    token, _secret = api_token(owner)
    with pytest.raises(ValidationError):
        api_token_revoke(token=token, revoked_by=UserFactory(role=access.EDITOR))
    assert not ApiToken.objects.get(pk=token.pk).is_revoked
    api_token_revoke(token=token, revoked_by=owner)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    assert first is not None
    other, _secret = api_token(owner)
    administrator = UserFactory(role=access.ADMINISTRATOR)
    api_token_revoke(token=other, revoked_by=administrator)
    assert ApiToken.objects.get(pk=other.pk).revoked_by == administrator
    # Revoking again keeps the first date.
    api_token_revoke(token=token, revoked_by=owner)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_a_token_is_refused_when_revoked_expired_disabled_or_short_of_a_second_factor(settings):
    user = UserFactory(role=access.REVIEWER)
    token, _secret = api_token(user, days=3)
    assert access.api_token_refusal(token) is None
    assert "expired" in access.api_token_refusal(token, now=timezone.now() + datetime.timedelta(days=4))
    settings.TRACKER_REQUIRE_2FA = True
    assert "second factor" in access.api_token_refusal(token)
    settings.TRACKER_REQUIRE_2FA = False
    user.is_active = False
    user.save()
    assert "disabled" in access.api_token_refusal(token)
    user.is_active = True
    user.save()
    api_token_revoke(token=token, revoked_by=user)
    assert "revoked" in access.api_token_refusal(token)
