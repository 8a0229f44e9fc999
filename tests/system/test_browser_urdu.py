"""The main pages in Urdu, in chromium, on a laptop (1366 px) and a phone (390 px): right to
left, nothing wider than the screen, nothing clipped, and the keyboard moves in reading order."""

import os

import pytest
from django.conf import settings
from django.urls import reverse

from tests import rich_data
from tests.system.test_browser_dashboard import browser_page, live_server, session_cookie, wider_than_the_screen

__all__ = ["browser_page", "live_server"]  # fixtures shared with the dashboard's browser tests

WIDTHS = (1366, 390)


def _pages(data):
    commitment = data.commitments[0]
    return [
        ("dashboard", reverse("commitments:dashboard")),
        ("list", reverse("commitments:list")),
        ("commitment", commitment.get_absolute_url()),
        ("record", reverse("commitments:record_update", args=[commitment.pk])),
        ("reports", reverse("commitments:reports")),
        ("calendar", reverse("commitments:calendar")),
    ]


def clipped(page):
    """Form controls and buttons whose text is taller or wider than the box that shows it."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), main select, button, header select')]
            .filter(e => e.offsetParent !== null)
            .filter(e => e.scrollHeight > e.clientHeight + 2 && getComputedStyle(e).overflowY !== 'visible' && e.tagName !== 'TEXTAREA')
            .slice(0, 8).map(e => `${e.tagName.toLowerCase()}#${e.id} ${e.scrollHeight}>${e.clientHeight}`)"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_in_urdu_read_right_to_left_at_laptop_and_phone_width(browser_page, live_server, artifacts_dir):
    data = rich_data.build()
    context, page = browser_page
    host = live_server.url.split("//", 1)[1].split(":", 1)[0]
    context.add_cookies(
        [
            session_cookie(data.admin, live_server),
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ur", "domain": host, "path": "/"},
        ]
    )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in _pages(data):
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, path)
            assert page.evaluate("document.documentElement.dir") == "rtl", name
            assert page.evaluate("document.documentElement.lang") == "ur", name
            # The page's own words are Urdu: the header's first link is the Urdu dashboard link.
            assert page.locator("header.site nav a").first.text_content().strip() == "ڈیش بورڈ"
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (
                name,
                width,
                wider_than_the_screen(page),
            )
            assert clipped(page) == [], (name, width)
            page.screenshot(path=os.path.join(artifacts_dir, f"urdu-{name}-{width}.png"), full_page=True)
    assert page.problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_urdu_the_page_starts_at_the_right_and_the_keyboard_moves_leftwards(browser_page, live_server):
    data = rich_data.build()
    context, page = browser_page
    host = live_server.url.split("//", 1)[1].split(":", 1)[0]
    context.add_cookies(
        [
            session_cookie(data.admin, live_server),
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ur", "domain": host, "path": "/"},
        ]
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    brand = page.locator("header.site .brand").bounding_box()
    assert brand["x"] + brand["width"] > 1366 / 2, "the tracker's name starts at the right"
    # Tab through the header (after the skip link): links on one line are reached from right to left.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    positions = []
    for _ in range(8):
        page.keyboard.press("Tab")
        box = page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect(); return [r.left, r.top, r.height]; })()"
        )
        positions.append(box)
    same_line = [(a, b) for a, b in zip(positions, positions[1:]) if abs(a[1] - b[1]) < a[2] / 2 and a[2] > 0]
    assert same_line, positions
    assert all(b[0] < a[0] for a, b in same_line), positions
    # A status bar starts at the right: its first segment is the rightmost.
    segments = page.locator(".barrow svg.bar rect").first.evaluate(
        "r => [...r.closest('svg').querySelectorAll('rect')].map(x => x.getBoundingClientRect().left)"
    )
    if len(segments) > 1:
        assert segments == sorted(segments, reverse=True)
    assert page.problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_switches_to_urdu_with_the_switcher_and_back(browser_page, live_server):
    data = rich_data.build()
    context, page = browser_page
    context.add_cookies([session_cookie(data.admin, live_server)])
    page.goto(live_server.url + reverse("commitments:list"))
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.select_option("#language-choice", "ur")
    with page.expect_navigation():
        page.locator("form.language button").click()
    assert page.url.endswith(reverse("commitments:list"))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.select_option("#language-choice", "en")
    with page.expect_navigation():
        page.locator("form.language button").click()
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.problems == []
