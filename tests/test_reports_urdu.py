"""A report made in Urdu: Nastaliq PDF with Urdu headings, right-to-left Excel, CSV with a BOM."""

import datetime
import io
import os
import subprocess
import unicodedata

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from commitments.choices import Audience
from commitments.reports import output as report_output
from commitments.reports.progress import Scope, build_progress_report
from tests import report_data
from tests.conftest import require_binary


@pytest.fixture
def data(db):
    return report_data.build()


def urdu_report(user):
    with translation.override("ur"):
        report = build_progress_report(
            user=user,
            scope=Scope("jurisdiction", "kp"),
            date_from=datetime.date(2020, 1, 1),
            date_to=report_data.TODAY,
            audience=Audience.INTERNAL,
        )
        return report, {fmt: report_output.render_bytes(report, fmt) for fmt in ("pdf", "xlsx", "csv", "html")}


def _words_found(word, text):
    # pdftotext gives Arabic-script text in logical or visual order, sometimes as presentation forms.
    word = unicodedata.normalize("NFKC", word)
    return word in text or word[::-1] in text


def test_an_urdu_pdf_is_set_in_nastaliq_with_its_headings_in_urdu_that_pdftotext_reads(data, tmp_path, artifacts_dir):
    require_binary("pdftotext", "poppler-utils")
    require_binary("pdftoppm", "poppler-utils")
    _report, files = urdu_report(data["admin"])
    pdf = files["pdf"]
    fonts = {
        str(font.get("/BaseFont"))
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()]
    }
    assert any("Nastaliq-Urdu" in name for name in fonts), fonts
    path = tmp_path / "urdu.pdf"
    path.write_bytes(pdf)
    text = unicodedata.normalize(
        "NFKC", subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    )
    with translation.override("ur"):
        headings = [gettext(h) for h in ("Summary", "Commitments", "Sources of the commitments", "Period", "Scope")]
    assert "خلاصہ" in headings  # the headings really are Urdu
    for heading in headings:
        for word in heading.split():
            assert _words_found(word, text), (heading, word)
    prefix = os.path.join(artifacts_dir, "progress-report-urdu-page")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(path), prefix], check=True)
    with open(prefix + ".png", "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_urdu_report_page_reads_right_to_left(data):
    _report, files = urdu_report(data["admin"])
    html = files["html"].decode()
    assert '<html lang="ur" dir="rtl">' in html
    assert "خلاصہ" in html


def test_an_urdu_workbook_reads_right_to_left_and_an_english_one_left_to_right(data):
    _report, files = urdu_report(data["admin"])
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames == ["خلاصہ", "تفصیل"]
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    english = build_progress_report(
        user=data["admin"],
        scope=Scope("jurisdiction", "kp"),
        date_from=datetime.date(2020, 1, 1),
        date_to=report_data.TODAY,
        audience=Audience.INTERNAL,
    )
    book = openpyxl.load_workbook(io.BytesIO(report_output.render_bytes(english, "xlsx")))
    assert not any(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


def test_an_urdu_csv_stays_utf8_with_a_byte_order_mark(data):
    _report, files = urdu_report(data["admin"])
    assert files["csv"].startswith("\ufeff".encode())
    text = files["csv"].decode("utf-8-sig")
    assert report_data.URDU_NOTE in text
    with translation.override("ur"):
        assert gettext("Who says so") in text.splitlines()[0]
