"""The admin for administrators: filters and search work, history is append-only, actions save work."""

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.urls import reverse

from commitments.models import Commitment, StatusUpdate
from commitments.services.history import EvidenceItem, status_update_record
from tests.entry_world import make_world
from tests.factories import CommitmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["administrator"])
    return client


@pytest.fixture
def superuser_client(client, world):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 12))
    return client


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=survey",
        "?jurisdiction__id__exact=1",
        "?status__exact=in_progress",
        "?overdue=yes",
        "?overdue=no",
        "?instrument__kind__exact=un_core",
        "?due_on__year=2025",
    ],
)
def test_the_commitment_list_filters_and_searches(admin_client, query):
    assert admin_client.get(reverse("admin:commitments_commitment_changelist") + query).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "instrument",
        "statusupdate",
        "evidence",
        "organisation",
        "jurisdiction",
        "theme",
        "source",
        "review",
        "gsprequirement",
        "redaction",
        "downloadlog",
        "exportlog",
        "profile",
        "commitmentlink",
        "stagedupload",
    ],
)
def test_every_model_has_a_working_list_page(admin_client, name):
    assert admin_client.get(reverse(f"admin:commitments_{name}_changelist") + "?q=x").status_code == 200


def test_the_commitment_page_shows_its_updates_and_evidence_read_only(admin_client, world):
    html = admin_client.get(
        reverse("admin:commitments_commitment_change", args=[world.kp_commitment.pk])
    ).content.decode()
    assert "Survey started" in html and "Survey notice" in html
    assert 'name="updates-0-note"' not in html  # shown, not editable


def test_the_commitment_list_costs_the_same_queries_for_few_or_many_rows(
    admin_client, world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:commitments_commitment_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(15):
        CommitmentFactory(jurisdiction=world.kp, instrument=world.instrument)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)


def test_an_administrator_cannot_edit_or_delete_status_history(admin_client, world):
    url = reverse("admin:commitments_statusupdate_change", args=[world.kp_update.pk])
    response = admin_client.post(url, {"status": "implemented", "note": "changed"})
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:commitments_statusupdate_delete", args=[world.kp_update.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    world.kp_update.refresh_from_db()
    assert world.kp_update.note == "Survey started"


def test_a_superusers_change_to_an_update_is_recorded_as_a_correction(superuser_client, world):
    url = reverse("admin:commitments_statusupdate_change", args=[world.kp_update.pk])
    response = superuser_client.post(url, {"status": "implemented", "note": "Survey completed, not started"})
    assert response.status_code == 302
    original = StatusUpdate.objects.get(pk=world.kp_update.pk)
    assert (original.status, original.note) == ("in_progress", "Survey started")
    correction = StatusUpdate.objects.get(corrects=original)
    assert (correction.status, correction.note, correction.recorded_by.username) == (
        "implemented",
        "Survey completed, not started",
        "root",
    )
    assert (
        superuser_client.post(
            reverse("admin:commitments_statusupdate_delete", args=[original.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_an_action_assigns_a_responsible_body_to_many_commitments_with_history(admin_client, world):
    body = OrganisationFactory(slug="labour-dept", name="Labour Department")
    ids = [world.kp_commitment.pk, world.punjab_commitment.pk]
    url = reverse("admin:commitments_commitment_changelist")
    confirm = admin_client.post(url, {"action": "assign_responsible_body", "_selected_action": ids})
    assert confirm.status_code == 200 and "Assign a responsible body" in confirm.content.decode()
    admin_client.post(
        url, {"action": "assign_responsible_body", "_selected_action": ids, "apply": "1", "responsible_body": body.pk}
    )
    assert set(Commitment.objects.filter(pk__in=ids).values_list("responsible_body", flat=True)) == {body.pk}
    assert Commitment.history.filter(id=world.kp_commitment.pk).first().history_user == world.users["administrator"]


def test_the_mark_verified_action_skips_the_administrators_own_updates(admin_client, world):
    url = reverse("admin:commitments_statusupdate_changelist")
    admin_client.post(url, {"action": "mark_verified", "_selected_action": [world.kp_update.pk]})
    world.kp_update.refresh_from_db()
    assert world.kp_update.verified_by == world.users["administrator"]


def test_an_administrator_manages_people_but_cannot_make_a_superuser(admin_client, world):
    url = reverse("admin:auth_user_change", args=[world.users["viewer"].pk])
    html = admin_client.get(url).content.decode()
    assert admin_client.get(url).status_code == 200
    assert "read_jurisdictions" in html
    assert 'name="is_superuser"' not in html


def test_restricted_updates_and_evidence_stay_hidden_in_the_admin_from_administrators_not_named(admin_client, world):
    from django.core.files.base import ContentFile

    from tests import sample_files

    status_update_record(
        commitment=world.kp_commitment,
        status="stalled",
        effective_on=world.kp_update.effective_on,
        assessor=world.dri,
        recorded_by=world.users["editor_kp"],
        note="Witness named here",
        sensitivity="restricted",
        restricted_to=[world.users["editor_kp"]],
        evidence=[
            EvidenceItem(
                title="Witness statement",
                file=ContentFile(sample_files.pdf_bytes("w"), name="w.pdf"),
                sensitivity="restricted",
                restricted_to=[world.users["editor_kp"]],
            )
        ],
    )
    pages = [
        reverse("admin:commitments_commitment_change", args=[world.kp_commitment.pk]),
        reverse("admin:commitments_statusupdate_changelist") + "?q=Witness",
        reverse("admin:commitments_evidence_changelist") + "?q=Witness",
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert "Witness named here" not in html and "Witness statement" not in html, url


def test_an_instrument_code_with_a_slash_is_refused_in_the_admin_with_a_clear_message(admin_client, world):
    response = admin_client.post(
        reverse("admin:commitments_instrument_add"),
        {
            "code": "ILO/C29",
            "title": "Forced Labour Convention",
            "kind": "ilo_fundamental",
            "jurisdiction": world.instrument.jurisdiction_id,
            "commitments-TOTAL_FORMS": "0",
            "commitments-INITIAL_FORMS": "0",
            "required_conventions-TOTAL_FORMS": "0",
            "required_conventions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "no spaces or “/”" in response.content.decode()
    from commitments.models import Instrument

    assert not Instrument.objects.filter(title="Forced Labour Convention").exists()


def test_the_admin_sets_a_commitments_own_history_start_only_with_a_reason(admin_client, world):
    from django.forms import modelform_factory

    html = admin_client.get(
        reverse("admin:commitments_commitment_change", args=[world.kp_commitment.pk])
    ).content.decode()
    assert 'name="history_starts_on"' in html and 'name="history_starts_reason"' in html
    Form = modelform_factory(Commitment, fields=["history_starts_on", "history_starts_reason"])
    without = Form({"history_starts_on": "2019-01-01", "history_starts_reason": ""}, instance=world.kp_commitment)
    assert not without.is_valid() and "history_starts_reason" in without.errors
    reason = "Synthetic: drafted before the instrument's adoption."
    with_reason = Form(
        {"history_starts_on": "2019-01-01", "history_starts_reason": reason}, instance=world.kp_commitment
    )
    assert with_reason.is_valid(), with_reason.errors


def test_the_admin_index_names_every_model_in_words_not_class_names(superuser_client):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    for name in ("Reminders sent", "Monthly status changes", "Login attempts", "Two-factor devices"):
        assert name in page
    for wrong in ("Reminder sents", "Status month deltas", "Access attempts", "TOTP devices", "Commitment roll ups"):
        assert wrong not in page
    # Every model of the tracker has a name written for people, not one Django derives from the class.
    unnamed = [
        m.__name__
        for m in apps.get_app_config("commitments").get_models()
        if "verbose_name" not in m._meta.original_attrs
    ]
    assert unnamed == []
