"""Restricted items never reach anyone not named on them, through any output.

The scene holds a restricted update (note), restricted evidence on it (a file) and a restricted
link on an ordinary update, each carrying a marker. Every page the access matrix knows, with
searches for the markers, the calendar feed and the reminder emails are swept for every role;
only the person named on the items may see the markers, and the test checks that they do.

Administrators are not named on the items either. Every URL of the admin, generated from its
URL configuration (changelists with searches, add and change forms, delete confirmations, the
history list and each stored version, the restricted items' pages, autocomplete, the site's own
pages), is swept for an administrator and a superuser, with a download log, a redaction and a
staged file of the restricted items in the scene; so is the import preview.
"""

import datetime
import io
import re
import zipfile
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from commitments import access, reminders
from commitments.choices import Sensitivity
from commitments.models import DownloadLog, StagedUpload, StatusUpdate
from commitments.services.history import status_update_note_redact, status_update_record, status_update_verify
from commitments.services.people import two_factor_reset
from tests import figures
from tests.factories import api_token, pdf_bytes
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


# --- The admin ------------------------------------------------------------------------------

ADMIN_IDENTITIES = ("administrator", "superuser")


def admin_scene():
    """The scene, plus what the admin lists about restricted items: their downloads, a redaction of
    one, a staged file of a refused restricted submission, a verification; and a superuser not named."""
    scene = build()
    scene.users["superuser"] = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    named = scene.users["named"]
    DownloadLog.objects.create(evidence=scene.restricted_evidence, user=named)
    DownloadLog.objects.create(evidence=scene.restricted_link_evidence, user=named)
    DownloadLog.objects.create(evidence=scene.evidence, user=scene.users["viewer"])
    # A second restricted update, redacted (by a reason that repeats its words, against the advice).
    redacted = status_update_record(
        commitment=scene.commitment,
        status="regressed",
        effective_on=datetime.date(2024, 3, 2),
        assessor=scene.dri,
        recorded_by=named,
        note=f"Second witness {SECRET_MARKERS[0]}",
        sensitivity=Sensitivity.RESTRICTED,
        restricted_to=[named],
    )
    status_update_note_redact(
        update=redacted, reason=f"Names a witness {SECRET_MARKERS[0]}", redacted_by=scene.users["administrator"]
    )
    staged = StagedUpload(
        user=named,
        original_filename=f"{SECRET_MARKERS[2]}.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    staged.file.save("upload", ContentFile(pdf_bytes("staged")), save=False)
    staged.save()
    status_update_verify(update=scene.restricted_update, reviewer=scene.users["reviewer"])
    two_factor_reset(person=scene.users["viewer"], actor=scene.users["superuser"])
    return scene


def _login(client, scene, identity):
    client.logout()
    client.force_login(scene.users[identity])


# Site-wide admin URLs and how to fill them; a new one without an entry here fails the sweep.
def _site_urls(name, scene):
    if name in ("index", "login", "password_change", "password_change_done", "jsi18n"):
        return [reverse(f"admin:{name}")]
    if name == "logout":
        return []  # a POST that signs out: nothing to read
    if name == "app_list":
        return [reverse("admin:app_list", args=[label]) for label in ("auth", "axes", "commitments", "otp_totp")]
    if name == "autocomplete":
        urls = []
        for model, model_admin in admin.site._registry.items():
            for field in model_admin.autocomplete_fields:
                for term in SEARCH_TERMS + ("",):
                    query = {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field,
                        "term": term,
                    }
                    urls.append(f"{reverse('admin:autocomplete')}?{urlencode(query)}")
        return urls
    if name == "view_on_site":
        urls = []
        for model in admin.site._registry:
            if hasattr(model, "get_absolute_url"):
                content_type = ContentType.objects.get_for_model(model)
                for pk in model._default_manager.values_list("pk", flat=True):
                    urls.append(reverse("admin:view_on_site", args=[content_type.pk, pk]))
        return urls
    raise AssertionError(f"the admin URL {name!r} has no way to be swept: add one to _site_urls")


def _arguments(model, model_admin, pattern):
    """Every set of arguments a model admin's URL takes in the scene."""
    count = pattern.pattern.regex.groups
    if count == 0:
        return [()]
    if pattern.name.endswith("_restricted_item"):
        return [(pk,) for pk in model_admin.restricted_queryset().values_list("pk", flat=True)]
    if count == 1:
        return [(pk,) for pk in model._default_manager.values_list("pk", flat=True)]
    if count == 2 and pattern.name.endswith("_simple_history"):
        return list(model.history.values_list("id", "history_id"))
    raise AssertionError(f"{pattern.name}: {count} arguments, no way to fill them")


def admin_model_urls(model):
    model_admin = admin.site._registry[model]
    urls = []
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue  # the unnamed "<id>/" redirects to the change page, swept as such
        for args in _arguments(model, model_admin, pattern):
            url = reverse(f"admin:{pattern.name}", args=args)
            urls.append(url)
            if pattern.name.endswith("_changelist"):
                urls += [f"{url}?{urlencode({'q': term})}" for term in SEARCH_TERMS]
    return urls


def _sweep(client, scene, urls):
    checked = 0
    for identity in ADMIN_IDENTITIES:
        _login(client, scene, identity)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (identity, url, response.status_code)
            assert not leaks(body_of(response)), (identity, url, leaks(body_of(response)))
            checked += 1
    return checked


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_no_admin_page_of_a_model_shows_a_restricted_item_to_an_administrator_not_named(client, model):
    scene = admin_scene()
    urls = admin_model_urls(model)
    assert urls
    figures.add("admin outputs swept for restricted items (URL × administrator)", _sweep(client, scene, urls))


def test_no_page_of_the_admin_site_shows_a_restricted_item_to_an_administrator_not_named(client):
    scene = admin_scene()
    names = [p.name for p in admin.site.get_urls() if isinstance(p, URLPattern) and p.name]
    urls = [url for name in names for url in _site_urls(name, scene)]
    figures.add("admin outputs swept for restricted items (URL × administrator)", _sweep(client, scene, urls))


def test_the_admin_sweep_covers_every_url_of_the_admin():
    """Every named URL of the admin site and of each registered model admin is generated above."""
    build()
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name:
            _site_urls(pattern.name, None) if pattern.name != "view_on_site" else None
    for model, model_admin in admin.site._registry.items():
        names = {p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name}
        for suffix in ("changelist", "add", "change", "delete", "history"):
            assert f"{model._meta.app_label}_{model._meta.model_name}_{suffix}" in names, (model, suffix)
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name:
                _arguments(model, model_admin, pattern)


def test_the_person_named_on_restricted_items_sees_them_in_the_admin(client):
    """The control of the admin sweep: named, an administrator reads the items' history versions."""
    scene = build()
    scene.users["named"].groups.add(Group.objects.get(name=access.ADMINISTRATOR))
    client.force_login(scene.users["named"])
    update = scene.restricted_update
    version = StatusUpdate.history.filter(id=update.pk).earliest("history_date")
    page = client.get(reverse("admin:commitments_statusupdate_simple_history", args=[update.pk, version.history_id]))
    assert SECRET_MARKERS[0].encode() in page.content


def _import_file(rows):
    return "\n".join(rows).encode() + b"\n"


DOCUMENT = "https://example.org/synthetic-report"


def test_the_import_preview_confirms_nothing_about_a_restricted_item(client):
    scene = build()
    restricted = scene.restricted_update
    status_rows = [
        "instrument,reference,status,effective_on,assessor,note,document",
        # The restricted update, word for word: the preview must not answer "unchanged". (The
        # superuser works for no organisation, so each row names the document it rests on.)
        f"ICCPR,P-1,{restricted.status},{restricted.effective_on.isoformat()},dri,{restricted.note},{DOCUMENT}",
        *[f"ICCPR,P-1,stalled,2024-03-01,dri,{term},{DOCUMENT}" for term in SEARCH_TERMS],
    ]
    commitment_rows = [
        "instrument,reference,title,jurisdiction",
        *[f"ICCPR,P-{n + 2},{term},punjab" for n, term in enumerate(SEARCH_TERMS)],
    ]
    checked = 0
    for identity in ADMIN_IDENTITIES[:1] + ("superuser",):
        if identity == "superuser":
            scene.users.setdefault("superuser", User.objects.create_superuser("root", "root@example.org", "x" * 12))
        _login(client, scene, identity)
        for kind, rows in (("status", status_rows), ("commitments", commitment_rows)):
            upload = SimpleUploadedFile("import.csv", _import_file(rows), content_type="text/csv")
            response = client.post(reverse("commitments:import"), {"kind": kind, "file": upload})
            body = body_of(response)
            assert response.status_code < 500, (identity, kind)
            # Only what the file itself says may come back (its notes are not shown in the preview).
            assert not leaks(body), (identity, kind, leaks(body))
            if kind == "status":
                actions = re.findall(rb'<tr class="action-([a-z]+)">', body)
                assert actions[0] == b"create", actions  # not "unchanged": nothing confirmed
            checked += 1
    figures.add("admin outputs swept for restricted items (URL × administrator)", checked)
