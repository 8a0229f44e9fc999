"""A job's page in a real browser: a progress bar that the page refreshes by itself (no script, nothing
the Content-Security-Policy refuses), then the file to download once the job is done."""

import os

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from commitments.models import Job
from tests.factories import JobFactory, UserFactory
from tests.system.test_browser_dashboard import browser_page, live_server, session_cookie  # noqa: F401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_job_page_shows_progress_then_reloads_itself_into_the_download(browser_page, live_server, artifacts_dir):  # noqa: F811
    user = UserFactory(username="sana", first_name="Sana", last_name="Baloch")
    job = JobFactory(
        requested_by=user,
        state=Job.State.RUNNING,
        progress_done=1500,
        progress_total=4000,
        finished_at=None,
        with_file=False,
        parameters={"query": {"jurisdiction": "kp"}, "format": "xlsx", "audience": "internal"},
    )
    context, page = browser_page
    context.add_cookies([session_cookie(user, live_server)])

    page.goto(live_server.url + job.get_absolute_url())
    bar = page.locator("progress#job-progress")
    assert bar.get_attribute("value") == "1500" and bar.get_attribute("max") == "4000"
    assert page.locator("text=1500 of 4000").count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "job-running.png"), full_page=True)

    # The worker finishes; nobody touches the page.
    job.result.save("commitments-2025-06-30.xlsx", ContentFile(b"PK\x03\x04 synthetic"), save=False)
    job.state, job.finished_at, job.progress_done = Job.State.DONE, timezone.now(), 4000
    job.result_name, job.result_size, job.result_data = "commitments-2025-06-30.xlsx", 16, {"rows": 4000}
    job.save()

    download = page.locator("a", has_text="Download commitments-2025-06-30.xlsx")
    download.wait_for(timeout=15_000)  # the page reloaded itself (every 3 s)
    assert page.locator("progress").count() == 0
    page.screenshot(path=os.path.join(artifacts_dir, "job-done.png"), full_page=True)
    with page.expect_download() as event:
        download.click()
    assert event.value.suggested_filename == "commitments-2025-06-30.xlsx"
    assert page.problems == []  # no console error: nothing refused by the Content-Security-Policy
