"""Reporting cycles as data: computed next due dates beside sourced ones, each deadline saying
what it is, follow-up replies of priority recommendations, in the calendar and the feed."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import access
from commitments.choices import DeadlineKind, Precision
from commitments.mechanisms import ReportingCycle, add_months
from commitments.models import Instrument, Review
from commitments.selectors.deadlines import deadlines
from commitments.services.people import calendar_token_create
from tests.factories import (
    InstrumentFactory,
    JurisdictionFactory,
    ProfileFactory,
    RecommendationFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def world():
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    user = UserFactory(role=access.VIEWER)
    ProfileFactory(user=user, read=[federal])
    return {"federal": federal, "user": user}


def cycle(instrument, months, **kwargs):
    return ReportingCycle.objects.create(
        instrument=instrument,
        deadline=kwargs.pop("deadline", DeadlineKind.PERIODIC_REPORT),
        period_months=months,
        rule_text=f"{months // 12} yrs",
        **kwargs,
    )


def by_reference(items):
    return {item.reference: item for item in items}


def test_add_months_keeps_the_day_where_the_month_has_it():
    assert add_months(datetime.date(2024, 8, 31), 24) == datetime.date(2026, 8, 31)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2017, 6, 30), 60) == datetime.date(2022, 6, 30)


def test_the_next_report_is_counted_from_the_last_review_and_marked_computed(world):
    treaty = InstrumentFactory(code="SYN-TREATY", jurisdiction=world["federal"])
    cycle(treaty, 48, review_kind=Review.Kind.TREATY_BODY)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2016, 5, 10), title="Older")
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2020, 2, 12), title="Latest")
    # A review of another kind does not move a treaty body's cycle.
    ReviewFactory(
        instrument=treaty, reviewed_on=datetime.date(2022, 1, 1), title="Mission", kind=Review.Kind.MONITORING_MISSION
    )

    item = by_reference(deadlines(world["user"], {}, TODAY))["SYN-TREATY: Periodic report"]

    assert (
        item.computed and item.due_on == datetime.date(2024, 2, 12) and item.counted_from == datetime.date(2020, 2, 12)
    )
    assert item.overdue and item.what == DeadlineKind.PERIODIC_REPORT


def test_a_review_known_to_the_month_gives_a_date_known_to_the_month(world):
    treaty = InstrumentFactory(code="SYN-MONTH", jurisdiction=world["federal"])
    cycle(treaty, 24)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2024, 8, 1), reviewed_precision=Precision.MONTH)

    item = by_reference(deadlines(world["user"], {}, TODAY))["SYN-MONTH: Periodic report"]

    # Counted from the month's last day: due by the end of August 2026, not on its first day.
    assert item.due_on == datetime.date(2026, 8, 31) and item.precision == Precision.MONTH
    assert item.due_display == "August 2026"


def test_before_any_review_the_initial_report_counts_from_becoming_bound(world):
    treaty = InstrumentFactory(code="SYN-NEW", jurisdiction=world["federal"], bound_on=datetime.date(2011, 7, 5))
    cycle(treaty, 48, initial_months=24)

    item = by_reference(deadlines(world["user"], {}, TODAY))["SYN-NEW: Initial report"]

    assert item.due_on == datetime.date(2013, 7, 5) and item.what == DeadlineKind.INITIAL_REPORT and item.computed


def test_a_sourced_date_of_the_same_kind_stands_instead_of_the_computed_one(world):
    treaty = InstrumentFactory(
        code="SYN-SRC",
        jurisdiction=world["federal"],
        next_report_due_on=datetime.date(2027, 3, 1),
        next_report_due_source="https://example.org/co",
    )
    cycle(treaty, 48)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2022, 1, 1))

    items = [i for i in deadlines(world["user"], {}, TODAY) if i.pk == treaty.pk]

    assert [(i.what, i.computed, i.due_on) for i in items] == [
        (DeadlineKind.PERIODIC_REPORT, False, datetime.date(2027, 3, 1))
    ]


def test_a_sourced_reply_to_a_list_of_issues_says_so_beside_the_computed_periodic_report(world):
    treaty = InstrumentFactory(
        code="SYN-LOI",
        jurisdiction=world["federal"],
        next_report_due_on=datetime.date(2024, 11, 30),
        next_report_due_source="https://example.org/loi",
        next_report_kind=DeadlineKind.LOI_REPLY,
    )
    cycle(treaty, 60)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2017, 6, 1), reviewed_precision=Precision.MONTH)

    items = by_reference(deadlines(world["user"], {}, TODAY))

    assert not items["SYN-LOI: Reply to a list of issues"].computed
    assert items["SYN-LOI: Periodic report"].computed


def test_a_rule_for_a_kind_of_instrument_covers_each_one_bound(world):
    fundamental = InstrumentFactory(code="C-SYN-1", kind=Instrument.Kind.ILO_FUNDAMENTAL, jurisdiction=world["federal"])
    technical = InstrumentFactory(code="C-SYN-2", kind=Instrument.Kind.ILO_OTHER, jurisdiction=world["federal"])
    InstrumentFactory(
        code="C-SYN-3",
        kind=Instrument.Kind.ILO_OTHER,
        jurisdiction=world["federal"],
        pakistan_status=Instrument.PakistanStatus.NOT_RATIFIED,
    )
    for kind, months in ((Instrument.Kind.ILO_FUNDAMENTAL, 36), (Instrument.Kind.ILO_OTHER, 72)):
        ReportingCycle.objects.create(
            instrument_kind=kind, deadline=DeadlineKind.ARTICLE_22_REPORT, period_months=months, rule_text="synthetic"
        )
    for instrument in (fundamental, technical):
        ReviewFactory(instrument=instrument, reviewed_on=datetime.date(2023, 1, 1), kind=Review.Kind.ILO_COMMENTS)

    items = by_reference(deadlines(world["user"], {}, TODAY))

    assert items["C-SYN-1: ILO article 22 report"].due_on == datetime.date(2026, 1, 1)
    assert items["C-SYN-2: ILO article 22 report"].due_on == datetime.date(2029, 1, 1)
    assert "C-SYN-3: ILO article 22 report" not in items  # not ratified: no cycle


def test_the_simplified_procedure_makes_the_deadline_the_reply_to_the_list_of_issues(world):
    treaty = InstrumentFactory(code="SYN-SP", jurisdiction=world["federal"])
    cycle(treaty, 48, simplified_procedure=True)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2024, 10, 17))

    item = [i for i in deadlines(world["user"], {}, TODAY) if i.pk == treaty.pk][0]

    assert item.what == DeadlineKind.LOIPR_REPLY and item.due_on == datetime.date(2028, 10, 17)


def test_priority_recommendations_show_their_follow_up_reply_in_the_calendar(client, world):
    treaty = InstrumentFactory(code="SYN-FU", jurisdiction=world["federal"])
    priority = RecommendationFactory(
        commitment__instrument=treaty,
        commitment__jurisdiction=world["federal"],
        commitment__reference="CO-15",
        mechanism__instrument=treaty,
        follow_up_due_on=datetime.date(2027, 11, 7),
    )
    RecommendationFactory(
        commitment__instrument=treaty, commitment__jurisdiction=world["federal"], mechanism=priority.mechanism
    )
    replied = RecommendationFactory(
        commitment__instrument=treaty,
        commitment__jurisdiction=world["federal"],
        mechanism=priority.mechanism,
        follow_up_due_on=datetime.date(2025, 11, 7),
        follow_up_replied_on=datetime.date(2025, 10, 1),
    )
    client.force_login(world["user"])

    response = client.get(reverse("commitments:calendar"))

    upcoming = [row["d"] for row in response.context["upcoming"]]
    follow_ups = [d for d in upcoming if d.what == DeadlineKind.FOLLOW_UP_REPLY]
    assert [(d.reference, d.due_on) for d in follow_ups] == [
        ("SYN-FU CO-15: follow-up reply", datetime.date(2027, 11, 7))
    ]
    assert replied.pk not in [d.pk for d in follow_ups]
    assert "Follow-up reply" in response.content.decode()
    only = client.get(reverse("commitments:calendar"), {"what": "follow_up"})
    assert [row["d"].what for row in only.context["upcoming"]] == [DeadlineKind.FOLLOW_UP_REPLY]


def test_the_feed_says_which_dates_are_computed(client, world):
    treaty = InstrumentFactory(code="SYN-FEED", jurisdiction=world["federal"])
    cycle(treaty, 48)
    ReviewFactory(instrument=treaty, reviewed_on=datetime.date(2025, 1, 10))
    token = calendar_token_create(user=world["user"])

    response = client.get(reverse("commitments:calendar_feed", args=[token]))

    events = [c for c in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    summaries = [str(e["summary"]) for e in events]
    assert "Due (computed from the reporting cycle): SYN-FEED: Periodic report" in summaries
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_the_calendar_costs_the_same_queries_with_few_and_many_cycles(client, world, django_assert_num_queries):
    client.force_login(world["user"])
    for n in range(2):
        treaty = InstrumentFactory(code=f"SYN-Q{n}", jurisdiction=world["federal"])
        cycle(treaty, 48)
        ReviewFactory(instrument=treaty)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("commitments:calendar"))
    for n in range(2, 30):
        treaty = InstrumentFactory(code=f"SYN-Q{n}", jurisdiction=world["federal"])
        cycle(treaty, 48)
        ReviewFactory(instrument=treaty)
        RecommendationFactory(
            commitment__instrument=treaty,
            commitment__jurisdiction=world["federal"],
            mechanism__instrument=treaty,
            follow_up_due_on=datetime.date(2030, 1, n % 28 + 1),
        )
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("commitments:calendar"))
    assert len([r for r in response.context["upcoming"] if r["d"].computed]) == 30


def test_every_seeded_ratified_treaty_with_a_periodicity_has_a_computed_next_due_date(seeded):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("cycle-admin", "cycle@example.org", "x")
    items = deadlines(admin, {}, TODAY)
    computed = {i.reference.split(":")[0] for i in items if i.computed}
    with_periodicity = set(
        Instrument.objects.exclude(reporting_periodicity="")
        .filter(pakistan_status__in=["ratified", "acceded"])
        .values_list("code", flat=True)
    )
    assert with_periodicity == {"ICERD", "ICESCR", "ICCPR", "CEDAW", "CAT", "CRC", "CRPD"}
    assert with_periodicity <= computed
    # The two sourced dates are replies to a list of issues, and say so.
    sourced = {i.reference for i in items if i.is_report and not i.computed}
    assert {"ICESCR: Reply to a list of issues", "CRC: Reply to a list of issues"} <= sourced
    assert not any(r.endswith("Periodic report") for r in sourced)


def test_the_seed_has_mechanisms_and_cycle_rules_from_the_facts_and_no_recommendation(seeded):
    from commitments.models import Mechanism, Recommendation

    assert not Recommendation.objects.exists()
    assert Mechanism.objects.get(slug="hrc").instrument.code == "ICCPR"
    assert "ccpr" in Mechanism.objects.get(slug="hrc").names()
    rules = {(r.instrument.code, r.period_months, r.initial_months, r.rule_text) for r in ReportingCycle.objects.all()}
    assert ("CRPD", 48, 24, "initial within 2 yrs, then every 4 yrs") in rules
    assert ("ICERD", 24, None, "2 yrs") in rules
    assert ("GSP+", 24, None, "biennial GSP reports") in rules
    assert len(rules) == 8
