"""The audit trail: every change the stored versions do not hold is recorded by its service, whichever
way it arrives (admin, import, seed, pages), shown on the commitment page and in the admin, and
entries about restricted items are shown only to the people named on them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.models import AuditEntry, GSPRequirement, GSPRequirementList, Organisation, Source, StatusUpdate
from commitments.services.commitments import commitment_link_add
from commitments.services.history import evidence_verify, status_update_record
from tests.factories import CommitmentFactory, InstrumentFactory, ThemeFactory
from tests.reliability_scene import build, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return build()


@pytest.fixture
def admin_client(client, scene):
    client.force_login(scene.users["administrator"])
    return client


def history_of(client, scene, role):
    client_for(client, scene, role)
    page = client.get(reverse("commitments:detail", args=[scene.commitment.pk]))
    assert page.status_code == 200
    return page.context["history"]


def test_themes_set_in_the_admin_are_in_the_trail_and_on_the_commitment_page(admin_client, scene, client):
    labour = ThemeFactory(slug="labour", name="Labour rights")
    commitment = scene.commitment
    data = {
        "instrument": commitment.instrument_id,
        "reference": commitment.reference,
        "title": commitment.title,
        "jurisdiction": commitment.jurisdiction_id,
        "themes": [labour.pk],
    }
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    # Every inline of the change form, sent without rows (changes nothing of them).
    for inline in admin_client.get(url).context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [inline.formset.errors for inline in response.context["inline_admin_formsets"]],
        [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]],
    )
    entry = AuditEntry.objects.get(subject="themes", commitment=commitment)
    assert (entry.actor, entry.changes["added"]) == (scene.users["administrator"], ["Labour rights"])
    history = history_of(client, scene, "viewer")
    assert any(h["label"].endswith("P-1") and ("added", "", "Labour rights") in h["changes"] for h in history)


def test_contribution_links_added_and_removed_are_in_the_trail_of_both_commitments(admin_client, scene, client):
    national = CommitmentFactory(instrument=scene.instrument, jurisdiction=scene.punjab, reference="P-NAT")
    add = admin_client.post(
        reverse("admin:commitments_commitmentlink_add"), {"source": scene.commitment.pk, "target": national.pk}
    )
    assert add.status_code == 302
    link = scene.commitment.links_out.get()
    admin_client.post(reverse("admin:commitments_commitmentlink_delete", args=[link.pk]), {"post": "yes"})
    entries = AuditEntry.objects.filter(subject="link").order_by("at", "id")
    assert [e.action for e in entries] == ["added", "removed"]
    assert all(e.commitment == scene.commitment and e.related_commitment == national for e in entries)
    assert {e["action"] for e in history_of(client, scene, "viewer")} >= {
        "Added contribution link",
        "Removed contribution link",
    }


def test_a_link_to_a_commitment_the_reader_cannot_read_is_not_on_their_page(client, scene):
    commitment_link_add(source=scene.commitment, target=scene.other_commitment)  # Sindh's
    assert AuditEntry.objects.filter(subject="link").exists()
    assert not [h for h in history_of(client, scene, "viewer") if "contribution link" in h["action"]]


def test_an_import_records_its_themes_and_links_with_the_importing_person(admin_client, scene):
    ThemeFactory(slug="labour", name="Labour rights")
    data = (
        b"instrument,reference,title,jurisdiction,themes,contributes_to\n"
        b"ICCPR,P-2,Labour inspections,punjab,Labour rights,ICCPR:P-1\n"
    )
    preview = admin_client.post(
        reverse("commitments:import"), {"kind": "commitments", "file": SimpleUploadedFile("c.csv", data)}
    )
    assert not AuditEntry.objects.exists()  # a preview records nothing
    admin_client.post(reverse("commitments:import_confirm"), preview.context["confirm"].initial)
    assert {(e.subject, e.action) for e in AuditEntry.objects.all()} == {("themes", "changed"), ("link", "added")}
    assert {e.actor for e in AuditEntry.objects.all()} == {scene.users["administrator"]}


def test_verification_says_who_and_when_and_a_restricted_items_verification_is_shown_only_to_those_named(client, scene):
    client_for(client, scene, "reviewer")
    client.post(reverse("commitments:update_verify", args=[scene.update.pk]))
    evidence_verify(evidence=scene.restricted_evidence, reviewer=scene.users["reviewer"])
    verified = AuditEntry.objects.get(action="verified", status_update=scene.update, evidence=None)
    assert verified.actor == scene.users["reviewer"]
    assert verified.changes["verified at"] == StatusUpdate.objects.get(pk=scene.update.pk).verified_at.isoformat(
        timespec="seconds"
    )
    seen = [h for h in history_of(client, scene, "viewer") if h["action"].startswith("Verified")]
    assert len(seen) == 1  # the restricted evidence's verification is not the viewer's to know of
    named = [h for h in history_of(client, scene, "named") if h["action"].startswith("Verified")]
    assert len(named) == 2
    client_for(client, scene, "administrator")  # not named on the restricted evidence
    listing = client.get(reverse("admin:commitments_auditentry_changelist") + "?action__exact=verified")
    assert listing.context["cl"].result_count == 1


def test_organisations_sources_and_gsp_requirements_changed_in_the_admin_are_in_the_trail(admin_client, scene):
    admin = scene.users["administrator"]
    response = admin_client.post(
        reverse("admin:commitments_source_add"), {"url": "https://example.org/report", "title": "A report"}
    )
    assert response.status_code == 302
    source = Source.objects.get(url="https://example.org/report")
    admin_client.post(
        reverse("admin:commitments_source_change", args=[source.pk]),
        {"url": source.url, "title": "A report, revised"},
    )
    organisation = scene.dri
    admin_client.post(
        reverse("admin:commitments_organisation_change", args=[organisation.pk]),
        {"slug": "dri", "name": organisation.name, "kind": "civil_society", "sources": [source.pk]},
    )
    scheme = InstrumentFactory(code="GSP", kind="trade_scheme")
    admin_client.post(
        reverse("admin:commitments_gsprequirement_add"),
        {"scheme": scheme.pk, "instrument": scene.instrument.pk, "annex_part": "Part A", "group": "human_rights"},
    )
    requirement = GSPRequirement.objects.get(scheme=scheme)
    admin_client.post(reverse("admin:commitments_gsprequirement_delete", args=[requirement.pk]), {"post": "yes"})

    trail = [(e.subject, e.action) for e in AuditEntry.objects.order_by("at", "id")]
    assert trail == [
        ("source", "created"),
        ("source", "changed"),
        ("organisation", "changed"),
        ("gsp_requirement", "created"),
        ("gsp_requirement", "deleted"),
    ]
    assert all(e.actor == admin for e in AuditEntry.objects.all())
    changed = AuditEntry.objects.get(subject="source", action="changed")
    assert changed.changes == {"title": {"before": "A report", "after": "A report, revised"}}
    assert AuditEntry.objects.get(subject="organisation").changes["sources"] == {
        "before": [],
        "after": ["A report, revised"],
    }
    assert Organisation.objects.get(pk=organisation.pk).sources.get() == source


def test_themes_and_gsp_requirement_lists_changed_in_the_admin_are_in_the_trail(admin_client, scene):
    """A renamed theme relabels every commitment it is on; a requirement list's dates decide what GSP+ requires."""
    admin = scene.users["administrator"]
    theme = ThemeFactory(slug="audited-theme", name="A synthetic theme")
    response = admin_client.post(
        reverse("admin:commitments_theme_change", args=[theme.pk]), {"slug": theme.slug, "name": "A renamed theme"}
    )
    assert response.status_code == 302
    scheme = InstrumentFactory(code="GSP-AUDIT", kind="trade_scheme")
    response = admin_client.post(
        reverse("admin:commitments_gsprequirementlist_add"),
        {"scheme": scheme.pk, "title": "A synthetic annex", "valid_from": "2014-01-01"},
    )
    assert response.status_code == 302
    listing = GSPRequirementList.objects.get(scheme=scheme)
    response = admin_client.post(
        reverse("admin:commitments_gsprequirementlist_change", args=[listing.pk]),
        {"scheme": scheme.pk, "title": "A synthetic annex", "valid_from": "2014-01-01", "valid_until": "2027-12-31"},
    )
    assert response.status_code == 302
    entries = list(AuditEntry.objects.order_by("at", "id"))
    assert [(e.subject, e.action) for e in entries] == [
        ("theme", "changed"),
        ("gsp_requirement_list", "created"),
        ("gsp_requirement_list", "changed"),
    ]
    assert all(e.actor == admin for e in entries)
    assert entries[0].changes == {"name": {"before": "A synthetic theme", "after": "A renamed theme"}}
    assert entries[2].changes == {"applies until": {"before": "", "after": "2027-12-31"}}
    # The admin's audit trail lists them.
    listing_page = admin_client.get(reverse("admin:commitments_auditentry_changelist"))
    assert "A renamed theme" in listing_page.text and "A synthetic annex" in listing_page.text


def test_the_seed_records_what_it_creates_once_and_nothing_when_loaded_again(db):
    from commitments import seeding

    seeding.seed_load()
    first = AuditEntry.objects.count()
    assert AuditEntry.objects.filter(subject="organisation", action="created").count() == Organisation.objects.count()
    assert AuditEntry.objects.filter(subject="gsp_requirement").count() == GSPRequirement.objects.count()
    seeding.seed_load()
    assert AuditEntry.objects.count() == first


def test_the_change_history_on_the_commitment_page_costs_the_same_queries_with_many_entries(
    client, scene, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_for(client, scene, "viewer")
    url = reverse("commitments:detail", args=[scene.commitment.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(20):
        commitment_link_add(
            source=scene.commitment,
            target=CommitmentFactory(instrument=scene.instrument, jurisdiction=scene.punjab, reference=f"T-{n}"),
        )
        status_update_record(
            commitment=scene.commitment,
            status="in_progress",
            effective_on=datetime.date(2024, 5, 1),
            assessor=scene.dri,
            recorded_by=scene.users["editor"],
            note=f"Step {n}",
        )
    with django_assert_num_queries(len(few)):
        client.get(url)
