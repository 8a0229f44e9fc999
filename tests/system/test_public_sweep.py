"""The marker sweep of the public portal: unique markers sit in internal and restricted notes, evidence
titles, file names and file contents, an unverified and a corrected public entry, an unpublished
commitment and an instrument's internal notes; none reaches any public page, feed, download, open
data file, cached (304) response or count."""

import pytest
from django.urls import reverse

from commitments.models import Evidence, StatusUpdate
from tests import figures, public_world
from tests.system.test_access_matrix import configured_urls

pytestmark = pytest.mark.django_db


def content(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data + "".join(f"{k}: {v}\n" for k, v in response.items()).encode()


def public_urls(world):
    """Every URL of the public namespace, with every record of the world it can take."""
    commitments = [world.commitment.pk, world.unpublished.pk]
    evidence = list(Evidence.objects.values_list("pk", flat=True))
    by_name = {
        "public:detail": [[pk] for pk in commitments],
        "public:submit": [[pk] for pk in commitments],
        "public:submitted": [[pk] for pk in commitments],
        "public:evidence_download": [[pk] for pk in evidence],
        "public:instrument": [[world.instrument.code]],
    }
    names = sorted(name for name, _pattern in configured_urls() if name and name.startswith("public:"))
    for name in names:
        for args in by_name.get(name, [[]]):
            yield reverse(name, args=args)
            yield reverse(name, args=args) + "?preview=1"
    yield reverse("public:list") + "?q=M"
    for update in StatusUpdate.objects.all():
        yield reverse("public:list") + f"?status={update.status}"


def test_no_marker_reaches_any_public_output(client):
    world = public_world.build()
    checked = 0
    for url in public_urls(world):
        response = client.get(url)
        outputs = [content(response)]
        if response.get("ETag"):
            cached = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
            assert cached.status_code == 304, url
            outputs.append(content(cached))
        for output in outputs:
            for marker in public_world.MARKERS:
                assert marker.encode() not in output, (url, marker)
            checked += 1
    figures.add("public outputs swept for markers", checked)


def test_every_public_count_counts_public_material_only(client):
    world = public_world.build()
    assert client.get(reverse("public:dashboard")).context["board"].total == 1
    assert client.get(reverse("public:list")).context["page"].paginator.count == 1
    counts = client.get(reverse("public:instrument", args=[world.instrument.code])).context["counts"]
    assert sum(count for _value, _label, count in counts) == 1
    assert client.get(reverse("public:feed")).content.count(b"<entry>") == 1
    assert client.get(reverse("public:open_data_json")).json()["commitments"][0]["public_status"] == "in_progress"
    # Of three files and links attached to the published commitment, one is public material.
    assert Evidence.objects.published().count() == 1
