import os
import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from commitments import models
from tests import rich_data
from tests.conftest import require_binary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def session_cookie(user, live_server):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = urlparse(live_server.url).hostname
    return {"name": "sessionid", "value": session.session_key, "domain": host, "path": "/"}


@pytest.fixture(scope="module")
def live_server(django_db_setup, django_db_blocker):
    """pytest-django's live server, started while MEDIA_URL is a string.

    Evidence is never served from MEDIA_URL (it is None on purpose), but the test server's media
    handler parses it once at start-up and fails on every request when it is None.
    """
    from django.conf import settings
    from pytest_django.live_server_helper import LiveServer

    original = settings.MEDIA_URL
    settings.MEDIA_URL = "/media-not-served/"
    try:
        server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost")
    finally:
        settings.MEDIA_URL = original
    yield server
    server.stop()


@pytest.fixture
def browser_page(live_server):
    require_binary("chromium", "chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        local = urlparse(live_server.url).netloc

        def only_localhost(route):
            if urlparse(route.request.url).netloc != local:
                page.problems.append(f"external request: {route.request.url}")
                return route.abort()
            return route.continue_()

        context.route("**/*", only_localhost)
        yield context, page
        context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_staff_member_clicks_a_dashboard_bar_and_lands_on_the_matching_list(browser_page, live_server, artifacts_dir):
    data = rich_data.build()
    context, page = browser_page
    context.add_cookies([session_cookie(data.admin, live_server)])

    page.goto(live_server.url + "/")
    assert page.title().startswith("Dashboard"), (page.problems, page.content()[:500])
    page.screenshot(path=os.path.join(artifacts_dir, "dashboard.png"), full_page=True)

    # The labour group's bar: click its implemented... whichever segment comes first.
    labour = page.locator(".barrow", has_text="Labour rights").first
    segment = labour.locator("svg.bar a.seg").first
    title = segment.locator("title").text_content()
    label, count = title.rsplit(": ", 1)
    segment.click()
    page.wait_for_load_state()
    assert "/commitments/" in page.url and "group=labour" in page.url
    assert page.locator("[data-total]").get_attribute("data-total") == count
    status = re.search(r"status=(\w+)", page.url).group(1)
    expected = models.Commitment.objects.filter(instrument__code="C087", status=status).count()
    assert int(count) == expected
    page.screenshot(path=os.path.join(artifacts_dir, "commitment_list.png"), full_page=True)

    # Second click: the commitment itself.
    page.locator("table.commitments tbody a").first.click()
    page.wait_for_load_state()
    assert re.search(r"/commitments/\d+/$", page.url)
    page.screenshot(path=os.path.join(artifacts_dir, "commitment_detail.png"), full_page=True)

    page.goto(live_server.url + "/instruments/PB-HRP/")
    page.screenshot(path=os.path.join(artifacts_dir, "instrument_detail.png"), full_page=True)

    # A phone-width screen: no page wider than the screen.
    page.set_viewport_size({"width": 375, "height": 800})
    for path, name in (("/", "dashboard-phone.png"), ("/commitments/", "commitment_list-phone.png")):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, (path, wider_than_the_screen(page))
        page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)
    assert page.problems == []


def wider_than_the_screen(page):
    """The elements reaching past the screen's right edge (tag, class, right edge), to say what overflows."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_is_keyboard_navigable_to_the_filtered_list(browser_page, live_server):
    data = rich_data.build()
    context, page = browser_page
    context.add_cookies([session_cookie(data.admin, live_server)])
    page.goto(live_server.url + "/")
    # Tab until an overdue link has the focus, then follow it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if "overdue=yes" in (page.evaluate("document.activeElement.getAttribute('href')") or ""):
            break
    else:
        pytest.fail("no overdue link reachable with the keyboard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "overdue=yes" in page.url
    assert int(page.locator("[data-total]").get_attribute("data-total")) == models.Commitment.objects.overdue().count()
    assert page.problems == []
