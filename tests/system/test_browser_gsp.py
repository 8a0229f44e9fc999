"""In a real browser: the dashboard's scope bar drives the page and stays in the address; the GSP+ page."""

import os

import pytest

from tests import rich_data
from tests.system import test_browser_dashboard as browser

# The live server and the browser of the dashboard's browser tests, used here by name.
live_server = browser.live_server
browser_page = browser.browser_page
session_cookie = browser.session_cookie


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_staff_member_scopes_the_dashboard_to_punjab_within_gsp_human_rights(
    browser_page, live_server, artifacts_dir
):
    data = rich_data.build()
    context, page = browser_page
    context.add_cookies([session_cookie(data.admin, live_server)])
    page.goto(live_server.url + "/")
    page.select_option("select[name=jurisdiction]", "punjab")
    page.select_option("select[name=gsp_group]", "human_rights")
    with page.expect_navigation():
        page.click(".scope-bar button[type=submit]")
    assert "jurisdiction=punjab" in page.url and "gsp_group=human_rights" in page.url
    assert "Every figure below is for: Punjab" in page.content()
    # The scope is kept in the address: opening it again gives the same page.
    page.goto(page.url)
    assert page.locator("select[name=jurisdiction]").input_value() == "punjab"
    labels = page.locator("#h-jur ~ .barrow .barlabel").all_inner_texts()
    assert all(label.startswith("Punjab") for label in labels)
    page.screenshot(path=os.path.join(artifacts_dir, "dashboard-scoped.png"), full_page=True)
    page.goto(live_server.url + "/gsp/")
    assert page.locator("tr.convention[data-code=ICCPR]").count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "gsp.png"), full_page=True)
    assert page.problems == []
