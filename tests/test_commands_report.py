"""`manage.py report`: the same report from the command line, as a named user, logged, with progress."""

import csv
import hashlib
import io
import tempfile
import tracemalloc

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from commitments.models import Commitment, ExportLog, ReportRun, Status, StatusUpdate
from commitments.reports import output as report_output
from commitments.reports.progress import Scope, build_progress_report
from tests import report_data
from tests.factories import InstrumentFactory, JurisdictionFactory, OrganisationFactory, UserFactory


@pytest.fixture
def data(db):
    return report_data.build()


def run(*args, audience="internal"):
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, *(("--audience", audience) if audience else ()), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_the_same_report_as_the_page_and_logs_it(data, tmp_path):
    target = tmp_path / "kp.xlsx"
    out, err = run(
        "--as-user",
        "admin",
        "--scope",
        "jurisdiction:kp",
        "--from",
        "2020-01-01",
        "--to",
        "2025-06-30",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert "Wrote" in out
    assert "4 / 4 commitments" in err
    summary = {
        row[0]: row[1:]
        for row in openpyxl.load_workbook(target)["Summary"].iter_rows(values_only=True)
        if row and row[0]
    }
    report = build_progress_report(
        user=data["admin"],
        scope=Scope("jurisdiction", "kp"),
        date_from=report_data.D(2020, 1, 1),
        date_to=report_data.TODAY,
    )
    for line in report.summary:
        assert tuple(summary[line.label][:2]) == (line.start, line.end)
    log = ExportLog.objects.get()
    assert (log.user.username, log.format, log.audience, log.scope["kind"]) == (
        "admin",
        "xlsx",
        "internal",
        "jurisdiction",
    )


def test_the_command_reports_only_what_its_user_may_see(data, tmp_path):
    from commitments import access
    from tests.factories import ProfileFactory

    viewer = UserFactory(username="punjabi", role=access.VIEWER)
    ProfileFactory(user=viewer, read=[data["punjab"]])
    target = tmp_path / "all.csv"
    run(
        "--as-user",
        "punjabi",
        "--scope",
        "all",
        "--from",
        "2020-01-01",
        "--to",
        "2025-06-30",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert {r["Reference"] for r in rows} == {"PB-1"}


def test_an_external_pdf_from_the_command_can_be_kept(data, tmp_path):
    target = tmp_path / "kp.pdf"
    run(
        "--as-user",
        "admin",
        "--scope",
        "jurisdiction:kp",
        "--from",
        "2020-01-01",
        "--to",
        "2025-06-30",
        "--format",
        "pdf",
        "--output",
        str(target),
        "--keep",
        audience="external",
    )
    assert target.read_bytes().startswith(b"%PDF")
    assert ExportLog.objects.get().audience == "external"
    kept = ReportRun.objects.get()
    assert kept.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()


def test_the_command_refuses_an_unknown_user_scope_or_too_large_a_pdf(data, tmp_path, settings):
    target = str(tmp_path / "x.pdf")
    with pytest.raises(CommandError, match="No active user"):
        run("--as-user", "nobody", "--from", "2020-01-01", "--format", "pdf", "--output", target)
    with pytest.raises(CommandError, match="No jurisdiction called atlantis"):
        run(
            "--as-user",
            "admin",
            "--scope",
            "jurisdiction:atlantis",
            "--from",
            "2020-01-01",
            "--format",
            "pdf",
            "--output",
            target,
        )
    settings.TRACKER_PDF_MAX_COMMITMENTS = 1
    with pytest.raises(CommandError, match="Excel workbook"):
        run("--as-user", "admin", "--from", "2020-01-01", "--format", "pdf", "--output", target)
    assert not ExportLog.objects.exists()


def test_since_the_last_review_from_the_command(data, tmp_path):
    target = tmp_path / "since.csv"
    run(
        "--as-user",
        "admin",
        "--scope",
        "jurisdiction:kp",
        "--since-last-review",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert {r["Reference"] for r in rows} == {"KP-1", "KP-2"}  # the plan has no review
    assert {r["Compared from"] for r in rows} == {"2022-07-01"}


def bulk_commitments(count):
    """`count` commitments, a third with one status update, written in bulk (not through services)."""
    dri = OrganisationFactory(slug="dri", name="Tracker organisation")
    jurisdiction = JurisdictionFactory(code="kp", name="Khyber Pakhtunkhwa")
    instrument = InstrumentFactory(code="BULK")
    start = Commitment.objects.count()
    Commitment.objects.bulk_create(
        [
            Commitment(
                instrument=instrument,
                jurisdiction=jurisdiction,
                reference=f"B-{start + i}",
                title=f"Bulk commitment {start + i}",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    ids = list(Commitment.objects.filter(instrument=instrument).order_by("-pk").values_list("pk", flat=True)[:count])
    StatusUpdate.objects.bulk_create(
        [
            StatusUpdate(
                commitment_id=pk,
                status=Status.IN_PROGRESS,
                effective_on=report_data.D(2024, 3, 1),
                takes_effect_on=report_data.D(2024, 3, 1),
                assessor=dri,
                note="Progress noted in the quarterly return",
                sensitivity="public",
            )
            for pk in ids[::3]
        ],
        batch_size=2000,
    )


def peak_memory_of_export(user, format):
    report = build_progress_report(
        user=user, scope=Scope("all"), date_from=report_data.D(2024, 1, 1), date_to=report_data.D(2024, 12, 31)
    )
    tracemalloc.start()
    if format == "csv":
        report_output.write_csv(report, _Discard())
    else:
        with tempfile.TemporaryFile() as output:
            report_output.write_xlsx(report, output)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return report, peak


class _Discard:
    written = 0

    def write(self, data):
        self.written += len(data)


@pytest.mark.slow
def test_fifty_thousand_commitments_export_to_csv_in_constant_memory(db):
    admin = UserFactory(username="admin", role="Administrator")
    bulk_commitments(5000)
    _small_report, small_peak = peak_memory_of_export(admin, "csv")
    bulk_commitments(45000)
    report, peak = peak_memory_of_export(admin, "csv")
    assert report.total == 50000
    # Ten times the rows, about the same memory: rows are read and written a batch at a time.
    assert peak < small_peak * 2, (small_peak, peak)
    assert peak < 64 * 1024 * 1024


@pytest.mark.slow
def test_the_workbook_is_written_in_constant_memory(db):
    # openpyxl is slow under tracemalloc: the same check as for CSV, at a tenth of the size.
    admin = UserFactory(username="admin", role="Administrator")
    bulk_commitments(1000)
    _small_report, small_peak = peak_memory_of_export(admin, "xlsx")
    bulk_commitments(9000)
    report, peak = peak_memory_of_export(admin, "xlsx")
    assert report.total == 10000
    assert peak < small_peak * 2, (small_peak, peak)


def test_the_command_requires_the_audience(data, tmp_path):
    target = tmp_path / "kp.pdf"
    with pytest.raises(CommandError, match="audience"):
        run(
            "--as-user",
            "admin",
            "--from",
            "2020-01-01",
            "--format",
            "pdf",
            "--output",
            str(target),
            audience=None,
        )
    assert not target.exists()
