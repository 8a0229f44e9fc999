"""Who may open what: every URL the app has, for every role, generated from the URL configuration.

A URL added without a rule here fails `test_every_url_in_the_configuration_has_a_rule`.
Roles (see reliability_scene): anonymous; viewer, editor, reviewer of Punjab; administrator;
an outsider who works in Sindh only; and the one person named on Punjab's restricted items.
Records in the URLs are Punjab's: the outsider must get 404, never the data.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories, figures
from tests.reliability_scene import ROLES, build, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The scene makes seven accounts per test; hashing their passwords slowly tests nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


STAFF = ("viewer", "editor", "reviewer", "administrator", "outsider", "named")


def every(code, anonymous=302):
    """Logged-in people get `code`; anonymous visitors are sent to log in."""
    return {"anonymous": anonymous, **{role: code for role in STAFF}}


def punjab_record(code=200):
    """A Punjab record: its readers get `code`, the Sindh outsider 404, anonymous visitors log in."""
    return {**every(code), "outsider": 404}


def editors_job(scene):
    """A finished export the Punjab editor asked for: nobody else sees it, administrators included."""
    return {"pk": factories.JobFactory(requested_by=scene.users["editor"]).pk}


def only_the_requester(code=200):
    return {**every(404), "editor": code}


def gsp_issue(scene):
    """A scorecard issue on the scene's convention (federal: no editor of the scene may manage it)."""
    from tests.factories import GSPRequirementFactory, ScorecardIssueFactory

    GSPRequirementFactory(instrument=scene.instrument)
    return {"pk": ScorecardIssueFactory(convention=scene.instrument).pk}


def gsp_cycle(scene):
    from tests.factories import GSPCycleFactory

    return {"pk": GSPCycleFactory().pk}


def administrators_only(code):
    return {**every(403), "administrator": code}


def api_every(code):
    """The API: signed-in people (session or token) get `code`; anonymous callers 401, never a redirect."""
    return {"anonymous": 401, **{role: code for role in STAFF}}


def api_punjab_record(code=200):
    """A Punjab record through the API: its readers get `code`, the Sindh outsider 404."""
    return {**api_every(code), "outsider": 404}


def api_writable(code_for_writers=400):
    """Recording on a Punjab commitment: writers get `code_for_writers` (400 for an empty body), readers 403."""
    return {**api_punjab_record(403), "editor": code_for_writers, "named": code_for_writers, "administrator": 400}


def api_verifiable():
    """Verifying the editor's Punjab entry: reviewers and administrators; never its author."""
    return {**api_punjab_record(403), "reviewer": 200, "administrator": 200}


API_RULES = {
    "api:root": (None, [("get", None, api_every(200))]),
    "api:me": (None, [("get", None, api_every(200))]),
    "api:jurisdiction_list": (None, [("get", None, api_every(200))]),
    "api:organisation_list": (None, [("get", None, api_every(200))]),
    "api:theme_list": (None, [("get", None, api_every(200))]),
    "api:instrument_list": (None, [("get", None, api_every(200))]),
    "api:instrument_detail": (lambda s: {"code": s.instrument.code}, [("get", None, api_every(200))]),
    "api:review_list": (None, [("get", None, api_every(200))]),
    "api:review_detail": (lambda s: {"pk": s.review.pk}, [("get", None, api_every(200))]),
    "api:review_recommendations": (lambda s: {"pk": s.review.pk}, [("get", None, api_every(200))]),
    "api:commitment_list": (None, [("get", None, api_every(200))]),
    "api:commitment_detail": (lambda s: {"pk": s.commitment.pk}, [("get", None, api_punjab_record())]),
    "api:commitment_updates": (
        lambda s: {"pk": s.commitment.pk},
        [("get", None, api_punjab_record()), ("post", {}, api_writable())],
    ),
    "api:commitment_views": (lambda s: {"pk": s.commitment.pk}, [("get", None, api_punjab_record())]),
    "api:commitment_evidence": (lambda s: {"pk": s.commitment.pk}, [("get", None, api_punjab_record())]),
    "api:update_list": (None, [("get", None, api_every(200))]),
    "api:update_detail": (lambda s: {"pk": s.update.pk}, [("get", None, api_punjab_record())]),
    # Correcting: the entry's author (the editor), reviewers and administrators of Punjab.
    "api:update_corrections": (
        lambda s: {"pk": s.update.pk},
        [
            ("get", None, api_every(405)),
            ("post", {}, {**api_punjab_record(403), "editor": 400, "reviewer": 400, "administrator": 400}),
        ],
    ),
    "api:update_verify": (
        lambda s: {"pk": s.update.pk},
        [("get", None, api_every(405)), ("post", {}, api_verifiable())],
    ),
    "api:evidence_detail": (lambda s: {"pk": s.evidence.pk}, [("get", None, api_punjab_record())]),
    "api:evidence_file": (lambda s: {"pk": s.evidence.pk}, [("get", None, api_punjab_record())]),
    "api:evidence_verify": (
        lambda s: {"pk": s.evidence.pk},
        [("get", None, api_every(405)), ("post", {}, api_verifiable())],
    ),
    "api:deadline_list": (None, [("get", None, api_every(200))]),
    "api:schema": (None, [("get", None, api_every(200))]),
    # Pages about the API: its documentation is a page like any other (sign in first) ...
    "api:docs": (None, [("get", None, every(200))]),
    # ... and what an error's type means is open to anyone, like an error page: it holds no record.
    "api:problem_type": (lambda s: {"slug": "validation-error"}, [("get", None, every(200, anonymous=200))]),
}


def public(code=200):
    """A public portal page: the same answer for everyone, signed in or not."""
    return every(code, anonymous=code)


def submission(scene):
    """A submission on the scene's Punjab commitment (which a reviewer of Punjab moderates)."""
    from commitments.models import Submission

    return {"pk": Submission.objects.create(commitment=scene.commitment, statement="Synthetic statement").pk}


def submission_file(scene):
    from django.core.files.base import ContentFile

    from commitments.models import Submission, SubmissionFile

    kept = SubmissionFile(
        submission=Submission.objects.create(commitment=scene.commitment, statement="Synthetic statement"),
        original_filename="synthetic.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
    )
    kept.file.save("upload", ContentFile(b"pdf"), save=True)
    return {"pk": kept.pk}


def moderators(code=200):
    """Reviewers of Punjab and administrators moderate; other staff are refused; anonymous visitors log in."""
    return {**every(403), "reviewer": code, "administrator": code}


PUBLIC_RULES = {
    "public:dashboard": (None, [("get", None, public())]),
    "public:list": (None, [("get", None, public())]),
    # The scene's records are not published: the portal knows nothing of them, whoever asks.
    "public:detail": (lambda s: {"pk": s.commitment.pk}, [("get", None, public(404))]),
    "public:submit": (lambda s: {"pk": s.commitment.pk}, [("get", None, public(404)), ("post", {}, public(404))]),
    "public:submitted": (lambda s: {"pk": s.commitment.pk}, [("get", None, public(404))]),
    "public:evidence_download": (lambda s: {"pk": s.evidence.pk}, [("get", None, public(404))]),
    "public:instrument": (lambda s: {"code": s.instrument.code}, [("get", None, public(404))]),
    "public:gsp": (None, [("get", None, public())]),
    "public:open_data_csv": (None, [("get", None, public())]),
    "public:open_data_json": (None, [("get", None, public())]),
    "public:feed": (None, [("get", None, public())]),
    "moderation:queue": (None, [("get", None, moderators())]),
    "moderation:decide": (
        submission,
        [("get", None, {**moderators(), "outsider": 403}), ("post", {}, {**moderators(400), "outsider": 403})],
    ),
    "moderation:file": (submission_file, [("get", None, moderators())]),
}

# {url name: (kwargs from the scene, [(method, data, {role: status})])}
RULES = {
    **PUBLIC_RULES,
    **API_RULES,
    "login": (None, [("get", None, {**every(302), "anonymous": 200})]),
    "logout": (None, [("get", None, every(405, anonymous=405)), ("post", {}, every(302, anonymous=302))]),
    # The language switcher: anyone, signed in or not, back to the page they were on.
    "set_language": (
        None,
        [
            ("get", None, every(405, anonymous=405)),
            ("post", {"language": "ur", "next": "/"}, every(302, anonymous=302)),
        ],
    ),
    "commitments:dashboard": (None, [("get", None, every(200))]),
    "commitments:list": (None, [("get", None, every(200))]),
    "commitments:detail": (lambda s: {"pk": s.commitment.pk}, [("get", None, punjab_record())]),
    "commitments:instrument": (lambda s: {"code": s.instrument.code}, [("get", None, every(200))]),
    "commitments:evidence_download": (
        lambda s: {"pk": s.evidence.pk},
        [("get", None, punjab_record())],
    ),
    "commitments:calendar": (None, [("get", None, every(200))]),
    # The feed's token stands in for a session: it answers whoever holds it, and only it.
    "commitments:calendar_feed": (
        lambda s: {"token": s.calendar_token},
        [("get", None, {**every(200), "anonymous": 200})],
    ),
    "commitments:review": (lambda s: {"pk": s.review.pk}, [("get", None, every(200))]),
    # Editors and administrators may add a recommendation (an empty form is refused with 400).
    "commitments:review_recommendation_add": (
        lambda s: {"pk": s.review.pk},
        [
            ("get", None, every(405)),
            ("post", {}, {**every(403), "editor": 400, "named": 400, "outsider": 400, "administrator": 400}),
        ],
    ),
    "commitments:my_settings": (None, [("get", None, every(200))]),
    # Recommendations: editors (of any jurisdiction) and administrators add them.
    "commitments:recommendation_add": (
        None,
        [
            ("get", None, {**every(403), "editor": 200, "named": 200, "outsider": 200, "administrator": 200}),
            ("post", {}, {**every(403), "editor": 400, "named": 400, "outsider": 400, "administrator": 400}),
        ],
    ),
    # Similar recommendations: the commitment's readers; grouping (a POST) is for its writers.
    "commitments:recommendation_similar": (
        lambda s: {"pk": s.commitment.pk},
        [
            ("get", None, punjab_record()),
            ("post", {}, {**punjab_record(403), "editor": 400, "named": 400, "administrator": 400}),
        ],
    ),
    "commitments:recommendation_cluster_leave": (
        lambda s: {"pk": s.commitment.pk},
        [
            ("get", None, every(405)),
            ("post", {}, {**punjab_record(403), "editor": 302, "named": 302, "administrator": 302}),
        ],
    ),
    "commitments:follow_up_reply": (
        lambda s: {"pk": s.commitment.pk},
        [
            ("get", None, every(405)),
            ("post", {}, {**punjab_record(403), "editor": 302, "named": 302, "administrator": 302}),
        ],
    ),
    "commitments:follow_up_assessment": (
        lambda s: {"pk": s.commitment.pk},
        [
            ("get", None, every(405)),
            ("post", {}, {**punjab_record(403), "editor": 302, "named": 302, "administrator": 302}),
        ],
    ),
    # Marking a review's priority recommendations: those who may add recommendations.
    "commitments:review_follow_up": (
        lambda s: {"pk": s.review.pk},
        [
            ("get", None, every(405)),
            ("post", {}, {**every(403), "editor": 302, "named": 302, "outsider": 302, "administrator": 302}),
        ],
    ),
    # The benchmark's yardstick: a username, to anyone logged in.
    "commitments:whoami": (None, [("get", None, every(200))]),
    # The admin's own login page would skip the second factor: it sends everyone to the one login.
    "admin/login/": (None, [("get", None, every(302, anonymous=302))]),
    "two_factor_verify": (None, [("get", None, every(200))]),
    "two_factor_setup": (None, [("get", None, every(200))]),
    # The QR code exists only while a second factor is being set up.
    "two_factor_qr": (None, [("get", None, every(404))]),
    # Data entry: readers who may not write get 403, the outsider 404, writers the form (400 when empty).
    "commitments:record_update": (
        lambda s: {"pk": s.commitment.pk},
        [
            ("get", None, {**punjab_record(403), "editor": 200, "named": 200, "administrator": 200}),
            ("post", {}, {**punjab_record(403), "editor": 400, "named": 400, "administrator": 400}),
        ],
    ),
    # Correcting: the author (the editor recorded this update), reviewers and administrators; not another
    # Punjab editor (named), who may write there but did not record it. An empty form answers 400.
    "commitments:correct_update": (
        lambda s: {"pk": s.update.pk},
        [
            ("get", None, {**punjab_record(403), "editor": 200, "reviewer": 200, "administrator": 200}),
            ("post", {}, {**punjab_record(403), "editor": 400, "reviewer": 400, "administrator": 400}),
        ],
    ),
    # Verifying: reviewers and administrators, never the author (the editor recorded this update).
    "commitments:update_verify": (
        lambda s: {"pk": s.update.pk},
        [("get", None, every(405)), ("post", {}, {**punjab_record(403), "reviewer": 302, "administrator": 302})],
    ),
    "commitments:evidence_verify": (
        lambda s: {"pk": s.evidence.pk},
        [("get", None, every(405)), ("post", {}, {**punjab_record(403), "reviewer": 302, "administrator": 302})],
    ),
    # Redacting: administrators only (an empty reason shows the form again).
    "commitments:update_redact": (
        lambda s: {"pk": s.update.pk},
        [
            ("get", None, {**punjab_record(403), "administrator": 200}),
            ("post", {}, {**punjab_record(403), "administrator": 200}),
        ],
    ),
    "commitments:evidence_redact": (
        lambda s: {"pk": s.evidence.pk},
        [
            ("get", None, {**punjab_record(403), "administrator": 200}),
            ("post", {}, {**punjab_record(403), "administrator": 200}),
        ],
    ),
    # Imports: administrators only.
    "commitments:import": (
        None,
        [("get", None, {**every(403), "administrator": 200}), ("post", {}, {**every(403), "administrator": 400})],
    ),
    "commitments:import_confirm": (
        None,
        [("get", None, {**every(403), "administrator": 302}), ("post", {}, {**every(403), "administrator": 404})],
    ),
    "commitments:import_template": (lambda s: {"fmt": "csv"}, [("get", None, {**every(403), "administrator": 200})]),
    "commitments:reports": (None, [("get", None, every(200))]),
    # GSP+: everyone reads; scorecard issues are managed by administrators and the convention's editors.
    "commitments:gsp": (None, [("get", None, every(200))]),
    "commitments:gsp_cycle": (gsp_cycle, [("get", None, every(200))]),
    "commitments:gsp_issue": (gsp_issue, [("get", None, every(200))]),
    "commitments:gsp_issue_add": (
        None,
        [("get", None, administrators_only(200)), ("post", {}, administrators_only(400))],
    ),
    "commitments:gsp_issue_update": (
        gsp_issue,
        [("get", None, every(405)), ("post", {}, administrators_only(400))],
    ),
    "commitments:gsp_issue_link": (
        gsp_issue,
        [("get", None, every(405)), ("post", {}, administrators_only(400))],
    ),
    "commitments:gsp_issue_source_add": (
        gsp_issue,
        [("get", None, every(405)), ("post", {}, administrators_only(400))],
    ),
    "commitments:report_runs": (None, [("get", None, every(200))]),
    # Background jobs: a job and its file are its requester's alone.
    "commitments:jobs": (None, [("get", None, every(200))]),
    "commitments:job": (editors_job, [("get", None, only_the_requester()), ("post", {}, every(405))]),
    "commitments:job_download": (editors_job, [("get", None, only_the_requester())]),
    # The health check is for the load balancer: open, and it says nothing about records.
    "commitments:healthz": (None, [("get", None, every(200, anonymous=200))]),
}

# One rule for the whole Django admin: only administrators get in; everyone else is sent to its login.
ADMIN_NAMESPACE = "admin"


def configured_urls(patterns=None, namespace=""):
    """(name, pattern) for every URL in the configuration, walking includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from configured_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            # Unnamed URLs outside the admin are reported; the admin's own (redirects) fall under its rule.
            if entry.name or not namespace.startswith(ADMIN_NAMESPACE + ":"):
                yield (f"{namespace}{entry.name}" if entry.name else None, str(entry.pattern))


def app_url_names():
    """URL names outside the admin; an unnamed URL is known by its pattern."""
    return sorted(
        {name or pattern for name, pattern in configured_urls() if not (name or "").startswith(ADMIN_NAMESPACE + ":")}
    )


def test_every_url_in_the_configuration_has_a_rule():
    missing = [name for name in app_url_names() if name not in RULES]
    assert not missing, f"URLs with no rule in the access matrix (add one to RULES): {missing}"
    stale = [name for name in RULES if name not in app_url_names()]
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("name", app_url_names())
def test_each_role_gets_what_the_matrix_says(client, name):
    if name not in RULES:
        pytest.fail(f"{name} has no rule in the access matrix")
    scene = build()
    kwargs_of, checks = RULES[name]
    url = "/" + name if "/" in name else reverse(name, kwargs=kwargs_of(scene) if kwargs_of else None)
    got, expected = {}, {}
    for method, data, expectation in checks:
        for role in ROLES:
            client_for(client, scene, role)
            response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
            got[(method, role)] = response.status_code
            expected[(method, role)] = expectation[role]
            if role == "anonymous" and response.status_code == 302 and expectation[role] == 302:
                assert response["Location"].startswith(reverse("login")) or name in (
                    "login",
                    "logout",
                    "healthz",
                    "set_language",
                )
    assert got == expected
    figures.add("URL × role pairs checked", len(got))


def admin_urls_without_arguments():
    return sorted(
        name
        for name, pattern in configured_urls()
        if name and name.startswith(ADMIN_NAMESPACE + ":") and "<" not in pattern and "(" not in pattern
    )


def test_only_administrators_get_into_any_page_of_the_admin(client):
    scene = build()
    # Its login page is open to all, by design; logging out needs a POST.
    names = [n for n in admin_urls_without_arguments() if n not in ("admin:login", "admin:logout")]
    assert "admin:commitments_commitment_changelist" in names
    checked = 0
    for name in names:
        url = reverse(name)
        for role in ROLES:
            client_for(client, scene, role)
            response = client.get(url)
            if role == "administrator":
                # In; what each model page allows is the admin's own permission business.
                assert response.status_code in (200, 302, 403), (name, response.status_code)
            else:
                assert response.status_code == 302, (name, role, response.status_code)
                assert response["Location"].startswith(reverse("admin:login")), (name, role)
            checked += 1
    # The change page of a record, for the first record of each kind registered in the admin.
    for model in admin.site._registry:
        record = model._default_manager.order_by("pk").first()
        if record is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
        for role in ROLES:
            client_for(client, scene, role)
            response = client.get(url)
            if role == "administrator":
                assert response.status_code in (200, 403), (url, role)
            else:
                assert response.status_code == 302, (url, role)
            checked += 1
    figures.add("URL × role pairs checked", checked)


def test_guessing_the_id_of_another_provinces_record_answers_404_and_shows_nothing(client):
    scene = build()
    client_for(client, scene, "outsider")
    for url in (
        reverse("commitments:detail", args=[scene.commitment.pk]),
        reverse("commitments:evidence_download", args=[scene.evidence.pk]),
        reverse("commitments:evidence_download", args=[scene.restricted_evidence.pk]),
        reverse("commitments:detail", args=[10**9]),
        reverse("commitments:evidence_download", args=[10**9]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Punjab commitment" not in response.content
        assert b"Cabinet minutes" not in response.content
    # The same ids work for the people who may read them: the 404 is about the person, not the id.
    client_for(client, scene, "viewer")
    assert client.get(reverse("commitments:detail", args=[scene.commitment.pk])).status_code == 200
    assert client.get(reverse("commitments:evidence_download", args=[scene.evidence.pk])).status_code == 200
    # A restricted file: 404 to a reader of the province not named on it, the file to the one named.
    assert client.get(reverse("commitments:evidence_download", args=[scene.restricted_evidence.pk])).status_code == 404
    client_for(client, scene, "named")
    assert client.get(reverse("commitments:evidence_download", args=[scene.restricted_evidence.pk])).status_code == 200


# What answers an anonymous visitor with content: the public portal, and pages that hold no record.
OPEN_TO_ANONYMOUS = {"login", "commitments:healthz", "commitments:calendar_feed", "api:problem_type"}


def test_no_staff_url_answers_an_anonymous_visitor_with_anything_but_the_login_page():
    for name, (_kwargs, checks) in RULES.items():
        if name.startswith("public:") or name in OPEN_TO_ANONYMOUS:
            continue
        for _method, _data, expectation in checks:
            # Redirected to log in (the matrix checks the Location), or refused as the API does.
            assert expectation["anonymous"] in (302, 401, 405), (name, expectation["anonymous"])
    public_names = {name for name in app_url_names() if name.startswith("public:")}
    assert public_names and public_names <= set(RULES)
