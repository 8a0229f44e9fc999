"""Production settings: they refuse to start unsafe, and Django's deployment check is clean.

Each test starts Django in a subprocess with an environment of its own, as a server would.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET = "k3y-for-tests-" + "q8Zr2Lx7Vb4Nc9Wm1Tp6Hs3Jd5Fg0Ky" * 2


def production_env(tmp_path, **extra):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": PRODUCTION_SECRET,
        "ALLOWED_HOSTS": "tracker.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://tracker.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None)
    served = subprocess.run(
        [sys.executable, "-c", "import tracker.wsgi"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert served.returncode != 0
    assert "SECRET_KEY must be set" in served.stderr
    # Reading the code needs no key: the checks and the migration check still run.
    assert manage(env, "check").returncode == 0


def test_debug_is_off_unless_asked_for(tmp_path):
    result = manage(
        production_env(tmp_path),
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_deployment_check_reports_nothing_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_deployment_check_is_also_clean_with_evidence_in_a_bucket_and_redis(tmp_path):
    env = production_env(
        tmp_path,
        EVIDENCE_BUCKET="tracker-evidence",
        CACHE_URL="redis://127.0.0.1:6379/5",
        SESSION_STORE="cached_db",
        TRACKER_EVIDENCE_DELIVERY="signed-url",
    )
    result = manage(env, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr + result.stdout
    shown = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django.core.files.storage import storages; from django.core.cache import caches;"
        "s = storages['default']; c = caches['default'];"
        "print(type(s).__name__, s.bucket_name, s.querystring_auth, s.querystring_expire, type(c).__name__)",
    )
    assert shown.stdout.split() == ["S3Storage", "tracker-evidence", "True", "60", "RedisCache"], shown.stderr


def test_a_misspelt_cache_address_stops_the_start(tmp_path):
    result = manage(production_env(tmp_path, CACHE_URL="memcache://x"), "check")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_production_static_files_get_hashed_names_for_far_future_caching(tmp_path):
    env = production_env(tmp_path)
    result = manage(env, "collectstatic", "--no-input")
    assert result.returncode == 0, result.stderr
    static = tmp_path / "static" / "commitments"
    hashed = [p.name for p in static.glob("tracker.*.css")]
    assert hashed, list(static.iterdir())
    assert any(name.endswith(".css.gz") for name in os.listdir(static))
    assert (tmp_path / "static" / "staticfiles.json").exists()


@pytest.mark.slow
def test_the_wsgi_application_loads_under_gunicorn_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import tracker.wsgi; print(tracker.wsgi.application.__class__.__name__)"],
        env=production_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "WSGIHandler", result.stderr


@pytest.mark.parametrize("value", ["ture", "yse", "enabled"])
def test_a_yes_no_setting_with_a_typo_stops_the_app_instead_of_reading_as_no(tmp_path, value):
    result = manage(production_env(tmp_path, SECURE_HSTS_PRELOAD=value), "check")
    assert result.returncode != 0
    assert f"SECURE_HSTS_PRELOAD={value!r} is not a yes/no value" in result.stderr


@pytest.mark.parametrize(("value", "shown"), [("1", "True"), (" Yes ", "True"), ("off", "False"), ("", "False")])
def test_a_yes_no_setting_reads_the_usual_words(tmp_path, value, shown):
    result = manage(
        production_env(tmp_path, SECURE_HSTS_PRELOAD=value),
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shown
