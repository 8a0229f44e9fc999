"""Sessions, CSRF and password rules as a user meets them."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.reliability_scene import PASSWORD, build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_form_posted_without_its_csrf_token_is_refused_and_saves_nothing():
    scene = build()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(scene.users["editor"])
    before = scene.commitment.updates.count()
    response = browser.post(
        reverse("commitments:record_update", args=[scene.commitment.pk]),
        {
            "status": "implemented",
            "effective_on": "2024-05-01",
            "assessor": scene.dri.pk,
            "note": "forged",
            "sensitivity": "internal",
        },
    )
    assert response.status_code == 403
    assert scene.commitment.updates.count() == before


def test_logging_in_gives_a_new_session_and_logging_out_ends_it():
    build()
    browser = Client()
    browser.get(reverse("login"))
    anonymous_key = browser.cookies.get("sessionid")
    response = browser.post(reverse("login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 302
    assert browser.cookies["sessionid"].value != (anonymous_key.value if anonymous_key else None)
    assert browser.cookies["sessionid"]["httponly"]
    stolen = browser.cookies["sessionid"].value
    browser.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get(reverse("commitments:dashboard")).status_code == 302


def test_a_wrong_password_logs_nobody_in():
    build()
    browser = Client()
    response = browser.post(reverse("login"), {"username": "viewer", "password": "not the password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123", "qwertyuiop"])
def test_weak_passwords_are_refused(password):
    scene = build()
    with pytest.raises(ValidationError):
        validate_password(password, user=scene.users["viewer"])


def test_a_long_passphrase_is_accepted():
    scene = build()
    validate_password("river lantern copper autumn", user=scene.users["viewer"])
