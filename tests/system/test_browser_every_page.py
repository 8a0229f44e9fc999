"""Every staff page in a real browser, at a desktop's and a phone's width: nothing reaches past a
390 px screen, and axe-core (vendored, injected into the page) finds no serious or critical
accessibility violation. Screenshots of every page at both widths go to artifacts/."""

import datetime
import os
from pathlib import Path

import pytest

from commitments import models
from tests import rich_data
from tests.factories import (
    GSPCycleFactory,
    JobFactory,
    MechanismFactory,
    ProfileFactory,
    RecommendationFactory,
    ReviewFactory,
    ScorecardIssueFactory,
)
from tests.system.test_browser_dashboard import (  # noqa: F401
    browser_page,
    live_server,
    session_cookie,
    wider_than_the_screen,
)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (1366, 390)


def staff_pages(data):
    """(name, path) of every page a member of staff opens, with synthetic records behind them."""
    commitment = data.commitments[1]
    mechanism = MechanismFactory(slug="syn-committee", name="Synthetic Committee", instrument=data.conventions["ICCPR"])
    recommendation = RecommendationFactory(mechanism=mechanism, commitment__jurisdiction=data.federal)
    review = ReviewFactory(instrument=data.conventions["ICCPR"])
    cycle = GSPCycleFactory(scheme=data.gsp, starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2025, 12, 31))
    issue = ScorecardIssueFactory(convention=data.conventions["ICCPR"])
    job = JobFactory(requested_by=data.admin)
    return [
        ("dashboard", "/"),
        ("commitment-list", "/commitments/"),
        ("commitment-list-filtered", "/commitments/?status=in_progress&jurisdiction=punjab"),
        ("commitment", commitment.get_absolute_url()),
        ("recommendation", recommendation.commitment.get_absolute_url()),
        ("record-form", f"/commitments/{commitment.pk}/record/"),
        ("instrument", data.punjab_plan.get_absolute_url()),
        ("reports", "/reports/"),
        (
            "report-html",
            "/reports/?kind=progress&scope=all&group_by=instrument&format=html&audience=internal&date_from=2024-01-01&date_to=2024-12-31",
        ),
        ("kept-reports", "/reports/kept/"),
        ("calendar", "/calendar/"),
        ("settings", "/me/settings/"),
        ("two-factor", "/account/two-factor/"),
        ("import", "/import/"),
        ("gsp", "/gsp/"),
        ("gsp-issue", f"/gsp/issues/{issue.pk}/"),
        ("gsp-cycle", f"/gsp/cycles/{cycle.pk}/"),
        ("gsp-issue-add", "/gsp/issues/add/"),
        ("review", f"/reviews/{review.pk}/"),
        ("recommendation-add", "/recommendations/add/"),
        ("recommendations-similar", f"/recommendations/{recommendation.pk}/similar/"),
        ("jobs", "/jobs/"),
        ("job", job.get_absolute_url()),
        ("not-found", "/commitments/999999/"),
    ]


def axe_serious(page):
    """axe-core's serious and critical violations on the page: [(rule id, impact, nodes)]."""
    # Evaluated through the debugging protocol, so the site's Content-Security-Policy stays as it is.
    page.evaluate(AXE.read_text())
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def scrolling_sideways(page):
    """Boxes whose content scrolls sideways (a table that does not reflow hides its columns off-screen)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
            .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} scrolls ${e.scrollWidth}px in ${e.clientWidth}px`)"""
    )


def check(page, url, name, width, artifacts_dir, results):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(url)
    assert response.status < 500, (name, response.status)
    assert response.status == 200 or name == "not-found", (name, response.status)
    if response.status == 404:  # the browser reports the refused address itself as a console error
        page.problems[:] = [p for p in page.problems if "404" not in p]
    page.screenshot(path=os.path.join(artifacts_dir, f"page-{name}-{width}.png"), full_page=True)
    found = axe_serious(page)
    # Landmarks and one heading that names the page.
    headings = page.locator("h1").count()
    if headings != 1 or page.locator("main").count() != 1:
        found.append(("one-h1-and-main", "serious", [f"{headings} h1"]))
    if "---------" in page.locator("main").inner_text():
        found.append(("an-empty-choice-says-what-it-means", "serious", ["---------"]))
    overflow = []
    if width < 400:
        if page.evaluate("document.documentElement.scrollWidth") > width + 1:
            overflow = wider_than_the_screen(page)
        overflow += scrolling_sideways(page)
    results.append((name, width, found, overflow))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_staff_page_fits_a_phone_and_has_no_serious_accessibility_violation(
    browser_page,  # noqa: F811
    live_server,  # noqa: F811
    artifacts_dir,
):
    data = rich_data.build()
    ProfileFactory(user=data.admin)
    pages = staff_pages(data)
    context, page = browser_page
    results = []
    # Signed out: the sign-in page.
    for width in WIDTHS:
        check(page, live_server.url + "/login/", "login", width, artifacts_dir, results)
    context.add_cookies([session_cookie(data.admin, live_server)])
    for name, path in pages:
        for width in WIDTHS:
            check(page, live_server.url + path, name, width, artifacts_dir, results)

    # A phone: the filters are folded and the first commitment, a card, shows on the first screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/commitments/?status=in_progress")
    assert page.locator("details.filters").get_attribute("open") is None
    assert "Filters (1 in use)" in page.locator("details.filters summary").text_content()
    card = page.locator("table.commitments tbody tr").first
    assert card.bounding_box()["y"] < 844 and card.evaluate("e => getComputedStyle(e).display") == "block"
    assert "Status:" in card.locator("td.col-status").evaluate("e => getComputedStyle(e, '::before').content")

    # A rejected submission: the focus moves to the box that says what to correct.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + f"/commitments/{data.commitments[1].pk}/record/")
    page.fill("textarea[name=note]", "")
    page.get_by_role("button", name="Record update").click()
    page.wait_for_load_state()
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    page.problems[:] = [p for p in page.problems if "status of 400" not in p]  # the refusal itself
    page.screenshot(path=os.path.join(artifacts_dir, "page-record-form-rejected-1366.png"), full_page=True)
    results.append(("record-form-rejected", 1366, axe_serious(page), []))

    print("\npage, width: serious/critical axe violations; overflow at a phone's width")
    for name, width, found, overflow in results:
        print(f"{name:28} {width:5}: axe {len(found)} {found or ''} {'OVERFLOW ' + str(overflow) if overflow else ''}")
    assert [r for r in results if r[2]] == [], "axe-core found serious or critical violations"
    assert [r for r in results if r[3]] == [], "pages wider than a 390 px screen"
    assert models.Commitment.objects.exists()
    assert page.problems == []
