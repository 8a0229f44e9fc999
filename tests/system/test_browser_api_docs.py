"""In a real browser: the API's documentation, served by the tracker itself under its content
security policy, lists the operations and shows the schema; My settings makes a token."""

import os

import pytest

from commitments import access
from commitments.models import ApiToken
from tests.factories import UserFactory
from tests.system.test_browser_dashboard import browser_page, live_server, session_cookie

__all__ = ["browser_page", "live_server"]  # fixtures, used by name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_documentation_shows_every_operation_with_nothing_from_another_site(
    browser_page, live_server, artifacts_dir
):
    editor = UserFactory(username="docs_reader", role=access.EDITOR)
    context, page = browser_page
    context.add_cookies([session_cookie(editor, live_server)])
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    summaries = page.locator(".opblock-summary-path").all_text_contents()
    assert "/api/commitments/" in summaries and "/api/commitments/{pk}/updates/" in summaries
    page.screenshot(path=os.path.join(artifacts_dir, "api_docs.png"), full_page=False)
    assert page.problems == []  # no blocked script or style, no request to another site


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_makes_a_token_on_my_settings_and_sees_it_once(browser_page, live_server, artifacts_dir):
    viewer = UserFactory(username="token_maker", role=access.VIEWER)
    context, page = browser_page
    context.add_cookies([session_cookie(viewer, live_server)])
    page.goto(live_server.url + "/me/settings/")
    page.fill("#id_name", "Quarterly report pull")
    page.click("text=Make the token")
    page.wait_for_selector("#new-api-token")
    secret = page.input_value("#new-api-token")
    assert secret.startswith(ApiToken.objects.get(user=viewer).prefix)
    page.screenshot(path=os.path.join(artifacts_dir, "my_settings_api_token.png"), full_page=True)
    page.goto(live_server.url + "/me/settings/")
    assert secret not in page.content() and "Quarterly report pull" in page.content()
    assert page.problems == []
