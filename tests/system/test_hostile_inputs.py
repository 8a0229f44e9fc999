"""Every hostile input of tests/hostile/corpus.py through every form and query parameter:
no server error, no partial save, everything escaped where it is shown, every refusal explained."""

from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments.models import Commitment
from tests import figures
from tests.reliability_scene import PASSWORD, build, client_for
from tests.system.hostile.corpus import TEXT, as_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The scene makes seven accounts per test; hashing their passwords slowly tests nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post_raw(client, url, fields):
    """POST a form body as a browser would, with values that may be bytes that are not UTF-8."""
    return client.generic("POST", url, urlencode(fields), content_type="application/x-www-form-urlencoded")


def get_raw(client, url, params):
    return client.get(f"{url}?{urlencode(params)}")


def too_big_to_repeat(value, position):
    """The ten-megabyte value goes through the first field of each form only: the size limit
    applies to the whole request, so repeating it per field tests nothing new, slowly."""
    return position > 0 and len(value) > 1_000_000


def assert_handled(response, value, where):
    """No server error, the value escaped wherever it is shown, a refusal that says why."""
    assert response.status_code < 500, (where, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    shown = as_text(value)
    if "<" in shown and len(shown) < 100_000:
        assert shown not in text, (where, "shown unescaped")
    assert django_settings.SECRET_KEY not in text, where
    if response.status_code == 400:
        assert "errorlist" in text or "refused" in text.lower(), (where, "a refusal without a reason", text[:300])
    return text


def test_the_login_form_refuses_every_hostile_input_clearly_and_logs_nobody_in(client):
    scene = build()
    url = reverse("login")
    tried = 0
    for label, value in TEXT:
        for position, field in enumerate(("username", "password", "next")):
            if too_big_to_repeat(value, position):
                continue
            fields = {"username": "viewer", "password": "wrong password", "next": "/"}
            fields[field] = value
            response = post_raw(client, url, fields)
            assert_handled(response, value, (label, field))
            assert response.status_code in (200, 400), (label, field)
            assert "_auth_user_id" not in client.session
            tried += 1
        # The right password with a hostile `next`: logged in, and never sent to another site.
        response = post_raw(client, url, {"username": "viewer", "password": PASSWORD, "next": value})
        assert response.status_code in (302, 400), label
        if response.status_code == 302:
            location = urlsplit(response["Location"])
            assert not location.scheme and not location.netloc, (label, response["Location"])
        client.logout()
        tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)
    assert scene.users["viewer"].is_active


RECOMMENDATION_FIELDS = (
    "reference",
    "title",
    "description",
    "recommendation_ref",
    "articles",
    "recommendation_response",
    "jurisdiction",
    "due_on",
)


def test_the_add_a_recommendation_form_saves_a_whole_record_or_nothing_for_every_hostile_input(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
    tried = 0
    for number, (label, value) in enumerate(TEXT):
        for position, field in enumerate(RECOMMENDATION_FIELDS):
            if too_big_to_repeat(value, position):
                continue
            fields = {
                "reference": f"R-{number}-{field}",
                "title": "A recommendation",
                "description": "",
                "recommendation_ref": "",
                "articles": "",
                "recommendation_response": "",
                "jurisdiction": scene.punjab.pk,
                "due_on": "",
            }
            fields[field] = value
            before = Commitment.objects.count()
            response = post_raw(client, url, fields)
            assert_handled(response, value, (label, field))
            saved = Commitment.objects.count() - before
            if response.status_code == 302:
                assert saved == 1, (label, field)
                created = Commitment.objects.order_by("-pk").first()
                if field in ("title", "description", "articles", "recommendation_ref"):
                    assert getattr(created, field) == as_text(value).strip(), (label, field)
            else:
                assert response.status_code == 400 and saved == 0, (label, field, response.status_code)
            tried += 1

    # Everything saved is escaped wherever it is shown.
    for page in (
        reverse("commitments:review", args=[scene.review.pk]),
        reverse("commitments:list"),
        reverse("commitments:calendar"),
        *[c.get_absolute_url() for c in Commitment.objects.filter(review=scene.review)],
    ):
        text = client.get(page).content.decode()
        for label, value in TEXT:
            shown = as_text(value)
            if "<" in shown:
                assert shown not in text, (page, label)
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


def test_a_recommendation_for_another_provinces_jurisdiction_is_refused(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
    before = Commitment.objects.count()
    response = post_raw(client, url, {"reference": "R-X", "title": "Tampered", "jurisdiction": scene.sindh.pk})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Commitment.objects.count() == before


def test_my_settings_refuses_every_hostile_action(client):
    scene = build()
    client_for(client, scene, "viewer")
    url = reverse("commitments:my_settings")
    tried = 0
    for label, value in TEXT:
        for fields in ({"action": value}, {"action": "reminders", "reminders_enabled": value}):
            response = post_raw(client, url, fields)
            assert response.status_code in (302, 400), (label, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


QUERY_PAGES = {
    "commitments:dashboard": ("q", "status", "jurisdiction", "page"),
    "commitments:list": (
        "q",
        "status",
        "jurisdiction",
        "instrument",
        "theme",
        "page",
        "sort",
        "as_of",
        "due",
        "mechanism",
        "sdg",
        "sdg_goal",
        "affected",
        "grade",
        "position",
        "priority",
        "cluster",
    ),
    "commitments:calendar": ("jurisdiction", "instrument", "theme", "kind", "what", "when"),
}


@pytest.mark.parametrize("name", sorted(QUERY_PAGES))
def test_every_query_parameter_of_a_list_page_survives_every_hostile_input(client, name):
    scene = build()
    client_for(client, scene, "viewer")
    url = reverse(name)
    tried = 0
    for label, value in TEXT:
        for position, parameter in enumerate(QUERY_PAGES[name]):
            if too_big_to_repeat(value, position):
                continue
            response = get_raw(client, url, {parameter: value})
            assert_handled(response, value, (label, parameter))
            assert response.status_code in (200, 400, 404), (label, parameter, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


def test_hostile_text_in_an_address_answers_404_never_an_error(client):
    scene = build()
    client_for(client, scene, "viewer")
    tried = 0
    for label, value in TEXT:
        if len(as_text(value)) > 5000:
            continue
        raw = value if isinstance(value, bytes) else value.encode()
        segment = quote(raw, safe="")
        for prefix in ("/instruments/", "/calendar/feed/", "/commitments/", "/evidence/", "/reviews/"):
            response = client.get(f"{prefix}{segment}/")
            assert response.status_code in (301, 302, 404), (label, prefix, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)
    assert scene.instrument.code


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    fields=st.fixed_dictionaries(
        {
            name: st.one_of(st.text(max_size=400), st.sampled_from(["", "punjab", "2024-01-01", "1", "supported"]))
            for name in RECOMMENDATION_FIELDS
        }
    )
)
def test_any_text_in_the_add_a_recommendation_form_saves_a_whole_valid_record_or_nothing(client, fields):
    from django.db import transaction

    with transaction.atomic():
        scene = build()
        client_for(client, scene, "editor")
        url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
        before = Commitment.objects.count()
        response = client.post(url, fields)
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            created = Commitment.objects.order_by("-pk").first()
            assert Commitment.objects.count() == before + 1
            created.full_clean(exclude=["sources", "themes"])
            assert created.title == fields["title"].strip()
        else:
            assert Commitment.objects.count() == before
            assert "errorlist" in response.content.decode()
        transaction.set_rollback(True)
