"""The seeded data says what its sources say: dates with their precision, URLs, article passages.

Checked against the repository's copies in seeds/ (the facts file, the article, the curation).
Passages are compared with the article word for word after normalising only whitespace and
curly quotes (’ ‘ → ', “ ” → "), so a passage copied with straight quotes still matches.
"""

import datetime
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from commitments import derived, models, seeding
from commitments.dates import parse_partial_date

pytestmark = pytest.mark.django_db

SEEDS = Path(settings.BASE_DIR) / "seeds"
FACTS = yaml.safe_load((SEEDS / "pakistan-commitments.yaml").read_text(encoding="utf-8"))
CURATION = yaml.safe_load((SEEDS / "curation.yaml").read_text(encoding="utf-8"))
ARTICLE_URL = (
    "https://democracy-reporting.org/en/office/pakistan/story/celebrating-a-decade-of-human-rights-work-in-pakistan"
)
GSP_CODE = CURATION["instrument_codes"]["EU-GSP-978/2012"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def normalise(text):
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


ARTICLE = normalise((SEEDS / "article.txt").read_text(encoding="utf-8"))


def urls(value):
    values = value if isinstance(value, list) else [value]
    return {ARTICLE_URL if v == "article" else v for v in values}


def instrument_for(facts):
    return models.Instrument.objects.get(code=CURATION["instrument_codes"].get(facts["code"], facts["code"]))


def source_urls(record):
    return set(record.sources.values_list("url", flat=True))


def test_the_fixtures_are_what_build_fixtures_makes_of_the_seeds():
    spec = importlib.util.spec_from_file_location("build_fixtures", SEEDS / "build_fixtures.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name, data in builder.build().items():
        assert json.loads((seeding.FIXTURES_DIR / name).read_text(encoding="utf-8")) == data, name


def test_every_instrument_of_the_facts_is_seeded_with_its_dates_precision_and_sources(seeded):
    for facts in FACTS["instruments"]:
        instrument = instrument_for(facts)
        assert (instrument.bound_on, instrument.bound_precision) == parse_partial_date(facts.get("date")), facts["code"]
        assert (instrument.signed_on, instrument.signed_precision) == parse_partial_date(facts.get("signed")), facts[
            "code"
        ]
        expected = urls(facts["source_url"]) | ({ARTICLE_URL} if instrument.source_quote else set())
        assert source_urls(instrument) == expected, facts["code"]
        assert instrument.title == facts["title"]
        assert instrument.reservations == facts.get("reservations", "")
        assert instrument.reporting_periodicity == facts.get("periodicity", "")


def test_unverified_dates_are_stored_empty(seeded):
    unverified = [f for f in FACTS["instruments"] if f.get("date") == "UNVERIFIED"]
    assert unverified
    for facts in unverified:
        instrument = instrument_for(facts)
        assert instrument.bound_on is None and instrument.bound_precision == ""
        assert instrument.bound_display == ""


def test_a_ratification_known_only_to_the_year_shows_only_the_year(seeded):
    assert models.Instrument.objects.get(code="C029").bound_display == "1957"
    assert models.Instrument.objects.get(code="C029").bound_precision == "year"


def test_the_gsp_scheme_requires_27_conventions_in_four_groups(seeded):
    requirements = models.GSPRequirement.objects.filter(scheme__code=GSP_CODE)
    groups = {}
    for requirement in requirements:
        groups.setdefault(requirement.group, []).append(requirement.instrument.code)
    assert requirements.count() == 27
    assert {group: len(codes) for group, codes in groups.items()} == {
        "human_rights": 7,
        "labour": 8,
        "environment": 8,
        "governance": 4,
    }
    assert {c for f in FACTS["instruments"] if f.get("gsp_plus") for c in [instrument_for(f).code]} == {
        r.instrument.code for r in requirements
    }
    assert "CRPD" not in groups["human_rights"]
    assert {r.annex_part for r in requirements if r.group in ("human_rights", "labour")} == {"Annex VIII Part A"}
    assert {r.annex_part for r in requirements if r.group in ("environment", "governance")} == {"Annex VIII Part B"}
    assert models.Instrument.objects.get(code=GSP_CODE).kind == models.Instrument.Kind.TRADE_SCHEME


def test_every_seeded_record_rests_on_a_source_or_an_article_passage(seeded):
    for model in (models.Instrument, models.Organisation, models.Commitment, models.Review):
        for record in model.objects.prefetch_related("sources"):
            assert record.sources.exists() or record.source_quote, f"{model.__name__} {record}"


def test_every_source_quote_is_in_the_article_word_for_word(seeded):
    quotes = []
    for model in (models.Instrument, models.Organisation, models.Commitment, models.Review):
        quotes += [(str(r), r.source_quote) for r in model.objects.exclude(source_quote="")]
    assert len(quotes) > 30
    for record, quote in quotes:
        assert normalise(quote) in ARTICLE, record


def test_every_passage_quoted_in_a_seeded_update_note_is_in_the_article(seeded):
    quoting = 0
    for update in models.StatusUpdate.objects.all():
        passages = re.findall(r'"([^"]+)"', update.note)
        quoting += bool(passages)
        for passage in passages:
            assert normalise(passage) in ARTICLE, update
    assert quoting >= 10


def test_every_source_address_comes_from_the_facts_or_is_the_article(seeded):
    facts_text = (SEEDS / "pakistan-commitments.yaml").read_text(encoding="utf-8")
    article = models.Source.objects.get(url=ARTICLE_URL)
    assert article.title == "Celebrating a decade of human rights work in Pakistan"
    for url in models.Source.objects.exclude(url=ARTICLE_URL).values_list("url", flat=True):
        assert url in facts_text


def test_institutions_carry_the_facts_dates_and_the_commission_keeps_the_articles_claim(seeded):
    by_name = {i["name"]: i for i in FACTS["institutions"]}
    for org in CURATION["organisations"]:
        if "facts" not in org:
            continue
        facts = by_name[org["facts"]]
        record = models.Organisation.objects.get(slug=org["slug"])
        assert (record.established_on, record.established_precision) == parse_partial_date(facts.get("established"))
        assert urls(facts["source_url"]) <= source_urls(record)
    nchr = models.Organisation.objects.get(slug="nchr")
    assert nchr.established_display == "2015"
    assert "in 2016" in nchr.source_quote
    assert ARTICLE_URL in source_urls(nchr)
    assert "2015" in nchr.notes and "2016" in nchr.notes


def test_the_tracker_organisation_and_the_monitoring_bodies_are_seeded(seeded):
    assert models.Organisation.objects.filter(slug="dri").exists()
    for code, body in (
        ("ICCPR", "hrc"),
        ("C029", "ilo-ceacr"),
        ("CEDAW", "cedaw-committee"),
        (GSP_CODE, "european-commission"),
    ):
        assert models.Instrument.objects.get(code=code).monitoring_body.slug == body
    assert models.Organisation.objects.filter(kind=models.Organisation.Kind.TREATY_BODY).count() == 7
    assert set(models.Jurisdiction.objects.values_list("code", flat=True)) == {
        "federal",
        "kp",
        "punjab",
        "sindh",
        "balochistan",
        "ict",
        "gb",
        "ajk",
    }


def _named_in(text, review):
    day = review.reviewed_on
    month_year = f"{MONTHS[day.month - 1]} {day.year}"
    if review.reviewed_precision == "month":
        return month_year in text
    return re.search(rf"\b{day.day}(?:-\d{{1,2}})? {month_year}\b", text) is not None


def test_review_dates_are_the_ones_the_facts_give(seeded):
    timeline = {e["date"]: e for e in FACTS["timeline"] if isinstance(e["date"], datetime.date)}
    reviews = models.Review.objects.select_related("instrument")
    assert reviews.count() == 12
    for review in reviews:
        if review.instrument.code == GSP_CODE:
            entry = timeline[review.reviewed_on]
            assert review.reviewed_precision == "day"
            assert urls(entry["source_url"]) == source_urls(review)
        else:
            facts = next(f for f in FACTS["instruments"] if f["code"] == review.instrument.code)
            assert _named_in(facts["last_review"], review), review
            assert urls(facts["source_url"]) == source_urls(review)
    iccpr = reviews.get(instrument__code="ICCPR")
    assert (iccpr.reviewed_on, iccpr.reviewed_precision) == (datetime.date(2024, 10, 17), "day")
    assert reviews.get(instrument__code="CEDAW").reviewed_display == "12 February 2020"
    assert {r.reviewed_display for r in reviews.filter(instrument__code="ICERD")} == {"August 2024", "August 2016"}


def test_a_next_report_is_due_only_where_the_facts_give_the_day(seeded):
    due = dict(models.Instrument.objects.exclude(next_report_due_on=None).values_list("code", "next_report_due_on"))
    assert due == {"ICESCR": datetime.date(2024, 11, 30), "CRC": datetime.date(2025, 2, 15)}
    for instrument in models.Instrument.objects.exclude(next_report_due_on=None):
        assert instrument.next_report_due_source
    assert not models.Commitment.objects.exclude(due_on=None).exists()


def test_commitments_cover_the_gsp_obligations_treaties_and_the_articles_actions(seeded):
    gsp = models.Commitment.objects.filter(instrument__code=GSP_CODE, reference__startswith="ANNEX-VIII-")
    assert gsp.count() == 27
    for obligation in gsp:
        assert obligation.title.startswith("Effectively implement the ")
        (contributor,) = obligation.contributions.filter(reference="IMPL")
        assert obligation.reference == f"ANNEX-VIII-{contributor.instrument.code}"
    treaties = models.Commitment.objects.filter(reference="IMPL", instrument__kind__in=["un_core", "ilo_fundamental"])
    assert treaties.count() == 15
    for commitment in models.Commitment.objects.select_related("jurisdiction", "responsible_body"):
        assert commitment.jurisdiction and commitment.responsible_body and commitment.themes.exists(), commitment


def test_the_kp_action_plan_contributes_to_the_cedaw_and_iccpr_obligations(seeded):
    plan = models.Commitment.objects.get_by_natural_key("KP-HRAP-2020", "DEVELOP-LAUNCH")
    targets = {(c.instrument.code, c.reference) for c in plan.contributes_to.select_related("instrument")}
    assert targets == {
        ("CEDAW", "IMPL"),
        ("ICCPR", "IMPL"),
        (GSP_CODE, "ANNEX-VIII-CEDAW"),
        (GSP_CODE, "ANNEX-VIII-ICCPR"),
    }
    assert plan.jurisdiction.code == "kp"


def test_contribution_links_form_no_cycle(seeded):
    edges = {}
    for source_id, target_id in models.CommitmentLink.objects.values_list("source_id", "target_id"):
        edges.setdefault(source_id, set()).add(target_id)

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n))) for n in edges.get(start, ()))

    assert edges
    assert not any(reaches(node, node) for node in edges)


D = datetime.date


@pytest.mark.parametrize(
    "key, history, headline",
    [
        (
            ("KP-HRAP-2020", "DEVELOP-LAUNCH"),
            [
                ("in_progress", D(2019, 1, 1), "year", "dri"),
                ("implemented", D(2020, 1, 1), "year", "dri"),
                ("implemented", D(2020, 12, 15), "day", "the-nation"),
            ],
            ("implemented", "2020"),
        ),
        (
            ("KP-TG-RES-2016", "TG-VOTING"),
            [("implemented", D(2016, 12, 6), "day", "dawn")],
            ("implemented", "6 December 2016"),
        ),
        (
            ("NAP-BHR-2021", "ADOPT-LAUNCH"),
            [("implemented", D(2021, 9, 28), "day", "dri")],
            ("implemented", "28 September 2021"),
        ),
        (
            ("NCHR-ACT-2012", "ESTABLISH-NCHR"),
            [("implemented", D(2015, 5, 1), "month", "dawn"), ("implemented", D(2016, 1, 1), "year", "dri")],
            ("implemented", "2016"),
        ),
        (("ICCPR", "CIVIC-SPACE"), [("not_started", D(2021, 1, 1), "year", "the-awakening")], ("not_started", "2021")),
        ((GSP_CODE, "ANNEX-VIII-C029"), [], ("no_information", "")),
        (("CAT", "IMPL"), [], ("no_information", "")),
    ],
)
def test_seeded_updates_say_what_their_sources_say_dated_as_precisely_as_they_do(seeded, key, history, headline):
    commitment = models.Commitment.objects.get_by_natural_key(*key)
    stored = [
        (u.status, u.effective_on, u.effective_precision, u.assessor.slug)
        for u in commitment.updates.select_related("assessor").order_by("effective_on", "id")
    ]
    assert stored == history
    assert (commitment.status, commitment.status_date_display) == headline


def test_no_seeded_update_says_no_information(seeded):
    """Where the article says nothing, the honest seed is no update at all."""
    assert not models.StatusUpdate.objects.filter(status=models.Status.NO_INFORMATION).exists()
    gsp = models.Commitment.objects.filter(instrument__code=GSP_CODE, reference__startswith="ANNEX-VIII-")
    assert not models.StatusUpdate.objects.filter(commitment__in=gsp).exists()


def test_a_gsp_convention_headline_follows_the_sources_that_assess_it(seeded):
    from commitments.services.history import status_update_record

    obligation = models.Commitment.objects.get_by_natural_key(GSP_CODE, "ANNEX-VIII-CAT")
    for slug in ("cat-committee", "mohr"):
        status_update_record(
            commitment=obligation,
            status=models.Status.PARTIALLY_IMPLEMENTED,
            effective_on=D(2024, 6, 1),
            assessor=models.Organisation.objects.get(slug=slug),
            recorded_by=None,
            note="Synthetic assessment for the test.",
        )
    obligation.refresh_from_db()
    assert obligation.status == models.Status.PARTIALLY_IMPLEMENTED


def test_the_nchr_dates_are_each_in_the_name_of_the_source_that_gives_them(seeded):
    commitment = models.Commitment.objects.get_by_natural_key("NCHR-ACT-2012", "ESTABLISH-NCHR")
    sourced = commitment.updates.get(assessor__slug="dawn")
    assert sourced.effective_display == "May 2015"
    assert {e.url for e in sourced.evidence.all()} <= urls(FACTS["institutions"][0]["source_url"]) | {
        url for i in FACTS["institutions"] for url in urls(i["source_url"])
    }
    claim = commitment.updates.get(assessor__slug="dri")
    assert claim.effective_display == "2016" and "in 2016" in claim.note
    assert {e.url for e in claim.evidence.all()} == {ARTICLE_URL}


def test_the_transgender_resolution_date_cites_the_reports_that_give_it(seeded):
    commitment = models.Commitment.objects.get_by_natural_key("KP-TG-RES-2016", "TG-VOTING")
    (update,) = commitment.updates.all()
    timeline = next(e for e in FACTS["timeline"] if str(e["date"]) == "2016-12-06")
    assert {e.url for e in update.evidence.all()} == urls(timeline["source_url"])
    assert update.assessor.slug != "blue-veins"


def test_the_support_to_punjab_and_sindh_quotes_the_article_in_full_and_is_dris_own_project(seeded):
    for reference in ("DRI-SUPPORT-PUNJAB", "DRI-SUPPORT-SINDH"):
        commitment = models.Commitment.objects.get(reference=reference)
        assert commitment.is_own_project
        (update,) = commitment.updates.all()
        assert "to implement this new action plan" in update.note


def test_dris_own_projects_are_not_in_the_punjab_and_sindh_bars(seeded):
    from commitments.scopes import Scope
    from commitments.selectors.dashboard import count_rows, jurisdiction_bars
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    rows = count_rows(admin, Scope(), models.Commitment.objects.all())
    bars = {bar.label: bar for bar in jurisdiction_bars(rows, Scope())}
    for name, code in (("Punjab", "punjab"), ("Sindh", "sindh")):
        government = models.Commitment.objects.filter(jurisdiction__code=code, is_own_project=False).count()
        assert sum(bars[name].counts.values()) == government
        assert bars[name].filters["own_project"] == "no"


def test_the_kp_plan_history_starts_with_its_development_and_says_why(seeded):
    plan = models.Commitment.objects.get_by_natural_key("KP-HRAP-2020", "DEVELOP-LAUNCH")
    assert plan.history_starts_on == D(2019, 1, 1)
    assert "2019" in plan.history_starts_reason
    assert models.Commitment.objects.with_status_as_of(D(2020, 6, 30)).get(pk=plan.pk).status_as_of == "in_progress"


def test_links_carry_their_basis(seeded):
    def link(source, target):
        return models.CommitmentLink.objects.get(
            source=models.Commitment.objects.get_by_natural_key(*source),
            target=models.Commitment.objects.get_by_natural_key(*target),
        )

    assert link(("KP-HRAP-2020", "DEVELOP-LAUNCH"), ("CEDAW", "IMPL")).basis == "editorial"
    assert link(("KP-TG-RES-2016", "TG-VOTING"), ("ICCPR", "IMPL")).basis == "editorial"
    assert link(("NAP-BHR-2021", "ADOPT-LAUNCH"), ("C029", "IMPL")).basis == "sourced"
    assert link(("CAT", "IMPL"), (GSP_CODE, "ANNEX-VIII-CAT")).basis == "sourced"


def test_every_seeded_update_has_its_source_as_evidence(seeded):
    updates = json.loads((seeding.FIXTURES_DIR / seeding.STATUS_UPDATES_FILE).read_text())["updates"]
    assert models.StatusUpdate.objects.count() == len(updates)
    facts_text = (SEEDS / "pakistan-commitments.yaml").read_text(encoding="utf-8")
    for update in models.StatusUpdate.objects.prefetch_related("evidence"):
        evidence = list(update.evidence.all())
        assert evidence, update
        quotes_article = '"' in update.note
        for item in evidence:
            assert (item.url == ARTICLE_URL) == quotes_article, update
            assert item.url == ARTICLE_URL or item.url in facts_text, update
            assert item.sensitivity == models.Sensitivity.PUBLIC
        assert update.recorded_by is None
        assert update.sensitivity == models.Sensitivity.PUBLIC


def test_seeded_updates_keep_the_derived_data_right(seeded):
    assert derived.recompute_month_deltas() == derived.stored_month_deltas()
    views = set(models.StatusUpdate.objects.values_list("commitment_id", "assessor_id"))
    assert models.Assessment.objects.count() == len(views)
    derived.check_counts()


def test_every_seeded_scorecard_finding_is_in_the_words_of_a_dated_source(seeded):
    timeline = {str(entry["date"]): entry for entry in FACTS["timeline"]}
    assert models.ScorecardIssue.objects.count() == len(CURATION["scorecard_issues"])
    for source in models.IssueSource.objects.select_related("organisation"):
        if source.kind == "civil_society":
            assert normalise(source.passage) in ARTICLE
            assert source.url == ARTICLE_URL
        else:
            entry = timeline[source.said_on.isoformat()]
            assert source.passage in entry["event"]
            assert source.url in urls(entry["source_url"])
    # Nothing says an issue was resolved or progressed: every seeded state is a finding "open".
    assert set(models.IssueUpdate.objects.values_list("status", "kind")) == {("open", "finding")}
    # Each cycle is the period its report names, and the report dates after it.
    for cycle in models.GSPCycle.objects.select_related("report"):
        assert f"({cycle.starts_on.year}-{str(cycle.ends_on.year)[2:]})" in cycle.report.title
        assert cycle.report.reviewed_on > cycle.ends_on
    (requirement_list,) = models.GSPRequirementList.objects.all()
    assert (requirement_list.valid_from, requirement_list.valid_until) == (
        datetime.date(2014, 1, 1),
        datetime.date(2027, 12, 31),
    )
    derived.check_rollup()
