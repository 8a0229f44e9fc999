"""Security headers on every page, sign-in throttling, and the load balancer's health check."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_pages_forbid_inline_script_third_party_origins_framing_and_sniffing(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "http" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_login_page_has_no_inline_script_or_style(client):
    html = client.get(reverse("login")).content.decode()
    # Scripts come from the site's own files (the policy's 'self'), never written into the page.
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(re.fullmatch(r'<script src="/static/[^"]+"( defer)?>', tag) for tag in scripts), scripts
    assert "<style" not in html and " style=" not in html


@pytest.mark.django_db
def test_https_pages_send_hsts_and_cookies_are_secure_and_http_only(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    UserFactory(username="amina")
    client = Client()
    response = client.post(reverse("login"), {"username": "amina", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    csrf = Client().get(reverse("login"), secure=True).cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_when_configured(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.django_db
def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


# --- Password guessing -------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="amina")
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for guess in ("password1", "pakistan123", "letmein!!"):
        response = guesser.post(reverse("login"), {"username": "amina", "password": guess})
        assert response.status_code in (200, 429)
    response = guesser.post(reverse("login"), {"username": "amina", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in guesser.session
    assert b"Too many failed sign-ins" in response.content

    # The owner, from their own address, is not locked out by someone else's guessing.
    owner = Client(REMOTE_ADDR="198.51.100.4")
    response = owner.post(reverse("login"), {"username": "amina", "password": PASSWORD})
    assert response.status_code == 302
    assert owner.session["_auth_user_id"]


@pytest.mark.django_db
def test_a_few_mistakes_do_not_lock_anyone_out(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="amina")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for guess in ("typo1", "typo2"):
        assert client.post(reverse("login"), {"username": "amina", "password": guess}).status_code == 200
    assert client.post(reverse("login"), {"username": "amina", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_sign_in_without_a_page_request_still_works_for_scripts(client):
    UserFactory(username="amina")
    assert client.login(username="amina", password=PASSWORD)


# --- Health check ----------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_over_plain_http_for_any_host(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["tracker.example.org"]
    response = Client(HTTP_HOST="10.0.0.12:8000").get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_healthz_is_the_named_route(client):
    assert reverse("commitments:healthz") == "/healthz"


@pytest.mark.django_db
def test_healthz_answers_503_without_details_when_storage_is_unusable(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_healthz_answers_503_without_details_when_the_database_fails(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_behind_a_proxy_lockouts_follow_the_address_the_proxy_saw_not_what_the_client_claims(settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="amina")
    # Every request reaches the app from the proxy's address; the proxy appends the client's.
    guesser = Client(REMOTE_ADDR="10.0.0.2")
    for n, guess in enumerate(("password1", "pakistan123")):
        guesser.post(
            reverse("login"),
            {"username": "amina", "password": guess},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",  # a made-up first entry each time
        )
    locked = guesser.post(
        reverse("login"), {"username": "amina", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.9"
    )
    assert locked.status_code == 429

    owner = Client(REMOTE_ADDR="10.0.0.2")
    response = owner.post(
        reverse("login"), {"username": "amina", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_sessions_and_cache_can_live_in_redis_shared_by_all_servers(settings):
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("needs Redis on 127.0.0.1:6379: apt-get install redis-server")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/13"}
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.core.cache import cache

    cache.clear()
    UserFactory(username="amina")
    first = Client()
    assert first.post(reverse("login"), {"username": "amina", "password": PASSWORD}).status_code == 302
    session_key = first.cookies["sessionid"].value
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}") is not None

    other_server = Client()
    other_server.cookies["sessionid"] = session_key
    assert other_server.get(reverse("commitments:dashboard")).status_code == 200
    cache.clear()
