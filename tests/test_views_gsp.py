"""The GSP+ page, raising a scorecard issue, recording its state and linking the actions that address it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import IssueUpdate, ScorecardIssue
from tests.factories import (
    CommitmentFactory,
    GSPCycleFactory,
    GSPRequirementFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    ScorecardIssueFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    cedaw = InstrumentFactory(code="CEDAW", jurisdiction=federal)
    requirement = GSPRequirementFactory(instrument=cedaw, group="human_rights")
    GSPCycleFactory(scheme=requirement.scheme)
    OrganisationFactory(slug="ec", name="European Commission", kind="international")
    return cedaw


def test_an_administrator_raises_an_issue_records_its_state_and_links_a_kp_action(client, convention):
    admin = UserFactory(role="Administrator")
    client.force_login(admin)
    response = client.post(
        reverse("commitments:gsp_issue_add"),
        {
            "convention": "CEDAW",
            "reference": "synthetic-issue",
            "title": "Synthetic issue",
            "raised": "2022-05",
            "source_kind": "commission",
            "source_organisation": "ec",
        },
    )
    issue = ScorecardIssue.objects.get(reference="synthetic-issue")
    assert response.status_code == 302
    assert (issue.raised_on, issue.raised_precision) == (datetime.date(2022, 5, 1), "month")
    kp_action = CommitmentFactory(jurisdiction=JurisdictionFactory(code="kp", name="KP"), reference="KP-9")
    response = client.post(
        reverse("commitments:gsp_issue_link", args=[issue.pk]),
        {"commitment": f"{kp_action.instrument.code}:KP-9"},
    )
    assert response.status_code == 302
    assert list(issue.addressed_by.all()) == [kp_action]
    cycle = issue.convention.gsp_requirements.first().scheme.gsp_cycles.first()
    form = {"cycle": cycle.pk, "kind": "finding", "status": "open", "effective": "2023-02-01", "assessor": "ec"}
    form["sensitivity"], form["submission_key"] = "public", "7c6d1d8e-0000-4000-8000-000000000001"
    assert client.post(reverse("commitments:gsp_issue_update", args=[issue.pk]), form).status_code == 302
    # The same form posted twice records once.
    client.post(reverse("commitments:gsp_issue_update", args=[issue.pk]), form)
    assert IssueUpdate.objects.filter(issue=issue).count() == 1
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "European Commission" in page and "KP-9" in page


def test_the_states_reply_must_come_from_a_government_body(client, convention):
    client.force_login(UserFactory(role="Administrator"))
    issue = ScorecardIssueFactory(convention=convention)
    cycle = convention.gsp_requirements.first().scheme.gsp_cycles.first()
    form = {"cycle": cycle.pk, "kind": "reply", "status": "progress", "effective": "2023", "assessor": "ec"}
    form["sensitivity"], form["submission_key"] = "internal", "7c6d1d8e-0000-4000-8000-000000000002"
    response = client.post(reverse("commitments:gsp_issue_update", args=[issue.pk]), form)
    assert response.status_code == 400
    assert not IssueUpdate.objects.exists()


def test_an_editor_of_a_province_cannot_manage_a_federal_conventions_issues(client, convention):
    editor = UserFactory(role="Editor")
    ProfileFactory(user=editor, write=[JurisdictionFactory(code="punjab", name="Punjab")])
    client.force_login(editor)
    issue = ScorecardIssueFactory(convention=convention)
    assert client.get(reverse("commitments:gsp_issue_add")).status_code == 403
    assert client.post(reverse("commitments:gsp_issue_link", args=[issue.pk]), {"commitment": "1"}).status_code == 403


def test_the_gsp_page_query_count_does_not_grow_with_issues_and_commitments(client, convention):
    client.force_login(UserFactory(role="Administrator"))
    ScorecardIssueFactory(convention=convention)
    client.get(reverse("commitments:gsp"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("commitments:gsp"))
    for _ in range(5):
        ScorecardIssueFactory(convention=convention)
        CommitmentFactory(instrument=convention, jurisdiction=convention.jurisdiction)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("commitments:gsp")).status_code == 200
    assert len(many) == len(few)


# Last: the seeded data stays for the rest of the module.
def test_the_gsp_page_shows_the_27_conventions_in_their_four_groups(client, seeded):
    client.force_login(UserFactory(username="gsp-viewer", role="Administrator"))
    response = client.get(reverse("commitments:gsp"))
    groups = {label: len(lines) for label, lines in response.context["groups"]}
    assert groups == {"Human rights": 7, "Labour rights": 8, "Environment": 8, "Good governance": 4}
    iccpr = next(
        line for _label, lines in response.context["groups"] for line in lines if line.instrument.code == "ICCPR"
    )
    assert "Civil-society space" in [issue.title for issue, _cycle, _state in iccpr.open_issues]
    assert iccpr.last_report is not None
    assert iccpr.contributing.total >= 2  # KP's action plan and resolution, at least
