"""Every hostile input of tests/hostile/corpus.py through every form and query parameter:
no server error, no partial save, everything escaped where it is shown, every refusal explained.
Every integer parameter of the URL configuration and of the forms gets every integer shape."""

from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments.models import Commitment, StatusUpdate
from tests import figures
from tests.reliability_scene import PASSWORD, build, client_for
from tests.system.hostile.corpus import INTEGER_SHAPES, TEXT, as_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The scene makes seven accounts per test; hashing their passwords slowly tests nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post_raw(client, url, fields):
    """POST a form body as a browser would, with values that may be bytes that are not UTF-8."""
    return client.generic("POST", url, urlencode(fields), content_type="application/x-www-form-urlencoded")


def get_raw(client, url, params):
    return client.get(f"{url}?{urlencode(params)}")


def too_big_to_repeat(value, position):
    """The ten-megabyte value goes through the first field of each form only: the size limit
    applies to the whole request, so repeating it per field tests nothing new, slowly."""
    return position > 0 and len(value) > 1_000_000


def assert_handled(response, value, where):
    """No server error, the value escaped wherever it is shown, a refusal that says why."""
    assert response.status_code < 500, (where, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    shown = as_text(value)
    if "<" in shown and len(shown) < 100_000:
        assert shown not in text, (where, "shown unescaped")
    assert django_settings.SECRET_KEY not in text, where
    if response.status_code == 400:
        assert "errorlist" in text or "error-summary" in text or "refused" in text.lower(), (
            where,
            "a refusal without a reason",
            text[:300],
        )
    return text


def test_the_login_form_refuses_every_hostile_input_clearly_and_logs_nobody_in(client):
    scene = build()
    url = reverse("login")
    tried = 0
    for label, value in TEXT:
        for position, field in enumerate(("username", "password", "next")):
            if too_big_to_repeat(value, position):
                continue
            fields = {"username": "viewer", "password": "wrong password", "next": "/"}
            fields[field] = value
            response = post_raw(client, url, fields)
            assert_handled(response, value, (label, field))
            assert response.status_code in (200, 400), (label, field)
            assert "_auth_user_id" not in client.session
            tried += 1
        # The right password with a hostile `next`: logged in, and never sent to another site.
        response = post_raw(client, url, {"username": "viewer", "password": PASSWORD, "next": value})
        assert response.status_code in (302, 400), label
        if response.status_code == 302:
            location = urlsplit(response["Location"])
            assert not location.scheme and not location.netloc, (label, response["Location"])
        client.logout()
        tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)
    assert scene.users["viewer"].is_active


RECOMMENDATION_FIELDS = (
    "reference",
    "title",
    "description",
    "recommendation_ref",
    "articles",
    "recommendation_response",
    "jurisdiction",
    "due_on",
)


def test_the_add_a_recommendation_form_saves_a_whole_record_or_nothing_for_every_hostile_input(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
    tried = 0
    for number, (label, value) in enumerate(TEXT):
        for position, field in enumerate(RECOMMENDATION_FIELDS):
            if too_big_to_repeat(value, position):
                continue
            fields = {
                "reference": f"R-{number}-{field}",
                "title": "A recommendation",
                "description": "",
                "recommendation_ref": "",
                "articles": "",
                "recommendation_response": "",
                "jurisdiction": scene.punjab.pk,
                "due_on": "",
            }
            fields[field] = value
            before = Commitment.objects.count()
            response = post_raw(client, url, fields)
            assert_handled(response, value, (label, field))
            saved = Commitment.objects.count() - before
            if response.status_code == 302:
                assert saved == 1, (label, field)
                created = Commitment.objects.order_by("-pk").first()
                if field in ("title", "description", "articles", "recommendation_ref"):
                    assert getattr(created, field) == as_text(value).strip(), (label, field)
            else:
                assert response.status_code == 400 and saved == 0, (label, field, response.status_code)
            tried += 1

    # Everything saved is escaped wherever it is shown.
    for page in (
        reverse("commitments:review", args=[scene.review.pk]),
        reverse("commitments:list"),
        reverse("commitments:calendar"),
        *[c.get_absolute_url() for c in Commitment.objects.filter(review=scene.review)],
    ):
        text = client.get(page).content.decode()
        for label, value in TEXT:
            shown = as_text(value)
            if "<" in shown:
                assert shown not in text, (page, label)
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


def test_a_recommendation_for_another_provinces_jurisdiction_is_refused(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
    before = Commitment.objects.count()
    response = post_raw(client, url, {"reference": "R-X", "title": "Tampered", "jurisdiction": scene.sindh.pk})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Commitment.objects.count() == before


def test_my_settings_refuses_every_hostile_action(client):
    scene = build()
    client_for(client, scene, "viewer")
    url = reverse("commitments:my_settings")
    tried = 0
    for label, value in TEXT:
        for fields in ({"action": value}, {"action": "reminders", "reminders_enabled": value}):
            response = post_raw(client, url, fields)
            assert response.status_code in (302, 400), (label, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


QUERY_PAGES = {
    "commitments:dashboard": ("q", "status", "jurisdiction", "page"),
    "commitments:list": (
        "q",
        "status",
        "jurisdiction",
        "instrument",
        "theme",
        "page",
        "sort",
        "as_of",
        "due",
        "mechanism",
        "sdg",
        "sdg_goal",
        "affected",
        "grade",
        "position",
        "priority",
        "cluster",
    ),
    "commitments:calendar": ("jurisdiction", "instrument", "theme", "kind", "what", "when"),
    "public:list": ("q", "instrument", "jurisdiction", "theme", "status", "page", "preview"),
}


@pytest.mark.parametrize("name", sorted(QUERY_PAGES))
def test_every_query_parameter_of_a_list_page_survives_every_hostile_input(client, name):
    scene = build()
    client_for(client, scene, "viewer")
    url = reverse(name)
    tried = 0
    for label, value in TEXT:
        for position, parameter in enumerate(QUERY_PAGES[name]):
            if too_big_to_repeat(value, position):
                continue
            response = get_raw(client, url, {parameter: value})
            assert_handled(response, value, (label, parameter))
            assert response.status_code in (200, 400, 404), (label, parameter, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)


def test_hostile_text_in_an_address_answers_404_never_an_error(client):
    scene = build()
    client_for(client, scene, "viewer")
    tried = 0
    for label, value in TEXT:
        if len(as_text(value)) > 5000:
            continue
        raw = value if isinstance(value, bytes) else value.encode()
        segment = quote(raw, safe="")
        for prefix in ("/instruments/", "/calendar/feed/", "/commitments/", "/evidence/", "/reviews/"):
            response = client.get(f"{prefix}{segment}/")
            assert response.status_code in (301, 302, 404), (label, prefix, response.status_code)
            tried += 1
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)
    assert scene.instrument.code


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    fields=st.fixed_dictionaries(
        {
            name: st.one_of(st.text(max_size=400), st.sampled_from(["", "punjab", "2024-01-01", "1", "supported"]))
            for name in RECOMMENDATION_FIELDS
        }
    )
)
def test_any_text_in_the_add_a_recommendation_form_saves_a_whole_valid_record_or_nothing(client, fields):
    from django.db import transaction

    with transaction.atomic():
        scene = build()
        client_for(client, scene, "editor")
        url = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
        before = Commitment.objects.count()
        response = client.post(url, fields)
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            created = Commitment.objects.order_by("-pk").first()
            assert Commitment.objects.count() == before + 1
            created.full_clean(exclude=["sources", "themes"])
            assert created.title == fields["title"].strip()
        else:
            assert Commitment.objects.count() == before
            assert "errorlist" in response.content.decode()
        transaction.set_rollback(True)


# --- Integers: every integer parameter of the URL configuration and of the forms --------------


def _int_patterns(patterns=None, prefix=""):
    """(namespaced name, route) of every URL with an integer converter, walking includes."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.urls.converters import IntConverter

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _int_patterns(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if any(isinstance(c, IntConverter) for c in converters.values()):
                yield f"{prefix}{entry.name}", converters


def test_every_integer_in_an_address_answers_404_for_every_shape(client):
    """Each URL with an <int:…> part, the part replaced by each shape (digits the resolver takes,
    anything else it does not): 404, never 500."""
    scene = build()
    client_for(client, scene, "administrator")
    tried = 0
    patterns = list(_int_patterns())
    assert {"commitments:detail", "commitments:record_update", "commitments:evidence_download"} <= {
        name for name, _c in patterns
    }
    for name, converters in patterns:
        marker = {key: 7654321 for key in converters}
        base = reverse(name, kwargs=marker)
        for label, value in INTEGER_SHAPES:
            url = base.replace("7654321", quote(value, safe=""))
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in (404, 405), (name, label, method, response.status_code)
                tried += 1
    figures.add("integer shapes sent to integer parameters, zero failures", tried)


# Query parameters that take an integer, per page; `strict` ones must refuse a shape they cannot read.
INTEGER_QUERY_PARAMETERS = {
    "commitments:list": {"per_page": True, "contributes_to": True, "page": False},
    "commitments:instrument": {"per_page": True, "page": False},
    "commitments:record_update": {"rows": True},
    "commitments:dashboard": {"page": False},
}


def test_every_integer_query_parameter_refuses_every_shape_clearly(client):
    scene = build()
    client_for(client, scene, "administrator")
    tried = 0
    for name, parameters in INTEGER_QUERY_PARAMETERS.items():
        kwargs = {"code": scene.instrument.code} if name == "commitments:instrument" else None
        if name == "commitments:record_update":
            kwargs = {"pk": scene.commitment.pk}
        url = reverse(name, kwargs=kwargs)
        for parameter, strict in parameters.items():
            for label, value in INTEGER_SHAPES:
                response = client.get(f"{url}?{urlencode({parameter: value})}")
                text = assert_handled(response, value, (name, parameter, label))
                allowed = (400, 404) if strict else (200, 400, 404)
                if strict and (is_a_number(value) or (value == "" and parameter != "rows")):
                    allowed = (200, 400, 404)  # read as the number it is; an empty filter is no filter
                assert response.status_code in allowed, (name, parameter, label, response.status_code)
                if response.status_code == 400:
                    assert parameter in text or "Contributes to" in text, (name, parameter, label)
                tried += 1
    figures.add("integer shapes sent to integer parameters, zero failures", tried)


def is_a_number(value):
    """Decimal digits a person may type (Urdu digits too, which Python reads as numbers), of a sane length."""
    text = value.strip()
    return text.isdecimal() and len(text) <= 18


def _integer_fields(form):
    from django import forms

    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, (forms.ModelChoiceField, forms.IntegerField)) and not field.disabled
    ]


def test_every_integer_field_of_the_record_form_refuses_every_shape_and_saves_nothing(client):
    from commitments.forms import EvidenceFormSet, StatusUpdateForm, submission_key_issue

    scene = build()
    client_for(client, scene, "editor")
    editor = scene.users["editor"]
    url = reverse("commitments:record_update", args=[scene.commitment.pk])
    form = StatusUpdateForm(user=editor, commitment=scene.commitment)
    fields = _integer_fields(form)
    optional = {name for name in fields if not form.fields[name].required}
    management = [f"evidence-{name}" for name in _integer_fields(EvidenceFormSet(prefix="evidence").management_form)]
    assert {"assessor", "restricted_to"} <= set(fields) and "evidence-TOTAL_FORMS" in management
    before = StatusUpdate.objects.count()
    tried = 0
    for name in fields + management:
        for label, value in INTEGER_SHAPES:
            data = {
                "status": "in_progress",
                "effective_on": "2024-05-01",
                "assessor": scene.dri.pk,
                "note": "A note",
                "sensitivity": "restricted",
                "restricted_to": editor.pk,
                "submission_key": submission_key_issue(editor),
                "evidence-TOTAL_FORMS": "1",
                "evidence-INITIAL_FORMS": "0",
                "evidence-MIN_NUM_FORMS": "0",
                "evidence-MAX_NUM_FORMS": "20",
            }
            data[name] = value
            response = post_raw(client, url, data)
            assert_handled(response, value, (name, label))
            if response.status_code == 302:  # a shape read as the number it is ("0" rows of evidence, say)
                # ...or an optional field left empty (the document behind a claim, say).
                empty_optional = name in optional and not str(value).strip()
                assert name.startswith("evidence-") or is_a_number(value) or empty_optional, (name, label)
            else:
                assert response.status_code == 400, (name, label, response.status_code)
            tried += 1
    assert StatusUpdate.objects.count() - before <= len(INTEGER_SHAPES) * len(management)
    figures.add("integer shapes sent to integer parameters, zero failures", tried)


def test_every_integer_field_of_the_recommendation_and_report_forms_refuses_every_shape(client):
    from commitments.forms import RecommendationForm, ReportForm

    scene = build()
    client_for(client, scene, "editor")
    tried = 0
    add = reverse("commitments:review_recommendation_add", args=[scene.review.pk])
    for name in _integer_fields(RecommendationForm(user=scene.users["editor"], review=scene.review)):
        for label, value in INTEGER_SHAPES:
            before = Commitment.objects.count()
            data = {"reference": f"R-{label}", "title": "A recommendation", "jurisdiction": scene.punjab.pk}
            data[name] = value
            response = post_raw(client, add, data)
            assert_handled(response, value, (name, label))
            assert response.status_code in ((302, 400) if is_a_number(value) else (400,)), (name, label)
            assert Commitment.objects.count() == before + (response.status_code == 302), (name, label)
            tried += 1
    reports = reverse("commitments:reports")
    for name in _integer_fields(ReportForm(user=scene.users["editor"])):
        for label, value in INTEGER_SHAPES:
            data = {"kind": "since_run", "scope": "all", "format": "html", "group_by": "instrument", name: value}
            response = post_raw(client, reports, data)
            assert_handled(response, value, (name, label))
            assert response.status_code == 400 or is_a_number(value), (name, label, response.status_code)
            tried += 1
    figures.add("integer shapes sent to integer parameters, zero failures", tried)


def test_every_integer_field_of_every_admin_form_refuses_every_shape_and_saves_nothing(client):
    """Each add form of the admin, each of its integer fields (foreign keys, many-to-many, numbers) given
    each shape: the form comes back with its errors (or the add is not allowed), never a server error."""
    from django.contrib import admin
    from django.test import RequestFactory

    scene = build()
    administrator = scene.users["administrator"]
    client_for(client, scene, "administrator")
    request = RequestFactory().get("/")
    request.user = administrator
    tried = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        form = model_admin.get_form(request)()
        names = _integer_fields(form)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        before = model._default_manager.count()
        for name in names:
            for label, value in INTEGER_SHAPES:
                response = post_raw(client, url, {name: value})
                assert response.status_code in (200, 400, 403), (model, name, label, response.status_code)
                tried += 1
        assert model._default_manager.count() == before, model
    # The autocomplete behind those fields, and its page number.
    for label, value in INTEGER_SHAPES:
        query = {
            "app_label": "commitments",
            "model_name": "commitment",
            "field_name": "instrument",
            "term": value,
            "page": value,
        }
        response = client.get(f"{reverse('admin:autocomplete')}?{urlencode(query)}")
        assert response.status_code in (200, 404), (label, response.status_code)
        tried += 1
    figures.add("integer shapes sent to integer parameters, zero failures", tried)


def test_no_stored_value_breaks_a_page(client):
    """Values stored before the model refused them: a code with "/" and URL characters, a deadline on
    the last day a date can hold and one on the first. Every page, export and feed still answers."""
    import datetime

    from commitments.models import Instrument
    from tests.factories import CommitmentFactory, InstrumentFactory
    from tests.system.test_access_matrix import RULES

    scene = build()
    slashed = InstrumentFactory(code="placeholder", jurisdiction=scene.punjab)
    Instrument.objects.filter(pk=slashed.pk).update(
        code="ILO/C29 ?#%", next_report_due_on=datetime.date.max, next_report_due_source="x", published=True
    )
    for reference, due in (("FAR", datetime.date.max), ("NEAR", datetime.date.min)):
        commitment = CommitmentFactory(instrument=scene.instrument, jurisdiction=scene.punjab, reference=reference)
        Commitment.objects.filter(pk=commitment.pk).update(due_on=due, published=True)
    Instrument.objects.filter(pk=scene.instrument.pk).update(published=True)
    CommitmentFactory(instrument_id=slashed.pk, jurisdiction=scene.punjab, reference="SLASH", due_on=None)
    slashed.refresh_from_db()
    pages = [
        reverse(name, kwargs=kwargs_of(scene) if kwargs_of else None)
        for name, (kwargs_of, checks) in RULES.items()
        if "/" not in name and any(method == "get" for method, _d, _e in checks)
    ]
    pages += [
        slashed.get_absolute_url(),
        f"{reverse('commitments:list')}?export=csv",
        f"{reverse('commitments:list')}?export=xlsx",
        f"{reverse('commitments:list')}?export=json",
        f"{reverse('commitments:list')}?instrument=ILO/C29",
        reverse("admin:commitments_commitment_changelist"),
        reverse("admin:commitments_instrument_changelist"),
        reverse("admin:commitments_instrument_change", args=[slashed.pk]),
        # The public portal, with the odd values published.
        reverse("public:instrument", args=[slashed.code]),
        reverse("public:detail", args=[commitment.pk]),
        f"{reverse('public:list')}?instrument=ILO/C29",
    ]
    tried = 0
    for role in ("viewer", "administrator"):
        client_for(client, scene, role)
        for url in pages:
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            tried += 1
    assert client.get(slashed.get_absolute_url()).status_code == 200
    feed = client.get(reverse("commitments:calendar_feed", args=[scene.calendar_token]))
    assert feed.status_code == 200 and b"FAR" in feed.content
    figures.add("hostile inputs sent through forms and parameters, zero failures", tried)
