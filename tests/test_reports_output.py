"""Each report format opens with a real reader, holds the same numbers, and is safe to open."""

import csv
import datetime
import io
import os
import re
import subprocess
import unicodedata
import zipfile

import openpyxl
import pytest
from django.core.management import call_command, get_commands
from pypdf import PdfReader

from commitments.choices import Audience
from commitments.models import Status
from commitments.reports import output as report_output
from commitments.reports.progress import Scope, build_progress_report
from tests import report_data
from tests.conftest import require_binary

FROM = datetime.date(2020, 1, 1)


@pytest.fixture
def data(db):
    return report_data.build()


def kp_report(user, audience=Audience.INTERNAL, **kwargs):
    return build_progress_report(
        user=user,
        scope=Scope("jurisdiction", "kp"),
        date_from=FROM,
        date_to=report_data.TODAY,
        audience=audience,
        **kwargs,
    )


def html_numbers(report):
    """Status → (start, end) and the overdue count, read back from the rendered HTML."""
    html = report_output.render_html_document(report)
    summary = html.split('<table class="summary">')[1].split("</table>")[0]
    counts = {
        label: (int(start), int(end))
        for label, start, end in re.findall(
            r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>', summary
        )
    }
    overdue = int(re.search(r'class="overdue-count">(\d+)<', html).group(1))
    return counts, overdue


def expected_numbers(report):
    return {str(Status(line.status).label): (line.start, line.end) for line in report.summary}, report.overdue_end


def test_the_html_summary_shows_the_report_numbers(data):
    report = kp_report(data["admin"])
    assert html_numbers(report) == expected_numbers(report)
    assert report.total == 4


def test_the_csv_holds_the_same_numbers_as_the_html(data):
    report = kp_report(data["admin"])
    text = report_output.render_bytes(report, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    per_commitment = {(r["Instrument"], r["Reference"]): r for r in rows}
    counts, overdue = html_numbers(report)
    for label, (start, end) in counts.items():
        assert sum(r["Status at start"] == label for r in per_commitment.values()) == start, label
        assert sum(r["Status at end"] == label for r in per_commitment.values()) == end, label
    assert sum(r["Overdue at end"] == "yes" for r in per_commitment.values()) == overdue
    changes = [r for r in rows if r["Change date"]]
    assert len(changes) == sum(len(row.changes) for row in report.rows())


def test_the_workbook_has_a_summary_and_a_detail_sheet_with_the_same_numbers(data):
    report = kp_report(data["admin"])
    workbook = report_output.render_bytes(report, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    assert book.sheetnames == ["Summary", "Detail"]
    assert "xl/charts/chart1.xml" in zipfile.ZipFile(io.BytesIO(workbook)).namelist()
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    counts, overdue = html_numbers(report)
    for label, (start, end) in counts.items():
        assert tuple(summary[label][:2]) == (start, end), label
    assert summary["Overdue at end"][0] == overdue
    detail = list(book["Detail"].iter_rows(values_only=True))
    header, body = detail[0], detail[1:]
    at_end = header.index("Status at end")
    by_commitment = {(r[1], r[2]): r for r in body}
    for label, (_start, end) in counts.items():
        assert sum(r[at_end] == label for r in by_commitment.values()) == end


def pdf_text(data_bytes, tmp_path, layout=True):
    require_binary("pdftotext", "poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(data_bytes)
    args = ["pdftotext"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_the_pdf_holds_the_same_numbers_as_the_html(data, tmp_path):
    report = kp_report(data["admin"])
    pdf = report_output.render_bytes(report, "pdf")
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    text = pdf_text(pdf, tmp_path)
    counts, overdue = html_numbers(report)
    for label, (start, end) in counts.items():
        match = re.search(rf"^\s*{re.escape(label)}\s+(\d+)\s+(\d+)\s+[+-]?\d+\s*$", text, re.M)
        assert match, label
        assert (int(match[1]), int(match[2])) == (start, end), label
    assert re.search(rf"Overdue at end\s+{overdue}\b", text)


def test_urdu_notes_render_in_the_pdf(data, tmp_path):
    text = pdf_text(report_output.render_bytes(kp_report(data["admin"]), "pdf"), tmp_path, layout=False)
    # pdftotext may give Arabic-script text as presentation forms and in visual order.
    normalised = unicodedata.normalize("NFKC", text)
    for word in report_data.URDU_NOTE.split():
        word = unicodedata.normalize("NFKC", word)
        assert word in normalised or word[::-1] in normalised, word


def test_an_external_pdf_has_no_staff_names_or_internal_notes(data, tmp_path):
    pdf = report_output.render_bytes(kp_report(data["admin"], audience=Audience.EXTERNAL), "pdf")
    text = pdf_text(pdf, tmp_path, layout=False)
    assert "Draft bill tabled" in text  # a public note
    assert "budget line frozen" not in text  # an internal one
    assert "Amina" not in text and "Khan" not in text.replace("Khyber Pakhtunkhwa", "")
    assert "Tracker organisation" in text  # generated by the organisation, not a person


def test_hostile_notes_arrive_in_csv_and_xlsx_as_text(data):
    report = kp_report(data["admin"])
    rows = list(csv.DictReader(io.StringIO(report_output.render_bytes(report, "csv").decode("utf-8-sig"))))
    notes = {r["Note"] for r in rows}
    book = openpyxl.load_workbook(io.BytesIO(report_output.render_bytes(report, "xlsx")))
    detail = book["Detail"]
    note_column = [c.value for c in detail[1]].index("Note") + 1
    cells = [detail.cell(row=i, column=note_column) for i in range(2, detail.max_row + 1)]
    for hostile in report_data.HOSTILE_NOTES:
        assert "'" + hostile in notes
        # Some XML readers give a bare carriage return back as a line feed; the cell is still text.
        expected = {"'" + hostile, ("'" + hostile).replace("\r", "\n")}
        (cell,) = [c for c in cells if c.value in expected]
        assert cell.data_type == "s"
    assert all(c.data_type != "f" for row in detail.iter_rows() for c in row)


def test_a_pdf_of_the_seeded_data_renders_and_its_first_page_is_kept_as_png(db, tmp_path, artifacts_dir):
    require_binary("pdftoppm", "poppler-utils")
    if "seed" in get_commands():
        call_command("seed", verbosity=0)
        from commitments.access import ADMINISTRATOR
        from tests.factories import UserFactory

        user = UserFactory(username="report-admin", role=ADMINISTRATOR)
        date_to = datetime.date.today()
    else:
        user = report_data.build()["admin"]
        date_to = report_data.TODAY
    report = build_progress_report(
        user=user, scope=Scope("all"), date_from=FROM, date_to=date_to, audience=Audience.EXTERNAL
    )
    pdf = report_output.render_bytes(report, "pdf")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "seeded.pdf").write_bytes(pdf)
    prefix = os.path.join(artifacts_dir, "progress-report-page")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "seeded.pdf"), prefix],
        check=True,
    )
    with open(prefix + ".png", "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_pdf_over_the_limit_is_refused_with_an_offer_of_the_workbook(data, settings):
    settings.TRACKER_PDF_MAX_COMMITMENTS = 3
    report = kp_report(data["admin"])
    with pytest.raises(report_output.TooLarge, match="Excel"):
        report_output.render_bytes(report, "pdf")
    assert report_output.render_bytes(report, "xlsx")


def test_the_pdf_renderer_fetches_nothing_from_the_network():
    with pytest.raises(ValueError):
        report_output.pdf_url_fetcher().fetch("https://example.org/tracker.png")
    with pytest.raises(ValueError):
        report_output.pdf_url_fetcher().fetch("file:///etc/passwd")


@pytest.mark.parametrize("group_by", ["article", "recommendation"])
def test_a_report_can_be_grouped_by_article_or_recommendation(data, group_by):
    report = kp_report(data["admin"], group_by=group_by)
    groups = [row.group for row in report.rows()]
    assert groups == sorted(groups, key=groups.index)  # each group's rows together
    if group_by == "article":
        assert "Articles: 2, 26" in groups and "Articles: 7" in groups
    else:
        assert "Rec. 12" in groups and "Rec. 13" in groups
    html = report_output.render_html_document(report)
    assert groups[-1] in html
