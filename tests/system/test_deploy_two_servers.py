"""Two app servers (gunicorn, production settings) against one PostgreSQL database behave as one app:
a session started on one is valid on the other, a change made through one is seen through the other."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.system.test_deploy_settings import PRODUCTION_SECRET

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Keeps cookies by hand (they are Secure: the load balancer speaks HTTPS, the servers HTTP)."""

    def __init__(self):
        self.cookies = {}

    def request(self, port, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {
            "Host": f"127.0.0.1:{port}",
            "X-Forwarded-Proto": "https",  # as nginx sets it
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.csrf_token, **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{port}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if found:
            self.csrf_token = found.group(1).decode()
        connection.close()
        return response, content


def postgres_admin_connection():
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def production_database():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)")
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_two_servers_{uuid.uuid4().hex[:8]}"
    with postgres_admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    try:
        yield f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    finally:
        with postgres_admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_healthy(port, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn on port {port} did not become healthy")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def test_two_gunicorn_servers_on_one_database_share_sessions_and_data(production_database, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": PRODUCTION_SECRET,
        "DATABASE_URL": production_database,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "TRACKER_REQUIRE_2FA": "0",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--no-input"], ["createcachetable"], ["collectstatic", "--no-input"]):
        done = subprocess.run(manage + command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    create_admin = (
        "from django.contrib.auth.models import Group, User;"
        f"u = User.objects.create_superuser('sana', 'sana@example.org', '{PASSWORD}');"
        "u.groups.add(Group.objects.get(name='Administrator'))"
    )
    done = subprocess.run(
        manage + ["shell", "--no-imports", "-c", create_admin],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

    ports = [free_port(), free_port()]
    servers = []
    try:
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "tracker.wsgi"],
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / f"gunicorn-{port}.log", "wb"),
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        for port, process in zip(ports, servers):
            wait_until_healthy(port, process, deadline)
        a, b = ports
        browser = Browser()

        # Sign in on server A.
        response, _ = browser.request(a, "GET", "/login/")
        assert response.status == 200
        assert "script-src 'self'" in response.getheader("Content-Security-Policy")
        response, _ = browser.request(a, "POST", "/login/", {"username": "sana", "password": PASSWORD})
        assert response.status == 302, response.status
        assert "sessionid" in browser.cookies

        # The session works on server B.
        response, content = browser.request(b, "GET", "/commitments/")
        assert response.status == 200 and b"sana" in content
        css = re.search(rb'href="(/static/commitments/tracker\.[0-9a-f]+\.css)"', content)

        # A change made through server A ...
        browser.request(a, "GET", "/admin/commitments/jurisdiction/add/")
        response, _ = browser.request(
            a,
            "POST",
            "/admin/commitments/jurisdiction/add/",
            {"code": "gb", "name": "Gilgit-Baltistan", "kind": "territory"},
        )
        assert response.status == 302, response.status
        # ... is seen through server B.
        response, content = browser.request(b, "GET", "/admin/commitments/jurisdiction/")
        assert response.status == 200 and b"Gilgit-Baltistan" in content

        # Static files come from WhiteNoise under hashed names, cacheable for good.
        assert css, "the stylesheet should have a hashed name"
        response, _ = browser.request(b, "GET", css.group(1).decode())
        assert response.status == 200 and "immutable" in response.getheader("Cache-Control")

        # Signing out on B ends the session on A too.
        browser.request(b, "GET", "/commitments/")
        response, _ = browser.request(b, "POST", "/logout/", {})
        assert response.status == 302
        response, _ = browser.request(a, "GET", "/commitments/")
        assert response.status == 302 and "/login/" in response.getheader("Location")

        # Plain HTTP (not through the load balancer) is sent to HTTPS; the probe is not.
        connection = http.client.HTTPConnection("127.0.0.1", a, timeout=10)
        connection.request("GET", "/commitments/", headers={"Host": "127.0.0.1"})
        assert connection.getresponse().status == 301
    finally:
        for process in servers:
            stop(process)
    for process in servers:
        assert process.poll() is not None
