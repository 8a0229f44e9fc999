"""The public portal in a real browser: axe-core finds no serious or critical WCAG 2.1 AA
violation on any public page, at desktop and at phone width, and no page is wider than a phone."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests import public_world
from tests.system.test_browser_dashboard import browser_page, live_server, wider_than_the_screen  # noqa: F401

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1366, "phone": 390}


def public_pages(world):
    return {
        "public-dashboard": reverse("public:dashboard"),
        "public-list": reverse("public:list"),
        "public-commitment": reverse("public:detail", args=[world.commitment.pk]),
        "public-instrument": reverse("public:instrument", args=[world.instrument.code]),
        "public-gsp": reverse("public:gsp"),
        "public-submit": reverse("public:submit", args=[world.commitment.pk]),
    }


def serious_violations(page):
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    assert result["passes"], "axe-core ran no rule"
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_public_pages_pass_axe_at_desktop_and_phone_width(browser_page, live_server, artifacts_dir):  # noqa: F811
    world = public_world.build()
    _context, page = browser_page
    checked = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in public_pages(world).items():
            page.goto(live_server.url + path)
            assert serious_violations(page) == [], (name, label)
            if label == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (
                    name,
                    wider_than_the_screen(page),
                )
            page.screenshot(path=os.path.join(artifacts_dir, f"{name}-{label}.png"), full_page=True)
            checked.append((name, label))
    assert len(checked) == 2 * len(public_pages(world))
    assert page.problems == []
