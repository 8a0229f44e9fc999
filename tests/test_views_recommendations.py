"""Recommendations as a user meets them: the commitment page, the list's filters, similar
recommendations and clusters that share actions, the treaty-body follow-up and its grade."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import access, derived, overlaps
from commitments.choices import Status
from commitments.models import Assessment, CommitmentLink, Mechanism, Recommendation, StatusUpdate
from commitments.reports import Scope
from commitments.reports.progress import build_progress_report, scope_choices
from commitments.services.commitments import commitment_link_add, commitment_themes_set
from commitments.services.recommendations import (
    ReferenceData,
    cluster_group,
    follow_up_assessment_record,
)
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    MechanismFactory,
    OrganisationFactory,
    ProfileFactory,
    RecommendationFactory,
    ReviewFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    punjab = JurisdictionFactory(code="punjab", name="Punjab")
    OrganisationFactory(slug="dri", name="Democracy Reporting International", kind="civil_society")
    treaty = InstrumentFactory(code="SYN-CCPR", jurisdiction=federal)
    committee = MechanismFactory(slug="syn-committee", name="Synthetic Committee", instrument=treaty)
    upr = MechanismFactory(
        slug="upr", name="Universal Periodic Review", kind=Mechanism.Kind.UPR, instrument=InstrumentFactory(code="UPR")
    )
    review = ReviewFactory(instrument=treaty, title="SYN/C/PAK/CO/2", document_symbol="SYN/C/PAK/CO/2")
    editor = UserFactory(role=access.EDITOR)
    ProfileFactory(user=editor, write=[federal])
    viewer = UserFactory(role=access.VIEWER)
    ProfileFactory(user=viewer, read=[federal])
    outsider = UserFactory(role=access.VIEWER)
    ProfileFactory(user=outsider, read=[punjab])
    data = ReferenceData()
    rec = RecommendationFactory(
        mechanism=committee,
        commitment__jurisdiction=federal,
        commitment__review=review,
        commitment__reference="CO2-15",
        commitment__title="Adopt a synthetic law on shelters",
        commitment__description="15. Adopt a comprehensive synthetic law on shelters for survivors and fund them.",
        commitment__recommendation_response="supported",
        document_symbol="SYN/C/PAK/CO/2",
        paragraph="15",
        position_source="SYN/C/PAK/CO/2/Add.1 para. 4",
    )
    rec.sdg_targets.set([data.sdg("5.2 - Eliminate violence against women")])
    rec.affected_groups.set([data.group("Women & girls")])
    commitment_themes_set(commitment=rec.commitment, themes=[ThemeFactory(slug="womens-rights", name="Women's rights")])
    twin = RecommendationFactory(
        mechanism=upr,
        commitment__instrument=upr.instrument,
        commitment__jurisdiction=federal,
        commitment__reference="UPR-147.3",
        commitment__description="147.3 Adopt a comprehensive synthetic law on shelters for survivors, and fund them (Freedonia);",
        commitment__recommendation_response="noted",
    )
    other = RecommendationFactory(
        mechanism=committee,
        commitment__jurisdiction=federal,
        commitment__reference="CO2-30",
        commitment__description="30. Publish the synthetic judicial budget every year.",
    )
    return locals()


def test_the_commitment_page_shows_the_recommendation_data(client, world):
    client.force_login(world["viewer"])
    page = client.get(reverse("commitments:detail", args=[world["rec"].pk])).content.decode()
    for text in (
        "Synthetic Committee",
        "SYN/C/PAK/CO/2 para. 15",
        "Supported",
        "SYN/C/PAK/CO/2/Add.1 para. 4",
        "5.2",
        "Women &amp; girls",
        "Similar recommendations",
    ):
        assert text in page, text
    # A reader who may not write sees no follow-up form.
    assert "Record the committee" not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"position": "supported"}, ["CO2-15"]),
        ({"position": "noted"}, ["UPR-147.3"]),
        ({"sdg_goal": "5"}, ["CO2-15"]),
        ({"sdg": "5.2"}, ["CO2-15"]),
        ({"theme": "womens-rights"}, ["CO2-15"]),
        ({"affected": "women-girls"}, ["CO2-15"]),
        ({"mechanism": "upr"}, ["UPR-147.3"]),
        ({"recommendation_type": "recommendation", "mechanism": "syn-committee"}, ["CO2-15", "CO2-30"]),
    ],
)
def test_the_list_filters_recommendations(client, world, params, expected):
    client.force_login(world["viewer"])
    response = client.get(reverse("commitments:list"), params)
    assert sorted(c.reference for c in response.context["table"].data) == expected


def test_a_filter_value_that_names_nothing_is_refused_with_the_filter_named(client, world):
    """A bookmarked or crafted filter that names no choice is a 400 saying which filter, never a 500."""
    client.force_login(world["viewer"])
    for params, label in (
        ({"sdg": "99.9"}, "SDG target"),
        ({"sdg_goal": "18"}, "SDG"),
        ({"grade": "Z"}, "Follow-up grade"),
        ({"mechanism": "\x00"}, "Monitoring mechanism"),
    ):
        response = client.get(reverse("commitments:list"), params)
        assert response.status_code == 400, params
        assert f"<li>{label}: " in response.content.decode(), params


def test_a_cluster_no_row_has_lists_nothing(client, world):
    client.force_login(world["viewer"])
    for cluster in ("9" * 40, "1.5"):
        response = client.get(reverse("commitments:list"), {"cluster": cluster})
        assert response.status_code == 200
        assert list(response.context["table"].data) == []


def test_the_list_costs_the_same_queries_for_few_and_many_recommendations(client, world, django_assert_num_queries):
    client.force_login(world["viewer"])
    url = reverse("commitments:list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    data = ReferenceData()
    for n in range(40):
        rec = RecommendationFactory(mechanism=world["committee"], commitment__jurisdiction=world["federal"])
        rec.sdg_targets.set([data.sdg(f"{n % 17 + 1}.1")])
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200


def test_similar_recommendations_are_found_across_mechanisms_and_not_unrelated_ones(world):
    matches = overlaps.similar_recommendations(user=world["viewer"], commitment=world["rec"].commitment)
    assert [m.label for m in matches] == ["UPR UPR-147.3"]
    # Someone who may not read them is proposed nothing.
    assert overlaps.similar_recommendations(user=world["outsider"], commitment=world["rec"].commitment) == []


def test_grouping_recommendations_shares_their_actions(client, world):
    action = CommitmentFactory(jurisdiction=world["federal"], reference="ACT-1")
    commitment_link_add(source=action, target=world["rec"].commitment)
    client.force_login(world["editor"])

    response = client.post(
        reverse("commitments:recommendation_similar", args=[world["rec"].pk]),
        {"members": [world["twin"].pk], "name": "Shelters"},
    )

    assert response.status_code == 302
    cluster = Recommendation.objects.get(pk=world["rec"].pk).cluster
    assert cluster.name == "Shelters" and Recommendation.objects.get(pk=world["twin"].pk).cluster == cluster
    # The action answering one now answers both, through the ordinary contribution links.
    assert CommitmentLink.objects.filter(source=action, target=world["twin"].commitment).exists()
    # A later action linked to one member is linked to every member.
    later = CommitmentFactory(jurisdiction=world["federal"], reference="ACT-2")
    commitment_link_add(source=later, target=world["twin"].commitment)
    assert CommitmentLink.objects.filter(source=later, target=world["rec"].commitment).exists()
    listed = client.get(reverse("commitments:list"), {"contributes_to": world["twin"].pk})
    assert sorted(c.reference for c in listed.context["table"].data) == ["ACT-1", "ACT-2"]
    # Each member's page rolls up the same two actions.
    for rec in (world["rec"], world["twin"]):
        roll_up = client.get(reverse("commitments:detail", args=[rec.pk])).context["roll_up"]
        assert roll_up.total == 2


def test_grouping_needs_two_and_a_reader_may_not_group(client, world):
    with pytest.raises(Exception):
        cluster_group(recommendations=[world["rec"]], user=world["editor"])
    client.force_login(world["viewer"])
    response = client.post(
        reverse("commitments:recommendation_similar", args=[world["rec"].pk]), {"members": [world["twin"].pk]}
    )
    assert response.status_code == 403
    assert Recommendation.objects.get(pk=world["rec"].pk).cluster is None


def test_priority_recommendations_are_marked_on_the_review_page(client, world):
    client.force_login(world["editor"])
    review = world["review"]
    response = client.post(
        reverse("commitments:review_follow_up", args=[review.pk]),
        {"recommendations": [world["rec"].pk], "due_on": "2026-11-07"},
    )
    assert response.status_code == 302
    assert Recommendation.objects.get(pk=world["rec"].pk).follow_up_due_on == datetime.date(2026, 11, 7)
    page = client.get(reverse("commitments:review", args=[review.pk])).content.decode()
    assert "7 November 2026" in page


def test_the_committees_grade_is_recorded_as_its_own_view(client, world):
    rec = world["rec"]
    Recommendation.objects.filter(pk=rec.pk).update(follow_up_due_on=datetime.date(2025, 11, 7))
    client.force_login(world["editor"])

    response = client.post(
        reverse("commitments:follow_up_assessment", args=[rec.pk]),
        {
            "follow_up_grade": "B",
            "status": "partially_implemented",
            "effective_on": "2026-03-01",
            "url": "https://example.org/synthetic-follow-up-letter",
        },
    )

    assert response.status_code == 302
    update = StatusUpdate.objects.get(commitment=rec.commitment)
    assert update.assessor == world["committee"].organisation  # the committee says so, not the editor
    assert update.recorded_by == world["editor"]
    assert update.follow_up_grade == "B" and update.status == Status.PARTIALLY_IMPLEMENTED
    assert update.evidence.get().url == "https://example.org/synthetic-follow-up-letter"
    assert Assessment.objects.get(commitment=rec.commitment).assessor == world["committee"].organisation
    page = client.get(reverse("commitments:detail", args=[rec.pk])).content.decode()
    assert "B: reply/action partially satisfactory" in page
    graded = client.get(reverse("commitments:list"), {"grade": "B"})
    assert [c.reference for c in graded.context["table"].data] == ["CO2-15"]
    derived.check_counts()


def test_a_grade_without_a_status_is_refused_and_nothing_is_recorded(client, world):
    client.force_login(world["editor"])
    client.post(
        reverse("commitments:follow_up_assessment", args=[world["rec"].pk]),
        {"follow_up_grade": "A", "status": "", "effective_on": "2026-03-01"},
    )
    assert not StatusUpdate.objects.exists()


def test_only_a_treaty_body_grades_a_follow_up(world):
    with pytest.raises(Exception):
        follow_up_assessment_record(
            commitment=world["twin"].commitment,
            grade="A",
            status=Status.IMPLEMENTED,
            effective_on=datetime.date(2026, 1, 1),
            recorded_by=world["editor"],
        )
    assert not StatusUpdate.objects.exists()


def test_the_follow_up_reply_sent_closes_its_deadline(client, world):
    rec = world["rec"]
    Recommendation.objects.filter(pk=rec.pk).update(follow_up_due_on=datetime.date(2025, 11, 7))
    assert Recommendation.objects.get(pk=rec.pk).is_follow_up_overdue(datetime.date(2026, 1, 1))
    client.force_login(world["editor"])
    client.post(reverse("commitments:follow_up_reply", args=[rec.pk]), {"replied_on": "2025-11-01"})
    rec.refresh_from_db()
    assert rec.follow_up_replied_on == datetime.date(2025, 11, 1)
    assert not rec.is_follow_up_overdue(datetime.date(2026, 1, 1))


def test_follow_up_overdue_per_object_and_in_sql_agree(world):
    today = datetime.date(2026, 1, 1)
    cases = [
        (None, None),
        (datetime.date(2025, 1, 1), None),
        (datetime.date(2025, 1, 1), datetime.date(2024, 12, 1)),
        (datetime.date(2026, 6, 1), None),
    ]
    recs = []
    for due, replied in cases:
        recs.append(
            RecommendationFactory(
                mechanism=world["committee"],
                follow_up_due_on=due,
                follow_up_replied_on=replied,
                commitment__jurisdiction=world["federal"],
            )
        )
    in_sql = set(Recommendation.objects.filter(Recommendation.follow_up_overdue_q(today)).values_list("pk", flat=True))
    assert in_sql == {r.pk for r in recs if r.is_follow_up_overdue(today)} == {recs[1].pk}


def test_reports_cover_an_sdg_or_a_mechanism_and_show_the_grade(world):
    follow_up_assessment_record(
        commitment=world["rec"].commitment,
        grade="C",
        status=Status.NOT_STARTED,
        effective_on=datetime.date(2026, 2, 1),
        recorded_by=world["editor"],
    )
    values = [value for value, _label in scope_choices()]
    assert {"sdg:5", "sdg:5.2", "mechanism:syn-committee"} <= set(values)
    report = build_progress_report(
        user=world["viewer"],
        scope=Scope.parse("sdg:5"),
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 6, 30),
    )
    rows = list(report.rows())
    assert [r.reference for r in rows] == ["CO2-15"]
    assert rows[0].follow_up_grade == "C" and rows[0].position == "Supported"
    assert report.follow_up_grades[0][0] == "C"
    by_mechanism = build_progress_report(
        user=world["viewer"],
        scope=Scope.parse("mechanism:upr"),
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 6, 30),
    )
    assert [r.reference for r in by_mechanism.rows()] == ["UPR-147.3"]


def test_the_dashboard_counts_recommendations_by_mechanism_position_and_sdg(client, world):
    client.force_login(world["viewer"])
    context = client.get(reverse("commitments:dashboard")).context
    assert {bar.label for bar in context["recommendations_by_mechanism"]} == {
        "Synthetic Committee",
        "Universal Periodic Review",
    }
    assert {bar.label: bar.total for bar in context["recommendations_by_position"]} == {"Supported": 1, "Noted": 1}
    assert [bar.label for bar in context["recommendations_by_goal"]] == ["SDG 5"]


def test_adding_a_recommendation_by_hand_then_sees_similar_ones(client, world):
    client.force_login(world["editor"])
    response = client.post(
        reverse("commitments:recommendation_add"),
        {
            "mechanism": world["committee"].pk,
            "kind": "recommendation",
            "text": "22. Adopt a comprehensive synthetic law on shelters for all survivors and fund them.",
            "reference": "CO3-22",
            "jurisdiction": world["federal"].pk,
            "document_symbol": "SYN/C/PAK/CO/3",
            "paragraph": "22",
            "sdg_targets": "5.2; 16.3",
            "affected_groups": "Women & girls",
        },
    )
    assert response.status_code == 302
    rec = Recommendation.objects.get(commitment__reference="CO3-22")
    assert sorted(t.code for t in rec.sdg_targets.all()) == ["16.3", "5.2"]
    page = client.get(response["Location"]).content.decode()
    assert "CO2-15" in page and "UPR-147.3" in page


def test_an_ilo_comment_is_added_with_its_convention_and_normlex_reference(client, world):
    ceacr = MechanismFactory(slug="ceacr", name="Synthetic CEACR", kind=Mechanism.Kind.ILO_SUPERVISORY, instrument=None)
    convention = InstrumentFactory(code="C-SYN-87", jurisdiction=world["federal"])
    client.force_login(world["editor"])
    form = {
        "mechanism": ceacr.pk,
        "kind": "ilo_direct_request",
        "text": "Synthetic direct request.",
        "reference": "CEACR 2024 direct request",
        "jurisdiction": world["federal"].pk,
        "ilo_year": "2024",
        "ilo_session": "113th ILC session (2025)",
    }
    refused = client.post(reverse("commitments:recommendation_add"), form)
    assert refused.status_code == 400  # the convention and the NORMLEX reference are needed
    response = client.post(
        reverse("commitments:recommendation_add"), {**form, "instrument": convention.pk, "normlex_ref": "SYN-77"}
    )
    assert response.status_code == 302
    rec = Recommendation.objects.get(normlex_ref="SYN-77")
    assert rec.commitment.instrument == convention and rec.ilo_year == 2024


def test_the_committees_grade_without_the_document_that_carries_it_is_refused(client, world):
    client.force_login(world["editor"])
    response = client.post(
        reverse("commitments:follow_up_assessment", args=[world["rec"].pk]),
        {"follow_up_grade": "B", "status": "partially_implemented", "effective_on": "2026-03-01"},
        follow=True,
    )
    assert "name the document that carries it" in response.content.decode()
    assert not StatusUpdate.objects.exists()
