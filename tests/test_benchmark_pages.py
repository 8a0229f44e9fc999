"""The benchmark's page list: a page whose URL is missing is reported, not a crash."""

import pytest

from bench.pages import PAGES, NotAvailable, url


def test_a_url_name_that_does_not_exist_is_reported_as_not_available():
    with pytest.raises(NotAvailable, match="commitments:no_such_page"):
        url(["commitments:no_such_page"])


def test_the_first_url_name_that_exists_is_used_with_its_query():
    assert url(["commitments:no_such_page", "commitments:list"], query={"page": 3}) == "/commitments/?page=3"


def test_every_page_has_a_unique_name_and_a_known_floor():
    from bench.floors import floor_blocks

    names = [page.name for page in PAGES]
    assert len(names) == len(set(names))
    blocks = floor_blocks()
    assert {page.floor for page in PAGES if page.floor} <= set(blocks)
    assert all(statements for statements in blocks.values())
