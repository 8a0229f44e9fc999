"""In a real browser: an administrator imports a UHRI export (preview, then save), filters the
list by position and SDG, opens a recommendation, marks priority ones and sees their follow-up
reply in the calendar. The file is synthetic, in UHRI's layout (tests/uhri_files.py)."""

import datetime
import os

import pytest

from commitments import access
from commitments.models import Recommendation
from tests.factories import InstrumentFactory, JurisdictionFactory, MechanismFactory, ProfileFactory, UserFactory
from tests.system.test_browser_dashboard import browser_page, live_server, session_cookie  # noqa: F401
from tests.uhri_files import uhri_row, uhri_workbook


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_imports_a_uhri_export_and_follows_a_recommendation(
    browser_page,  # noqa: F811
    live_server,  # noqa: F811
    tmp_path,
    artifacts_dir,
):
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    treaty = InstrumentFactory(code="SYN-CCPR", jurisdiction=federal)
    MechanismFactory(slug="syn-committee", name="Synthetic Committee", instrument=treaty, uhri_names="SYNC")
    admin = UserFactory(username="admin", role=access.ADMINISTRATOR)
    ProfileFactory(user=admin)
    rows = [
        uhri_row(number=1, sdgs=("5.2 - Eliminate violence against women",), position="Supported"),
        uhri_row(number=2, sdgs=("16.3 - Promote the rule of law",), position="Noted"),
        uhri_row(
            number=3,
            body="SYNC",
            symbol="SYN/C/PAK/CO/2",
            kind="Recommendations",
            position="",
            text="15. The Committee recommends that the State party adopt a synthetic shelters law.",
        ),
    ]
    path = tmp_path / "export.xlsx"
    path.write_bytes(uhri_workbook(rows))
    context, page = browser_page
    context.add_cookies([session_cookie(admin, live_server)])

    page.goto(live_server.url + "/import/")
    page.select_option("select[name=kind]", "recommendations")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert "Preview: nothing is saved yet" in page.content(), page.content()[:2000]
    assert page.locator("table.created-reference").count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "recommendations-import-preview.png"), full_page=True)
    assert not Recommendation.objects.exists()
    page.get_by_role("button", name="Import these rows").click()
    page.wait_for_load_state()
    assert Recommendation.objects.count() == 3

    page.goto(live_server.url + "/commitments/?position=supported&sdg_goal=5")
    assert page.locator("[data-total]").get_attribute("data-total") == "1"
    page.screenshot(path=os.path.join(artifacts_dir, "recommendations-list.png"), full_page=True)

    review = Recommendation.objects.get(document_symbol="SYN/C/PAK/CO/2").commitment.review
    page.goto(live_server.url + f"/reviews/{review.pk}/")
    page.locator("input[name=recommendations]").first.check()
    due = datetime.date.today() + datetime.timedelta(days=365)
    page.fill("input[name=due_on]", due.isoformat())
    page.get_by_role("button", name="Record the priority recommendations").click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/calendar/")
    assert page.locator("td.what", has_text="Follow-up reply").count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "recommendations-calendar.png"), full_page=True)

    commitment = Recommendation.objects.get(document_symbol="SYN/C/PAK/CO/2").commitment
    page.goto(live_server.url + f"/commitments/{commitment.pk}/")
    assert "A priority recommendation" in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "recommendation-detail.png"), full_page=True)
    assert page.problems == []
