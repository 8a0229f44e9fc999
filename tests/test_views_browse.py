import datetime
import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from commitments import models
from commitments.services.commitments import commitment_link_add
from tests import rich_data
from tests.factories import CommitmentFactory, EvidenceFactory

LIST = reverse("commitments:list")


def listed(client, query=""):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return {c.reference for c in response.context["table"].data.data}


@pytest.fixture
def data(db):
    return rich_data.build()


def test_the_list_filters_by_each_fact_a_dashboard_counts(client, data):
    client.force_login(data.admin)
    everything = models.Commitment.objects.all()
    today = timezone.localdate()

    def refs(queryset):
        return set(queryset.values_list("reference", flat=True))

    assert listed(client) == refs(everything)
    assert listed(client, "overdue=yes") == {c.reference for c in everything if c.is_overdue(today)}
    assert listed(client, "overdue=no") == {c.reference for c in everything if not c.is_overdue(today)}
    assert listed(client, "stale=yes") == {c.reference for c in everything if c.is_stale()}
    assert listed(client, "contested=yes") == refs(everything.filter(contested=True))
    assert listed(client, "group=labour") == refs(everything.filter(instrument__code="C087"))
    assert listed(client, "kind=provincial_plan") == refs(everything.filter(instrument__kind="provincial_plan"))
    assert listed(client, "instrument=NAP-HR&status=in_progress") == refs(
        everything.filter(instrument__code="NAP-HR", status="in_progress")
    )
    assert listed(client, "jurisdiction=punjab") == refs(everything.filter(jurisdiction__code="punjab"))
    assert listed(client, "theme=labour") == refs(everything.filter(themes__slug="labour"))
    assert listed(client, "responsible=mohr") == refs(everything)
    assert listed(client, "source=cso&source_status=partially_implemented") == refs(everything.filter(contested=True))
    assert listed(client, "source=cso&source_status=implemented") == set()
    assert listed(client, "q=number 7") == {"R7"}
    due = today - datetime.timedelta(days=30)
    assert listed(client, f"due_from={due}&due_to={due}") == refs(everything.filter(due_on=due))
    # Verified: the update behind the headline was verified by a reviewer.
    verified = refs(everything.filter(updates__verified_at__isnull=False))
    assert verified and listed(client, "verified=yes") == verified
    assert listed(client, "verified=no") == refs(everything) - verified


def test_status_as_of_a_date_uses_the_history_not_todays_status(client, data):
    client.force_login(data.admin)
    # On 2024-02-28 the commitments started in January or February were in progress, nothing else.
    started = {
        c.reference
        for c in models.Commitment.objects.filter(updates__effective_on__lte=datetime.date(2024, 2, 28)).distinct()
    }
    assert started
    assert listed(client, "as_of=2024-02-28&status=in_progress") == started
    assert listed(client, "as_of=2024-02-28&status=implemented") == set()
    response = client.get(f"{LIST}?as_of=2024-02-28")
    assert "Status on 28 February 2024" in response.content.decode()


def test_a_viewer_lists_only_what_they_may_read(client, data):
    client.force_login(data.punjab_viewer)
    assert listed(client) == set(
        models.Commitment.objects.filter(jurisdiction=data.punjab).values_list("reference", flat=True)
    )
    # Filtering cannot reach outside: a federal instrument's Punjab commitments only.
    assert (
        all(ref for ref in listed(client, "jurisdiction=federal")) and listed(client, "jurisdiction=federal") == set()
    )


def test_the_filter_state_lives_in_the_url_and_survives_sorting_and_paging(client, data):
    rich_data.add(data, scale=3, start=500)
    client.force_login(data.admin)
    response = client.get(f"{LIST}?responsible=mohr&sort=-due_on")
    content = response.content.decode()
    assert response.context["table"].paginator.num_pages > 1
    next_page = content.split("page=2")[0].rsplit('href="', 1)[1]
    assert "responsible=mohr" in next_page and "sort=-due_on" in next_page
    page = response.context["table"].page.object_list
    dues = [row.record.due_on for row in page if row.record.due_on]
    assert dues == sorted(dues, reverse=True)
    # The export links carry the same filters and order.
    assert "responsible=mohr&amp;sort=-due_on&amp;export=csv" in content


def test_the_list_query_count_does_not_grow_with_the_number_of_commitments(client, data):
    client.force_login(data.admin)
    url = f"{LIST}?overdue=no&verified=no"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    rich_data.add(data, scale=10, start=1000)
    assert models.Commitment.objects.count() >= 200
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    # session, user, groups, count; the instrument, jurisdiction, theme, source and responsible-body
    # choices of the filter form; the page of rows (joined); the themes of the page.
    assert len(many) == len(few)
    assert len(response.context["table"].page.object_list) == 50
    assert len(gzip.compress(response.content)) < 150 * 1024


def test_the_instrument_page_shows_its_facts_and_a_status_breakdown_in_constant_queries(client, data):
    client.force_login(data.admin)
    url = reverse("commitments:instrument", args=["PB-HRP"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    breakdown = response.context["breakdown"]
    assert breakdown.total == models.Commitment.objects.filter(instrument__code="PB-HRP").count()
    assert "Punjab human-rights plan" in response.content.decode()
    rich_data.add(data, scale=10, start=1000)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_instrument_page_counts_only_what_the_user_may_read(client, data):
    client.force_login(data.punjab_viewer)
    response = client.get(reverse("commitments:instrument", args=["ICCPR"]))
    assert (
        response.context["breakdown"].total
        == models.Commitment.objects.filter(instrument__code="ICCPR", jurisdiction=data.punjab).count()
    )


def test_the_commitment_page_shows_each_sources_view_links_and_the_timeline(client, data):
    client.force_login(data.admin)
    contested = models.Commitment.objects.filter(contested=True).first()
    response = client.get(contested.get_absolute_url())
    content = response.content.decode()
    assert "Ministry of Human Rights" in content and "A civil-society group" in content
    assert response.context["can_write"] is True
    provincial = models.CommitmentLink.objects.first()
    response = client.get(provincial.source.get_absolute_url())
    assert provincial.target in list(response.context["contributes_to"])
    response = client.get(provincial.target.get_absolute_url())
    assert provincial.source in list(response.context["contributions"])


def test_the_commitment_page_hides_restricted_updates_from_people_not_named(client, data):
    commitment = models.StatusUpdate.objects.filter(sensitivity="restricted").first().commitment
    client.force_login(data.editor)
    assert "Restricted detail" not in client.get(commitment.get_absolute_url()).content.decode()
    client.force_login(data.admin)
    assert "Restricted detail" in client.get(commitment.get_absolute_url()).content.decode()


def test_a_commitment_outside_the_users_jurisdictions_answers_404(client, data):
    federal = models.Commitment.objects.filter(jurisdiction=data.federal).first()
    client.force_login(data.punjab_viewer)
    assert client.get(federal.get_absolute_url()).status_code == 404


def test_the_commitment_page_query_count_does_not_grow_with_its_history(client, data):
    client.force_login(data.admin)
    commitment = CommitmentFactory(instrument=data.nap, jurisdiction=data.federal)
    for target in data.commitments[:2]:
        commitment_link_add(source=commitment, target=target)
    rich_data.record(data, commitment, "in_progress", datetime.date(2024, 1, 1))
    EvidenceFactory(commitment=commitment)
    client.get(commitment.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(commitment.get_absolute_url())
    for day in range(1, 28):
        update = rich_data.record(data, commitment, "in_progress", datetime.date(2024, 2, day), note=f"Day {day}")
        EvidenceFactory(commitment=commitment, status_update=update)
    for target in data.commitments[2:30]:
        commitment_link_add(source=commitment, target=target)
    with CaptureQueriesContext(connection) as many:
        response = client.get(commitment.get_absolute_url())
    assert "Day 27" in response.content.decode()
    assert len(many) == len(few)


def test_an_invalid_filter_lists_nothing_rather_than_everything_and_says_why(client, data):
    client.force_login(data.admin)
    response = client.get(f"{LIST}?status=bogus")
    assert response.status_code == 400
    assert {c.reference for c in response.context["table"].data.data} == set()
    assert 'class="errorlist"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["contributes_to=99999999999999999999", "contributes_to=²", "contributes_to=abc", "contributes_to=1.5"],
)
def test_a_crafted_id_in_a_filter_is_refused_with_400_and_a_reason(client, data, query):
    client.force_login(data.admin)
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert "Contributes (at any depth) to commitment" in response.content.decode()
    export = client.get(f"{LIST}?{query}&export=csv")
    assert export.status_code == 400 and b"errorlist" in export.content


@pytest.mark.parametrize("value", ["-1", "0", "²", "abc", "99999999999999999999", "501"])
def test_a_page_size_the_table_cannot_use_is_refused_with_400_and_a_reason(client, data, value):
    client.force_login(data.admin)
    for url in (LIST, data.nap.get_absolute_url()):
        response = client.get(f"{url}?per_page={value}")
        assert response.status_code == 400, url
        assert "“per_page” must be a whole number from 1 to 500." in response.content.decode()
    assert client.get(f"{LIST}?per_page=10").status_code == 200


def test_the_list_says_which_filters_are_in_use_and_removes_one_with_a_link(client, data):
    client.force_login(data.admin)
    response = client.get(f"{LIST}?group=labour&status=in_progress&page=1")
    active = {label: (value, without) for label, value, without in response.context["active_filters"]}
    assert active["GSP+ group"][0] == "Labour rights"
    assert active["Status"][0] == "In progress"
    assert active["GSP+ group"][1] == "?status=in_progress"
    assert listed(client, active["GSP+ group"][1].lstrip("?")) == set(
        models.Commitment.objects.filter(status="in_progress").values_list("reference", flat=True)
    )


def test_each_status_badge_on_the_list_takes_the_class_of_its_status(client, data):
    client.force_login(data.admin)
    html = client.get(f"{LIST}?per_page=100").content.decode()
    shown = set(re.findall(r'class="badge status-([^"]+)"', html))
    assert shown == set(models.Commitment.objects.values_list("status", flat=True))
    assert shown <= set(models.Status.values)  # a value, never a label such as "In progress"


def test_a_reference_is_shown_with_its_instrument_in_the_list_and_on_the_commitment_page(client, data):
    client.force_login(data.admin)
    commitment = models.Commitment.objects.get(instrument__code="C087", reference="R1")
    html = client.get(LIST).content.decode()
    assert "C087 · R1" in html
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert "<h1" in page and "C087 · R1: Commitment number 1" in page


def test_the_filters_say_any_and_name_each_instrument_by_code_and_title(client, data):
    client.force_login(data.admin)
    html = client.get(LIST).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>Any</option>' in html
    assert "C087 · Convention C087</option>" in html


def test_the_filters_fold_behind_a_toggle_that_counts_those_in_use(client, data):
    client.force_login(data.admin)
    plain = client.get(LIST).content.decode()
    assert '<details class="filters">' in plain and "<summary>Filters</summary>" in plain
    filtered = client.get(f"{LIST}?status=in_progress&jurisdiction=punjab").content.decode()
    assert '<details class="filters">' in filtered  # folded: the results come first on a phone
    assert "Filters (2 in use)" in filtered
    refused = client.get(f"{LIST}?status=bogus").content.decode()
    assert '<details class="filters" open>' in refused  # open where a filter needs correcting


def test_every_list_cell_names_its_column_for_the_phones_card_layout(client, data):
    client.force_login(data.admin)
    html = client.get(LIST).content.decode()
    for label in ("Reference", "Title", "Status", "Jurisdiction", "Due"):
        assert f'data-label="{label}"' in html
    due = models.Commitment.objects.exclude(due_on=None).first()
    assert date_format(due.due_on, "DATE_FORMAT") in html


def test_a_commitment_without_links_or_sources_says_so_in_sentences(client, data):
    client.force_login(data.admin)
    lonely = CommitmentFactory(instrument=data.nap, reference="LONE", title="Alone", jurisdiction=data.federal)
    html = client.get(lonely.get_absolute_url()).content.decode()
    assert "<li>—</li>" not in html
    assert '<p class="empty">No status recorded yet.</p>' in html
    assert '<p class="empty">It contributes to no other commitment.</p>' in html
    assert '<p class="empty">No sources recorded.</p>' in html
