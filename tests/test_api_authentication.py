"""Who may call the API: a token (read-only or read-write, logged at each use, refused once expired
or revoked), or a browser session; per-token rates; every refusal as problem details."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import access
from commitments.models import ApiToken, ApiTokenUse
from commitments.services.people import api_token_revoke
from tests.factories import CommitmentFactory, JurisdictionFactory, ProfileFactory, UserFactory, api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def kp_editor():
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    user = UserFactory(username="kp_editor", role=access.EDITOR)
    ProfileFactory(user=user, write=[kp])
    CommitmentFactory(jurisdiction=kp, reference="KP-1")
    return user


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"] == response.wsgi_request.path
    return body


def test_a_valid_token_reads_as_its_owner_and_each_use_is_logged(client, kp_editor):
    token, secret = api_token(kp_editor, access_level="read")
    url = reverse("api:commitment_list")
    response = client.get(url + "?q=KP", **bearer(secret))
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == ["KP-1"]
    client.get(reverse("api:me"), **bearer(secret))
    uses = list(ApiTokenUse.objects.filter(token=token).order_by("at", "id"))
    assert [(use.method, use.path) for use in uses] == [("GET", url), ("GET", reverse("api:me"))]
    assert uses[0].ip_address == "127.0.0.1"
    token.refresh_from_db()
    assert token.last_used_at == uses[-1].at


def test_without_credentials_the_answer_is_401_with_a_bearer_challenge(client):
    response = client.get(reverse("api:commitment_list"))
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer trk_unknown", "Bearer a b", "Bearer " + "x" * 500, "bearer trk_\u00e9"],
)
def test_a_malformed_or_unknown_token_is_refused(client, header):
    response = client.get(reverse("api:commitment_list"), HTTP_AUTHORIZATION=header)
    body = assert_problem(response, 401)
    assert body["type"].endswith("/api/problems/token-refused/")
    assert not ApiTokenUse.objects.exists()


def test_an_expired_token_is_refused_and_says_so(client, kp_editor):
    token, secret = api_token(kp_editor, days=1)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - datetime.timedelta(days=2), expires_at=now - datetime.timedelta(seconds=1)
    )
    body = assert_problem(client.get(reverse("api:me"), **bearer(secret)), 401)
    assert "expired" in body["detail"]
    assert not ApiTokenUse.objects.exists()


def test_a_revoked_token_is_refused_at_once(client, kp_editor):
    token, secret = api_token(kp_editor)
    assert client.get(reverse("api:me"), **bearer(secret)).status_code == 200
    api_token_revoke(token=token, revoked_by=UserFactory(role=access.ADMINISTRATOR))
    body = assert_problem(client.get(reverse("api:me"), **bearer(secret)), 401)
    assert "revoked" in body["detail"]


def test_the_token_of_a_disabled_account_is_refused(client, kp_editor):
    _token, secret = api_token(kp_editor)
    kp_editor.is_active = False
    kp_editor.save()
    assert_problem(client.get(reverse("api:me"), **bearer(secret)), 401)


def test_a_token_made_without_a_second_factor_stops_working_when_the_role_requires_one(client, settings):
    reviewer = UserFactory(role=access.REVIEWER)
    _token, secret = api_token(reviewer, access_level="read")
    assert client.get(reverse("api:me"), **bearer(secret)).status_code == 200
    settings.TRACKER_REQUIRE_2FA = True
    body = assert_problem(client.get(reverse("api:me"), **bearer(secret)), 401)
    assert "second factor" in body["detail"]


def test_a_read_only_token_cannot_write_even_when_its_owner_may(client, kp_editor):
    commitment = kp_editor.tracker_profile.write_jurisdictions.get().commitments.get()
    _token, secret = api_token(kp_editor, access_level="read")
    response = client.post(
        reverse("api:commitment_updates", args=[commitment.pk]),
        {"status": "in_progress", "effective_on": "2024-01-01", "assessor": "x", "note": "n"},
        **bearer(secret),
    )
    body = assert_problem(response, 403)
    assert body["type"].endswith("/api/problems/read-only-token/")
    assert not commitment.updates.exists()


def test_the_browser_session_works_too(client, kp_editor):
    client.force_login(kp_editor)
    response = client.get(reverse("api:me"))
    assert response.status_code == 200
    assert response.json()["token"] is None and response.json()["write_jurisdictions"] == ["kp"]


def test_each_token_has_its_own_rate_and_the_refusal_says_when_to_retry(client, kp_editor, settings):
    settings.TRACKER_API_RATES = {"read": "3/minute", "write": "1/minute"}
    _first, one = api_token(kp_editor)
    _second, two = api_token(kp_editor)
    url = reverse("api:me")
    assert [client.get(url, **bearer(one)).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url, **bearer(one))
    assert_problem(refused, 429)
    assert int(refused["Retry-After"]) > 0
    assert client.get(url, **bearer(two)).status_code == 200


def test_answers_are_private_to_the_person_asking(client, kp_editor):
    _token, secret = api_token(kp_editor)
    response = client.get(reverse("api:commitment_list"), **bearer(secret))
    assert "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]
