import datetime
import gzip
import html
import re

import pytest
from django.core.management import call_command, get_commands
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import models
from commitments.selectors import dashboard
from commitments.services.history import status_update_record
from tests import rich_data
from tests.factories import (
    CommitmentFactory,
    InstrumentFactory,
    JurisdictionFactory,
    OrganisationFactory,
    ProfileFactory,
    UserFactory,
)

COUNTED_LINK = re.compile(r'<a [^>]*?href="(?P<href>[^"]+)"[^>]*?data-count="(?P<count>\d+)"')
LIST_TOTAL = re.compile(r'data-total="(\d+)"')


def counted_links(content):
    return [(html.unescape(m["href"]), int(m["count"])) for m in COUNTED_LINK.finditer(content.decode())]


def list_total(client, href):
    response = client.get(href)
    assert response.status_code == 200, href
    return int(LIST_TOTAL.search(response.content.decode()).group(1))


def assert_every_number_matches_its_list(client):
    response = client.get(reverse("commitments:dashboard"))
    links = counted_links(response.content)
    assert links, "the dashboard shows no counted links"
    totals = {href: list_total(client, href) for href in {href for href, _count in links}}
    mismatches = [(href, count, totals[href]) for href, count in links if totals[href] != count]
    assert mismatches == []
    return links


@pytest.mark.django_db
def test_every_dashboard_number_agrees_with_the_list_it_links_to(client):
    data = rich_data.build()
    for user in (data.admin, data.punjab_viewer):
        client.force_login(user)
        links = assert_every_number_matches_its_list(client)
        # Every kind of figure is there to be checked, not just the totals.
        hrefs = " ".join(href for href, count in links)
        for param in ("status=", "overdue=yes", "stale=yes", "contested=yes", "jurisdiction=", "as_of="):
            assert param in hrefs, (user, param)
    client.force_login(data.admin)
    hrefs = " ".join(href for href, _count in counted_links(client.get("/").content))
    for param in (
        "group=labour",
        "group=human_rights",
        "instrument=PB-HRP",
        "instrument=NAP-HR",
        "theme=",
        "contributes_to=",
        "contributes_to_instrument=",
    ):
        assert param in hrefs, param


@pytest.mark.django_db
def test_every_dashboard_number_agrees_with_its_list_on_the_seeded_data(client):
    if "seed" not in get_commands():
        pytest.skip("the `seed` management command does not exist in this build yet")
    call_command("seed")
    assert models.Commitment.objects.exists(), "seed loaded no commitments"
    admin = UserFactory(username="seed-check-admin", role="Administrator")
    client.force_login(admin)
    assert_every_number_matches_its_list(client)
    # And for someone who reads one province only.
    province = models.Jurisdiction.objects.filter(kind="province").first()
    if province is not None:
        viewer = UserFactory(username="seed-check-viewer", role="Viewer")
        ProfileFactory(user=viewer, read=[province])
        client.force_login(viewer)
        assert_every_number_matches_its_list(client)


@pytest.mark.django_db
def test_the_trend_counts_a_commitment_implemented_in_march_and_regressed_in_may_as_implemented_in_april_only(
    client,
):
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    own = OrganisationFactory(slug="dri")
    editor = UserFactory(role="Administrator")
    commitment = CommitmentFactory(jurisdiction=federal)
    for status, day in (
        (models.Status.IN_PROGRESS, datetime.date(2024, 1, 20)),
        (models.Status.IMPLEMENTED, datetime.date(2024, 3, 10)),
        (models.Status.REGRESSED, datetime.date(2024, 5, 3)),
    ):
        status_update_record(commitment=commitment, status=status, effective_on=day, assessor=own, recorded_by=editor)
    # Today's status is "regressed": the trend must come from the history, not from it.
    rows = dashboard.trend(editor, today=datetime.date(2024, 6, 15), months=6)
    implemented = {row["month"].month: row["counts"][0]["count"] for row in rows}
    in_progress = {row["month"].month: row["counts"][2]["count"] for row in rows}
    assert rows[0]["counts"][0]["status"] == models.Status.IMPLEMENTED
    assert implemented == {1: 0, 2: 0, 3: 1, 4: 1, 5: 0, 6: 0}
    assert in_progress == {1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    # The month's link lists exactly that commitment, as of the month end.
    client.force_login(editor)
    april = rows[3]["counts"][0]["url"]
    assert "as_of=2024-04-30" in april
    assert list_total(client, april) == 1
    assert list_total(client, rows[4]["counts"][0]["url"]) == 0


@pytest.mark.django_db
def test_a_viewer_sees_only_the_commitments_of_the_jurisdictions_they_may_read(client):
    data = rich_data.build()
    client.force_login(data.punjab_viewer)
    response = client.get(reverse("commitments:dashboard"))
    punjab = models.Commitment.objects.filter(jurisdiction=data.punjab).count()
    assert response.context["overall"].total == punjab < len(data.commitments)
    assert [bar.label for bar in response.context["jurisdictions"]] == ["Punjab"]
    # Restricted updates are not in anyone's activity feed unless they are named on them.
    assert "Restricted detail" not in response.content.decode()
    assert all(u.sensitivity != models.Sensitivity.RESTRICTED for u in response.context["recent"])


@pytest.mark.django_db
def test_the_dashboard_lists_contested_commitments_with_each_sources_view(client):
    data = rich_data.build()
    client.force_login(data.admin)
    response = client.get(reverse("commitments:dashboard"))
    contested = response.context["contested"]
    assert contested
    views = {a.assessor.slug: a.status for a in contested[0].assessments.all()}
    assert views["mohr"] == models.Status.IMPLEMENTED
    assert views["cso"] == models.Status.PARTIALLY_IMPLEMENTED


@pytest.mark.django_db
def test_overdue_and_stale_lists_put_the_most_urgent_first(client):
    data = rich_data.build()
    client.force_login(data.admin)
    context = client.get(reverse("commitments:dashboard")).context
    overdue = context["overdue"]
    assert overdue and all(c.is_overdue() for c in overdue)
    assert [c.due_on for c in overdue] == sorted(c.due_on for c in overdue)
    stale = context["stale"]
    assert stale and all(c.is_stale() for c in stale)
    # Never-updated commitments come before those updated long ago.
    never = [c.last_effective_on is None for c in stale]
    dated = [c.last_effective_on for c in stale if c.last_effective_on]
    assert dated == sorted(dated)
    assert never == sorted(never, reverse=True)


@pytest.mark.django_db
def test_the_dashboard_query_count_does_not_grow_with_the_number_of_commitments(client):
    data = rich_data.build(scale=1)
    client.force_login(data.admin)
    client.get(reverse("commitments:dashboard"))  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("commitments:dashboard")).status_code == 200
    rich_data.add(data, scale=10, start=1000)
    assert models.Commitment.objects.count() >= 200
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("commitments:dashboard"))
    # session, user, groups; roll-up by convention and by national commitment; trend (two);
    # overdue, stale and contested counts; status, GSP+ group, plan, jurisdiction and theme bars;
    # contested commitments and their assessments; overdue list; stale list; recent activity (ids, then rows).
    assert len(many) == len(few)
    assert len(gzip.compress(response.content)) < 150 * 1024


@pytest.mark.django_db
def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("commitments:dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_plans_and_gsp_groups_show_counts_per_status(client):
    data = rich_data.build()
    client.force_login(data.admin)
    context = client.get(reverse("commitments:dashboard")).context
    groups = {group["group"]: group["own"] for group in context["gsp_groups"]}
    assert list(groups) == ["human_rights", "labour", "environment", "governance"]
    expected = models.Commitment.objects.filter(instrument__code="C087").count()
    assert groups["labour"].total == expected
    plans = [bar.filters["instrument"] for bar in context["plans"]]
    assert plans == ["NAP-HR", "PB-HRP", "SD-HRP"]
    InstrumentFactory(code="EMPTY", kind="provincial_plan")
    assert [bar.filters["instrument"] for bar in client.get("/").context["plans"]] == plans


@pytest.mark.django_db
def test_recent_activity_is_the_ten_latest_recorded_updates_newest_first():
    from commitments.selectors.dashboard import recent_activity

    data = rich_data.build()
    visible = list(models.StatusUpdate.objects.visible_to(data.punjab_viewer))
    assert len(visible) > 10
    newest = sorted(visible, key=lambda u: (u.recorded_at, u.pk), reverse=True)[:10]

    assert [u.pk for u in recent_activity(data.punjab_viewer)] == [u.pk for u in newest]


@pytest.mark.django_db
def test_overdue_reports_to_monitoring_bodies_are_a_figure_of_their_own_linking_to_the_calendar(client):
    """No commitment overdue, two treaty reports past their due date: the dashboard does not say "nothing overdue"."""
    today = datetime.date.today()
    federal = JurisdictionFactory(code="federal", name="Federal", kind="federal")
    for code, late in (("ICESCR", 731), ("CRC", 654)):
        instrument = InstrumentFactory(
            code=code,
            jurisdiction=federal,
            next_report_due_on=today - datetime.timedelta(days=late),
            next_report_due_source="https://example.org/due",
        )
        CommitmentFactory(instrument=instrument, jurisdiction=federal)
    InstrumentFactory(
        code="CEDAW",
        jurisdiction=federal,
        next_report_due_on=today + datetime.timedelta(days=30),
        next_report_due_source="https://example.org/due",
    )
    client.force_login(UserFactory(role="Administrator"))
    response = client.get(reverse("commitments:dashboard"))
    context = response.context
    assert context["overdue_count"] == 0
    assert context["overdue_reports_count"] == 2
    link = context["overdue_reports_url"]
    assert link.startswith(reverse("commitments:calendar")) and "when=overdue" in link and "what=reports" in link
    assert (link, 2) in counted_links(response.content)
    calendar = client.get(link)
    assert [row["d"].reference for row in calendar.context["overdue"]] == [
        "ICESCR: Periodic report",
        "CRC: Periodic report",
    ]
    assert list_total(client, link) == 2
    # Scoped to an instrument, the figure and its calendar say the same.
    scoped = client.get(reverse("commitments:dashboard"), {"instrument": "CRC"})
    assert scoped.context["overdue_reports_count"] == 1
    assert list_total(client, scoped.context["overdue_reports_url"]) == 1


@pytest.mark.django_db
def test_the_trend_chart_has_axes_a_name_and_a_table_and_every_bar_is_named(client):
    data = rich_data.build()
    client.force_login(data.admin)
    page = client.get(reverse("commitments:dashboard")).content.decode()
    chart = re.search(r'<figure class="trend-chart">(.*?)</figure>', page, re.S).group(1)
    assert re.search(r'<svg class="trend"[^>]*role="img"[^>]*aria-labelledby="trend-name"', chart)
    assert re.search(r'<title id="trend-name">Commitments by status at each month end, \w+ \d{4} to \w+ \d{4}', chart)
    assert 'class="y-axis"' in chart and 'class="x-axis"' in chart
    assert "<span>0</span>" in chart  # the foot of the count axis
    assert '<table class="trend-table">' in page  # the same figures as a table
    # Each bar is a figure named by what it counts; its links and counts are the text beside the drawing.
    bars = re.findall(r'<div class="barrow"[^>]*>', page)
    assert bars and all('role="figure" aria-label="' in bar for bar in bars)
    assert "<li>Nothing is overdue.</li>" not in page and "<li>No contested commitments.</li>" not in page
