"""The PDF shows each change as one line that still says who says so, who recorded it and whether
it was verified, and lays out far fewer boxes than the page's tables would."""

import re

import pytest

from commitments.choices import Audience
from commitments.reports import output as report_output
from tests import report_data
from tests.test_reports_output import kp_report, pdf_text


@pytest.fixture
def data(db):
    return report_data.build()


def test_each_change_in_the_pdf_says_who_says_so_who_recorded_it_and_if_verified(data, tmp_path):
    report = kp_report(data["admin"])
    text = " ".join(pdf_text(report_output.render_bytes(report, "pdf"), tmp_path, layout=False).split())
    text = re.sub("[\u2066-\u2069]", "", text)  # the isolates around names of unknown direction
    assert "1 May 2023: Partially implemented, who says so: Independent monitor" in text
    assert "recorded by Amina Khan" in text or "recorded by amina" in text
    assert "Rules of business not yet notified" in text
    assert "Gazette notification" in text
    assert "not verified" in text


def test_an_external_pdf_line_names_no_one_who_recorded_it(data, tmp_path):
    report = kp_report(data["admin"], audience=Audience.EXTERNAL)
    text = pdf_text(report_output.render_bytes(report, "pdf"), tmp_path, layout=False)
    assert "who says so" in text
    assert "recorded by" not in text


def test_the_pdf_source_has_no_table_per_change(data):
    report = kp_report(data["admin"])
    page = report_output.render_html_document(report)
    pdf = report_output.render_html_document(report, for_pdf=True)
    assert '<table class="changes">' in page
    assert '<table class="changes">' not in pdf and '<p class="changes">' in pdf
    assert len(re.findall(r"<[a-z]", pdf)) < len(re.findall(r"<[a-z]", page)) * 0.7
