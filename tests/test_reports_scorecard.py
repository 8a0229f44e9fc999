"""The GSP+ scorecard reply for a cycle: an issue raised on a convention, linked to a KP and a federal
action, carried through two cycles; the same numbers in HTML, Excel and Word; Word read back."""

import datetime
import io

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.choices import Audience
from commitments.models import IssueUpdate
from commitments.reports import ReportKind, build_report, output
from commitments.scopes import Scope
from commitments.services.commitments import commitment_link_add
from commitments.services.gsp import issue_commitment_link, issue_update_record, scorecard_issue_raise
from commitments.services.history import status_update_record
from tests.factories import (
    CommitmentFactory,
    GSPCycleFactory,
    GSPRequirementFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    kp = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    tracker = OrganisationFactory(slug="dri", name="Tracker organisation", kind="civil_society")
    commission = OrganisationFactory(slug="ec", name="European Commission", kind="international")
    ministry = OrganisationFactory(slug="mohr", name="Ministry of Human Rights", kind="government")
    scheme = InstrumentFactory(code="GSP", kind="trade_scheme", jurisdiction=federal)
    cedaw = InstrumentFactory(code="CEDAW", title="Synthetic CEDAW", jurisdiction=federal)
    c029 = InstrumentFactory(code="C029", title="Synthetic C029", kind="ilo_fundamental", jurisdiction=federal)
    GSPRequirementFactory(scheme=scheme, instrument=cedaw, group="human_rights")
    GSPRequirementFactory(scheme=scheme, instrument=c029, group="labour")
    first = GSPCycleFactory(scheme=scheme, starts_on=D(2020, 1, 1), ends_on=D(2021, 12, 31))
    second = GSPCycleFactory(scheme=scheme, starts_on=D(2022, 1, 1), ends_on=D(2023, 12, 31))
    kp_plan = InstrumentFactory(code="KP-PLAN", kind="provincial_plan", jurisdiction=kp)
    law = InstrumentFactory(code="LAW-1", kind="law", jurisdiction=federal)
    kp_action = CommitmentFactory(
        instrument=kp_plan, jurisdiction=kp, reference="KP-1", title="KP shelters", responsible_body=ministry
    )
    federal_action = CommitmentFactory(
        instrument=law, jurisdiction=federal, reference="LAW-ACT", title="Pass the act", due_on=D(2023, 6, 30)
    )
    convention_own = CommitmentFactory(instrument=cedaw, jurisdiction=federal, reference="IMPL")
    commitment_link_add(source=kp_action, target=federal_action)
    commitment_link_add(source=federal_action, target=convention_own)
    admin = UserFactory(username="amina", role="Administrator")
    issue = scorecard_issue_raise(
        convention=cedaw,
        reference="violence",
        title="Synthetic issue: violence against women",
        raised_on=D(2021, 3, 1),
        source={
            "kind": "un_body",
            "organisation": OrganisationFactory(slug="cttee", name="Synthetic committee", kind="treaty_body"),
            "document": "X/C/PAK/CO/1",
            "said_on": D(2021, 3, 1),
        },
    )
    issue_commitment_link(issue=issue, commitment=federal_action, user=admin)
    issue_update_record(
        issue=issue, cycle=first, status="open", effective_on=D(2022, 2, 1), assessor=commission, recorded_by=admin
    )
    issue_update_record(
        issue=issue,
        cycle=second,
        status="progress",
        kind=IssueUpdate.Kind.REPLY,
        effective_on=D(2023, 11, 1),
        assessor=ministry,
        note="Synthetic reply: the act was passed.",
        recorded_by=admin,
    )
    issue_update_record(
        issue=issue, cycle=second, status="progress", effective_on=D(2024, 1, 10), assessor=tracker, recorded_by=admin
    )
    status_update_record(
        commitment=federal_action,
        status="in_progress",
        effective_on=D(2021, 5, 1),
        assessor=ministry,
        recorded_by=admin,
    )
    status_update_record(
        commitment=federal_action,
        status="implemented",
        effective_on=D(2023, 3, 1),
        assessor=ministry,
        recorded_by=admin,
    )
    status_update_record(
        commitment=kp_action, status="in_progress", effective_on=D(2022, 8, 1), assessor=tracker, recorded_by=admin
    )
    return {"admin": admin, "first": first, "second": second, "issue": issue}


def scorecard(world, format="html", **kwargs):
    return build_report(
        kind=ReportKind.GSP_SCORECARD,
        user=world["admin"],
        audience=Audience.INTERNAL,
        format=format,
        cycle=world["second"],
        **kwargs,
    )


def test_the_issue_is_carried_through_the_cycle_with_who_says_so(world):
    report = scorecard(world)
    cedaw = next(section for section in report.conventions if section.code == "CEDAW")
    (issue,) = cedaw.issues
    assert (issue.state_start.status, issue.state_start.said_by) == ("open", "European Commission")
    assert (issue.state_end.status, issue.state_end.said_by) == ("progress", "Tracker organisation")
    assert [reply[2] for reply in issue.replies] == ["Synthetic reply: the act was passed."]
    actions = {a.reference: a for a in issue.actions}
    # The federal act addresses it; the KP action contributes to the act, so it is carried too.
    assert set(actions) == {"LAW-ACT", "KP-1"}
    assert actions["LAW-ACT"].direct and not actions["KP-1"].direct
    assert (actions["LAW-ACT"].status_start, actions["LAW-ACT"].status_end) == ("in_progress", "implemented")
    assert (actions["KP-1"].status_start, actions["KP-1"].status_end) == ("no_information", "in_progress")
    assert actions["LAW-ACT"].timeline == "2023-06-30"
    assert actions["KP-1"].responsible == "Ministry of Human Rights"
    assert {a.reference for a in issue.initiatives} == {"LAW-ACT", "KP-1"}  # a law and a provincial plan
    assert {a.reference for a in issue.progress} == {"LAW-ACT", "KP-1"}
    # The convention's own commitment, and the two that contribute to it at any depth.
    assert (cedaw.own_total, cedaw.contributing_total) == (1, 2)
    assert [s.document for s in issue.sources] == ["X/C/PAK/CO/1"]


def test_a_kp_scope_keeps_only_the_kp_action(world):
    report = scorecard(world, scope=Scope(jurisdiction="kp"))
    (issue,) = next(s for s in report.conventions if s.code == "CEDAW").issues
    # The act that addresses it is federal: out of scope; the KP action reaches it, so it is KP's reply.
    assert [(a.reference, a.direct) for a in issue.actions] == [("KP-1", False)]
    assert next(s for s in report.conventions if s.code == "CEDAW").contributing_total == 1


def test_word_excel_and_html_hold_the_same_numbers_and_word_has_a_section_per_convention(world):
    report = scorecard(world, format="docx")
    document = docx.Document(io.BytesIO(output.render_bytes(report, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == ["CEDAW: Synthetic CEDAW", "C029: Synthetic C029"]
    assert "Synthetic issue: violence against women" in [
        p.text for p in document.paragraphs if p.style.name == "Heading 3"
    ]
    summary = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    book = openpyxl.load_workbook(io.BytesIO(output.render_bytes(report, "xlsx")))
    sheet = [[("" if v is None else str(v)) for v in row] for row in book["Summary"].iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(sheet) if row[:2] == summary[0][:2])
    assert sheet[start : start + len(summary)] == summary
    html = output.render_bytes(report, "html").decode()
    for line in report.summary_lines():
        cells = [f"<td>{line[0]}</td>", f"<td>{line[1]}</td>"] + [f'<td class="num">{cell}</td>' for cell in line[2:]]
        assert "".join(cells) in html
    assert summary[1] == ["Human rights", "CEDAW", "0", "1", "0", "0", "1", "2"]


def test_the_report_costs_the_same_queries_with_more_issues_and_actions(world):
    with CaptureQueriesContext(connection) as few:
        scorecard(world)
    cedaw = world["issue"].convention
    admin = world["admin"]
    for n in range(5):
        issue = scorecard_issue_raise(
            convention=cedaw, reference=f"more-{n}", title=f"More {n}", raised_on=D(2022, 1, 1)
        )
        issue_commitment_link(
            issue=issue, commitment=CommitmentFactory(instrument=cedaw, jurisdiction=cedaw.jurisdiction), user=admin
        )
        issue_update_record(
            issue=issue,
            cycle=world["second"],
            status="open",
            effective_on=D(2023, 1, 1),
            assessor=world["issue"].issue_sources.first().organisation,
            recorded_by=admin,
        )
    with CaptureQueriesContext(connection) as many:
        scorecard(world)
    assert len(many) == len(few)


def test_manage_py_report_writes_the_scorecard_as_a_word_file(world, tmp_path):
    target = tmp_path / "reply.docx"
    call_command(
        "report",
        "--as-user",
        "amina",
        "--kind",
        "gsp-scorecard",
        "--cycle",
        world["second"].title,
        "--format",
        "docx",
        "--audience",
        "internal",
        "--output",
        str(target),
        "--scope",
        "jurisdiction:federal,gsp_group:human_rights",
    )
    document = docx.Document(str(target))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == ["CEDAW: Synthetic CEDAW"]


def test_word_is_refused_for_a_progress_report(world):
    with pytest.raises(ValueError, match="Word"):
        build_report(
            kind=ReportKind.PROGRESS,
            user=world["admin"],
            audience=None,
            format="docx",
            date_from=D(2022, 1, 1),
            date_to=D(2022, 12, 31),
        )
