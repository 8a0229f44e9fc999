"""Every hostile input of tests/system/hostile/corpus.py through the API: every query parameter,
every field of a recorded update (multipart and JSON), every file, every address and header.
No server error, answers always JSON (problem details for a refusal), nothing saved partly."""

import json
import os
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from commitments.models import ApiToken, Evidence, StatusUpdate
from tests import figures
from tests.factories import api_token
from tests.reliability_scene import build, client_for
from tests.system.hostile.corpus import TEXT, as_text, files
from tests.system.test_hostile_inputs import post_raw, too_big_to_repeat
from tests.system.test_hostile_uploads_and_imports import assert_clean_name, multipart

pytestmark = pytest.mark.django_db

SENT = "hostile inputs sent through forms and parameters, zero failures"
JSON_TYPES = ("application/json", "application/problem+json")


@pytest.fixture(autouse=True)
def _fast_password_hashing_and_no_rate_limit(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Thousands of requests from one token: the rates are tested elsewhere.
    settings.TRACKER_API_RATES = {"read": "1000000/hour", "write": "1000000/hour"}


@pytest.fixture
def scene():
    return build()


def bearer(scene, role):
    _token, secret = api_token(scene.users[role])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def assert_json_answer(response, where):
    assert response.status_code < 500, (where, response.status_code)
    if response.status_code in (301, 302):
        return
    assert response["Content-Type"].split(";")[0] in JSON_TYPES, (where, response["Content-Type"])
    assert django_settings.SECRET_KEY.encode() not in response.content, where
    if response.status_code >= 400:
        body = response.json()
        assert body["status"] == response.status_code and body["title"], where
        if response.status_code == 400 and "errors" in body:
            assert body["errors"] and all(error["detail"] for error in body["errors"]), where


QUERY_ENDPOINTS = {
    "api:commitment_list": (
        "q",
        "status",
        "jurisdiction",
        "instrument",
        "theme",
        "as_of",
        "source",
        "source_status",
        "overdue",
        "contributes_to",
        "due_from",
        "cursor",
        "page_size",
    ),
    "api:update_list": ("commitment", "assessor", "status", "recorded_after", "cursor"),
    "api:deadline_list": ("jurisdiction", "instrument", "theme", "kind", "what", "when", "mine", "cursor"),
    "api:instrument_list": ("kind", "jurisdiction", "page_size"),
    "api:review_list": ("instrument",),
}


@pytest.mark.parametrize("name", sorted(QUERY_ENDPOINTS))
def test_every_query_parameter_of_the_api_survives_every_hostile_input(client, scene, name):
    auth = bearer(scene, "viewer")
    url = reverse(name)
    tried = 0
    for label, value in TEXT:
        for position, parameter in enumerate(QUERY_ENDPOINTS[name]):
            if too_big_to_repeat(value, position):
                continue
            response = client.get(f"{url}?{urlencode({parameter: value})}", **auth)
            assert_json_answer(response, (label, parameter))
            assert response.status_code in (200, 400, 404), (label, parameter, response.status_code)
            tried += 1
    figures.add(SENT, tried)


UPDATE_FIELDS = (
    "note",
    "status",
    "effective_on",
    "effective_precision",
    "assessor",
    "sensitivity",
    "restricted_to",
    "follow_up_grade",
    "evidence_link",
    "evidence_link_title",
)


def update_fields(scene, field, value):
    data = {
        "status": "in_progress",
        "effective_on": "2024-04-01",
        "assessor": scene.dri.slug,
        "note": "The notification was published",
        "evidence_link": "https://example.org/notification",
    }
    data[field] = value
    return data


def rows():
    return StatusUpdate.objects.count(), Evidence.objects.count()


def assert_whole_or_nothing(response, before, value, field, where):
    updates, evidence = rows()
    if response.status_code == 201:
        assert updates == before[0] + 1, where
        created = StatusUpdate.objects.order_by("-pk").first()
        if field == "note":
            assert created.note == as_text(value).strip(), where
    else:
        assert response.status_code in (400, 413), (where, response.status_code)
        assert (updates, evidence) == before, where


def test_every_field_of_a_recorded_update_takes_every_hostile_input_whole_or_not_at_all(client, scene):
    auth = bearer(scene, "editor")
    url = reverse("api:commitment_updates", args=[scene.commitment.pk])
    tried = 0
    for label, value in TEXT:
        for position, field in enumerate(UPDATE_FIELDS):
            if too_big_to_repeat(value, position):
                continue
            before = rows()
            response = client.generic(
                "POST",
                url,
                urlencode(update_fields(scene, field, value)),
                content_type="application/x-www-form-urlencoded",
                **auth,
            )
            assert_json_answer(response, (label, field))
            assert_whole_or_nothing(response, before, value, field, (label, field))
            tried += 1
    figures.add(SENT, tried)


def test_every_field_of_a_json_update_takes_every_hostile_input_whole_or_not_at_all(client, scene):
    auth = bearer(scene, "editor")
    url = reverse("api:commitment_updates", args=[scene.commitment.pk])
    tried = 0
    for label, value in TEXT:
        text = as_text(value)
        for position, field in enumerate(UPDATE_FIELDS):
            if too_big_to_repeat(text, position):
                continue
            data = update_fields(scene, field, text)
            data["evidence_link"] = [data["evidence_link"]]
            if field in ("restricted_to", "evidence_link_title"):
                data[field] = [text]
            before = rows()
            response = client.post(url, json.dumps(data), content_type="application/json", **auth)
            assert_json_answer(response, (label, field))
            assert_whole_or_nothing(response, before, text, field, (label, field))
            tried += 1
    # Bodies that are not JSON at all.
    for body in (b"{", b"\xff\xfe", b"[]", b"null", b'{"note": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"):
        response = client.generic("POST", url, body, content_type="application/json", **auth)
        assert_json_answer(response, body[:20])
        assert response.status_code == 400
        tried += 1
    figures.add(SENT, tried)


def test_every_hostile_file_is_refused_with_its_reason_or_stored_under_a_clean_name(client, scene):
    auth = bearer(scene, "editor")
    url = reverse("api:commitment_updates", args=[scene.commitment.pk])
    tried = 0
    for label, filename, content, content_type in files():
        before = rows()
        fields = {k: v for k, v in update_fields(scene, "note", f"With {label}").items() if k != "evidence_link"}
        body, multipart_type = multipart(fields, {"evidence_file": (filename, content, content_type)})
        response = client.generic("POST", url, body, content_type=multipart_type, **auth)
        assert_json_answer(response, label)
        if response.status_code == 201:
            evidence = Evidence.objects.order_by("-pk").first()
            assert_clean_name(evidence.original_filename, label)
            assert evidence.content_type not in ("text/html", "image/svg+xml", "application/x-msdownload"), label
            assert os.path.exists(evidence.file.path)
        else:
            assert response.status_code == 400, (label, response.status_code)
            assert [e["pointer"] for e in response.json()["errors"]] == ["#/evidence_file/0"], label
            assert rows() == before, label
        tried += 1
    figures.add(SENT, tried)


def test_hostile_text_in_an_api_address_answers_404_never_an_error(client, scene):
    auth = bearer(scene, "viewer")
    tried = 0
    for label, value in TEXT:
        if len(as_text(value)) > 5000:
            continue
        raw = value if isinstance(value, bytes) else value.encode()
        segment = quote(raw, safe="")
        for pattern in (
            "/api/instruments/{}/",
            "/api/commitments/{}/",
            "/api/commitments/{}/updates/",
            "/api/evidence/{}/file/",
            "/api/updates/{}/verify/",
            "/api/problems/{}/",
            "/api/{}/",
        ):
            response = client.get(pattern.format(segment), **auth)
            assert response.status_code in (301, 404, 405), (label, pattern, response.status_code)
            assert response["Content-Type"].split(";")[0] in JSON_TYPES, (label, pattern)
            tried += 1
    figures.add(SENT, tried)


def test_hostile_headers_are_refused_clearly(client, scene):
    url = reverse("api:commitment_updates", args=[scene.commitment.pk])
    auth = bearer(scene, "editor")
    tried = 0
    for label, value in TEXT:
        text = as_text(value)[:300].replace("\r", " ").replace("\n", " ")
        response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {text}")
        assert_json_answer(response, label)
        assert response.status_code == 401, label
        before = rows()
        response = client.post(url, update_fields(scene, "note", "Key test"), HTTP_IDEMPOTENCY_KEY=text, **auth)
        assert_json_answer(response, label)
        assert response.status_code in (201, 400), (label, response.status_code)
        tried += 2
    assert rows()[0] >= before[0]
    figures.add(SENT, tried)


def test_the_token_form_takes_every_hostile_name_whole_or_not_at_all(client, scene):
    client_for(client, scene, "viewer")
    url = reverse("commitments:my_settings")
    tried = 0
    for label, value in TEXT:
        before = ApiToken.objects.count()
        for position, field in enumerate(("name", "access", "expires_on")):
            if too_big_to_repeat(value, position):
                continue
            fields = {"action": "api_token_create", "name": "Reporting", "access": "read", "expires_on": "2999-01-01"}
            fields[field] = value
            response = post_raw(client, url, fields)
            # An expiry in 2999 is always refused, whatever else the form holds.
            assert response.status_code == 400, (label, field, response.status_code)
            tried += 1
        assert ApiToken.objects.count() == before, label
        if not too_big_to_repeat(value, 1):
            response = post_raw(client, url, {"action": "api_token_revoke", "token": value})
            assert response.status_code == 404, label
            tried += 1
    figures.add(SENT, tried)
