"""Restricted items never reach anyone not named on them, through any output.

The scene holds a restricted update (note), restricted evidence on it (a file) and a restricted
link on an ordinary update, each carrying a marker. Every page the access matrix knows, with
searches for the markers, the calendar feed and the reminder emails are swept for every role;
only the person named on the items may see the markers, and the test checks that they do.
"""

import datetime
import io
import zipfile
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse

from commitments import reminders
from tests import figures
from tests.factories import api_token
from tests.reliability_scene import ROLES, SECRET_MARKERS, build, client_for
from tests.system.test_access_matrix import RULES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The scene makes seven accounts per test; hashing their passwords slowly tests nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Query parameters a list or search might read, each tried with words of the restricted items
# (never a whole marker, which a page may rightly echo back as the search term).
SEARCH_PARAMETERS = ("q", "search", "title", "note", "text")
SEARCH_TERMS = ("Witness statement", "Interview", "RESTRICTED-FILE", "RESTRICTED")


def page_urls(scene):
    urls = []
    for name, (kwargs_of, checks) in RULES.items():
        if "/" not in name and any(method == "get" for method, _data, _expected in checks):
            urls.append(reverse(name, kwargs=kwargs_of(scene) if kwargs_of else None))
    for name in RULES:
        if name in ("commitments:list", "commitments:dashboard", "commitments:calendar"):
            base = reverse(name)
            urls += [f"{base}?{urlencode({p: term})}" for p in SEARCH_PARAMETERS for term in SEARCH_TERMS]
    # Exports of the list, in every format, with the restricted items' words as search.
    urls += [f"{reverse('commitments:list')}?export={fmt}" for fmt in ("csv", "xlsx", "json")]
    urls += [f"{reverse('commitments:list')}?{urlencode({'export': 'csv', 'q': term})}" for term in SEARCH_TERMS]
    urls.append(reverse("commitments:evidence_download", args=[scene.restricted_evidence.pk]))
    urls.append(reverse("commitments:evidence_download", args=[scene.restricted_link_evidence.pk]))
    return urls + api_urls(scene)


def api_urls(scene):
    """The API's own ways to the restricted items: their addresses, searches, feeds and filters."""
    urls = [
        reverse("api:update_detail", args=[scene.restricted_update.pk]),
        reverse("api:evidence_detail", args=[scene.restricted_evidence.pk]),
        reverse("api:evidence_file", args=[scene.restricted_evidence.pk]),
        reverse("api:evidence_detail", args=[scene.restricted_link_evidence.pk]),
        reverse("api:evidence_file", args=[scene.restricted_link_evidence.pk]),
        f"{reverse('api:update_list')}?{urlencode({'commitment': scene.commitment.pk, 'page_size': 200})}",
        f"{reverse('api:update_list')}?{urlencode({'status': 'stalled'})}",
        f"{reverse('api:commitment_updates', args=[scene.commitment.pk])}?page_size=200",
        f"{reverse('api:commitment_list')}?{urlencode({'as_of': '2024-03-02'})}",
        f"{reverse('api:commitment_list')}?{urlencode({'status': 'stalled'})}",
        f"{reverse('api:commitment_list')}?{urlencode({'source_status': 'stalled'})}",
    ]
    urls += [f"{reverse('api:commitment_list')}?{urlencode({'q': term})}" for term in SEARCH_TERMS]
    return urls


def body_of(response):
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content + response.get("Location", "").encode()
    if content.startswith(b"PK"):  # a spreadsheet: read what is inside
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content


def leaks(content):
    return [marker for marker in SECRET_MARKERS if marker.encode() in content]


def test_no_page_search_or_download_shows_a_restricted_item_to_anyone_not_named(client):
    scene = build()
    urls = page_urls(scene)
    checked = 0
    for role in ROLES:
        if role == "named":
            continue
        client_for(client, scene, role)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            assert not leaks(body_of(response)), (role, url, leaks(body_of(response)))
            checked += 1
    figures.add("outputs swept for restricted items (page × role)", checked)


def test_no_api_answer_to_a_token_shows_a_restricted_item_to_anyone_not_named(client):
    """The same sweep through the API with each person's token (the browser sweep above uses sessions)."""
    scene = build()
    urls = [url for url in page_urls(scene) if url.startswith(reverse("api:root"))]
    checked = 0
    for role in ROLES:
        if role in ("anonymous", "named"):
            continue
        _token, secret = api_token(scene.users[role], access_level="read")
        client.logout()
        for url in urls:
            response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
            assert response.status_code < 500, (role, url)
            assert not leaks(body_of(response)), (role, url, leaks(body_of(response)))
            checked += 1
    figures.add("outputs swept for restricted items (page × role)", checked)


def test_the_person_named_on_restricted_items_does_see_them(client):
    """The control of the sweep: the markers really are on the pages and in the files."""
    scene = build()
    client_for(client, scene, "named")
    page = client.get(reverse("commitments:detail", args=[scene.commitment.pk])).content
    assert SECRET_MARKERS[0].encode() in page
    assert SECRET_MARKERS[1].encode() in page
    download = client.get(reverse("commitments:evidence_download", args=[scene.restricted_evidence.pk]))
    assert SECRET_MARKERS[2].encode() in body_of(download)
    # And through the API.
    history = client.get(reverse("api:commitment_updates", args=[scene.commitment.pk])).content
    assert SECRET_MARKERS[0].encode() in history and SECRET_MARKERS[1].encode() in history
    file = client.get(reverse("api:evidence_file", args=[scene.restricted_evidence.pk]))
    assert SECRET_MARKERS[2].encode() in body_of(file)


def test_a_restricted_update_does_not_move_the_headline_or_the_counts_anyone_else_sees(client):
    scene = build()
    scene.commitment.refresh_from_db()
    # The restricted update says "stalled" on a later date; the headline others see stays at the public one.
    assert scene.commitment.status == "in_progress"
    client_for(client, scene, "viewer")
    dashboard = client.get(reverse("commitments:dashboard")).content.decode()
    assert "Stalled" not in dashboard


def test_reminder_emails_never_carry_a_restricted_item(settings):
    scene = build()
    mail.outbox.clear()
    today = scene.commitment.due_on - datetime.timedelta(days=7)
    reminders.send_due_reminders(today=today)
    for message in mail.outbox:
        content = message.body + message.subject + "".join(str(a[0]) + str(a[1]) for a in message.alternatives)
        assert not leaks(content.encode()), message.to
    figures.add("outputs swept for restricted items (page × role)", len(mail.outbox))


def test_the_calendar_feed_of_a_user_not_named_carries_no_restricted_item(client):
    scene = build()
    feed = client.get(reverse("commitments:calendar_feed", args=[scene.calendar_token]))
    assert feed.status_code == 200
    assert b"BEGIN:VCALENDAR" in feed.content
    assert not leaks(feed.content)


def test_files_made_in_the_background_and_their_emails_carry_no_restricted_item(
    client, settings, django_capture_on_commit_callbacks
):
    """A job's file is read as its requester; exports and reports hold no restricted item, for anyone."""
    from commitments.models import Job

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TRACKER_EXPORT_BACKGROUND_ROWS = -1  # every export goes to a job, even an empty one
    scene = build()
    checked = 0
    for role in ROLES:
        if role == "anonymous":
            continue
        client_for(client, scene, role)
        requests = [("get", reverse("commitments:list"), {"export": fmt}) for fmt in ("csv", "xlsx", "json")]
        requests += [("get", reverse("commitments:list"), {"export": "csv", "q": term}) for term in SEARCH_TERMS]
        requests += [
            (
                "post",
                reverse("commitments:reports"),
                {
                    "kind": "progress",
                    "scope": "all",
                    "date_from": "2000-01-01",
                    "date_to": "2030-12-31",
                    "group_by": "instrument",
                    "format": fmt,
                    "audience": "internal",
                    "background": "on",
                },
            )
            for fmt in ("csv", "xlsx")
        ]
        for method, url, data in requests:
            with django_capture_on_commit_callbacks(execute=True):
                response = getattr(client, method)(url, data)
            assert response.status_code == 302, (role, url, data)
            job = Job.objects.latest("pk")
            assert job.state == Job.State.DONE, job.error
            page = client.get(job.get_absolute_url())
            download = client.get(reverse("commitments:job_download", args=[job.pk]))
            assert download.status_code == 200
            assert leaks(page.content) == [] and leaks(body_of(download)) == [], (role, url, data)
            checked += 1
    assert not [m for message in mail.outbox for m in SECRET_MARKERS if m in message.subject + message.body]
    figures.add("outputs swept for restricted items (page × role)", checked)
