import os
import shutil

import pytest
from django.db import transaction


def pytest_sessionstart(session):
    """The translations are compiled from their .po catalogues, as `./run` does."""
    from commitments.catalogues import compile_catalogues

    compile_catalogues()


def pytest_collection_modifyitems(config, items):
    """With TRACKER_NO_SKIP=1 (set by .ci/run) a skipped test fails: CI proves everything."""
    if os.environ.get("TRACKER_NO_SKIP") == "1":
        config._tracker_no_skip = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("TRACKER_NO_SKIP") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under TRACKER_NO_SKIP=1: {report.longrepr}"


def pytest_runtest_setup(item):
    """Tests marked `postgres` run on PostgreSQL only; elsewhere they are skipped, saying how to run them."""
    if item.get_closest_marker("postgres") is not None:
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            pytest.skip("needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker ./test")


def require_binary(name, package):
    """Skip (or, in CI, fail) when a system program is missing, saying what to install."""
    if shutil.which(name) is None:
        pytest.skip(f"needs `{name}`: apt-get install {package}")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Hashing passwords properly is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Evidence files of a test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: API rate counts kept by one test never refuse another's requests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tracker_organisation(settings):
    from commitments.querysets import forget_tracker_organisation

    settings.TRACKER_ORGANISATION = "dri"
    forget_tracker_organisation()
    yield
    forget_tracker_organisation()


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def pytest_terminal_summary(terminalreporter):
    """Print the reliability figures the tests measured (see docs/reliability.md)."""
    from tests import figures

    measured = figures.collected()
    if measured:
        terminalreporter.section("reliability figures (checked in this run)")
        for name, value in sorted(measured.items()):
            terminalreporter.write_line(f"{value:>8}  {name}")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    from commitments import seeding

    """Seed once per module; each test runs in a savepoint inside, and everything is rolled back at the end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            seeding.seed_load()
            yield
            transaction.set_rollback(True)
