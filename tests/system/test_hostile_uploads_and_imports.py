"""Every hostile file and text of tests/hostile/corpus.py through the record-update form (as an
editor of the commitment's province) and the spreadsheet import (as an administrator): no server
error, a refusal that names the problem, nothing saved partly, no file left behind but the kept
copy of an accepted file, stored file names without folders or control characters, and accepted
text shown escaped on the page and kept as text in the list exports."""

import csv
import io
import os
import unicodedata
import uuid

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from openpyxl import load_workbook

from commitments.exports import FORMULA_PREFIXES
from commitments.forms import submission_key_issue
from commitments.models import Commitment, Evidence, StagedUpload, StatusUpdate
from tests import figures
from tests.reliability_scene import build, client_for
from tests.system.hostile.corpus import TEXT, as_text, files
from tests.system.test_hostile_inputs import post_raw, too_big_to_repeat

pytestmark = pytest.mark.django_db

SENT = "hostile inputs sent through forms and parameters, zero failures"
BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def multipart(fields, uploads):
    """A multipart body as a browser sends it, the file name as given (folders, control characters and all)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        value = value if isinstance(value, bytes) else str(value).encode()
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        )
    for name, (filename, content, content_type) in uploads.items():
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(header.encode("utf-8") + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_multipart(client, url, fields, uploads):
    body, content_type = multipart(fields, uploads)
    return client.generic("POST", url, body, content_type=content_type)


def stored_files():
    found = []
    for folder, _dirs, names in os.walk(django_settings.MEDIA_ROOT):
        found.extend(os.path.relpath(os.path.join(folder, name), django_settings.MEDIA_ROOT) for name in names)
    return set(found)


def rows():
    return Commitment.objects.count(), StatusUpdate.objects.count(), Evidence.objects.count()


def assert_clean_name(name, where):
    assert name, where
    assert "/" not in name and "\\" not in name, (where, name)
    assert not any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name), (where, name)


def text_of(response):
    return response.content.decode("utf-8", "replace")


def update_fields(scene, note="The notification was published", user="editor", **evidence):
    fields = {
        "status": "in_progress",
        "effective_on": "2024-05-01",
        "assessor": scene.dri.pk,
        "note": note,
        "sensitivity": "internal",
        "submission_key": submission_key_issue(scene.users[user]),
        "evidence-TOTAL_FORMS": "1",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    fields.update({f"evidence-0-{key}": value for key, value in evidence.items()})
    return fields


def test_every_hostile_file_sent_with_a_status_update_is_refused_clearly_or_stored_whole_under_a_clean_name(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:record_update", args=[scene.commitment.pk])
    tried = 0
    for label, name, content, content_type in files():
        # First with the note left out: the update is refused, an accepted file is kept for the next try.
        before, files_before, staged_before = rows(), stored_files(), StagedUpload.objects.count()
        response = post_multipart(
            client, url, update_fields(scene, note=""), {"evidence-0-file": (name, content, content_type)}
        )
        assert response.status_code == 400, label
        assert rows() == before, label
        kept = StagedUpload.objects.count() - staged_before
        staged_files = {s.file.name for s in StagedUpload.objects.all()}
        assert stored_files() - files_before <= staged_files, (label, "a file left behind")
        assert len(stored_files() - files_before) == kept, label
        for staged in StagedUpload.objects.all():
            assert_clean_name(staged.original_filename, label)
        accepted = kept == 1
        if not accepted:
            assert "errorlist" in text_of(response), label
        # Then whole: a refused file saves nothing and says why; an accepted one is stored with its update.
        before, files_before = rows(), stored_files()
        response = post_multipart(client, url, update_fields(scene), {"evidence-0-file": (name, content, content_type)})
        assert response.status_code in (302, 400), (label, response.status_code)
        if response.status_code == 400:
            assert not accepted, (label, "kept once, refused the second time")
            page = text_of(response)
            assert "errorlist" in page, label
            assert rows() == before and stored_files() == files_before, label
            assert "alert(1)" not in page.replace("&lt;", "<") or "<script>" not in page, label
        else:
            assert accepted, label
            assert rows() == (before[0], before[1] + 1, before[2] + 1), label
            evidence = Evidence.objects.order_by("-pk").first()
            assert_clean_name(evidence.original_filename, label)
            assert len(evidence.original_filename) <= 255, label
            assert evidence.content_type in ("application/pdf", "text/plain"), (label, evidence.content_type)
            assert len(stored_files() - files_before) == 1, label
        tried += 2
    figures.add(SENT, tried)


REFUSALS = {
    "executable named pdf": "program",
    "html named pdf": "Web pages",
    "svg with script": "SVG",
    "zip bomb as xlsx": "zip bomb",
    "zip bomb as docx": "zip bomb",
    "empty file": "empty",
}


def test_each_refused_evidence_file_is_refused_with_a_message_naming_its_problem(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:record_update", args=[scene.commitment.pk])
    by_label = {label: (name, content, content_type) for label, name, content, content_type in files()}
    for label, words in REFUSALS.items():
        response = post_multipart(client, url, update_fields(scene), {"evidence-0-file": by_label[label]})
        assert response.status_code == 400, label
        assert words in text_of(response), (label, words)


def import_fields(kind):
    return {"kind": kind}


def test_every_hostile_file_sent_to_the_import_is_refused_with_a_reason_and_saves_nothing(client):
    scene = build()
    client_for(client, scene, "administrator")
    url = reverse("commitments:import")
    tried = 0
    for label, name, content, content_type in files():
        for kind in ("commitments", "status"):
            before, files_before, staged_before = rows(), stored_files(), StagedUpload.objects.count()
            response = post_multipart(client, url, {"kind": kind}, {"file": (name, content, content_type)})
            assert response.status_code == 400, (label, kind, response.status_code)
            page = text_of(response)
            assert "errorlist" in page or 'class="errors"' in page, (label, kind)
            assert "<script>alert(1)" not in page, (label, kind)
            assert rows() == before, (label, kind)
            assert stored_files() == files_before and StagedUpload.objects.count() == staged_before, (label, kind)
            tried += 1
    figures.add(SENT, tried)


def test_an_import_file_with_a_hostile_name_is_kept_for_confirmation_under_a_clean_name(client):
    scene = build()
    client_for(client, scene, "administrator")
    content = b"instrument,reference,title,jurisdiction\nICCPR,IMP-1,Imported,punjab\n"
    for label, name, _content, _type in files():
        response = post_multipart(
            client, reverse("commitments:import"), {"kind": "commitments"}, {"file": (name, content, "text/csv")}
        )
        assert response.status_code == 200, label
        staged = StagedUpload.objects.order_by("-created_at", "-pk").first()
        assert_clean_name(staged.original_filename, label)
    figures.add(SENT, len(files()))


def latest_note_in_exports(client, commitment):
    """The latest note of `commitment` as the list's CSV and XLSX exports give it."""
    query = f"q={commitment.reference}&instrument={commitment.instrument.code}"
    response = client.get(f"{reverse('commitments:list')}?{query}&export=csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    column = table[0].index("Latest note")
    from_csv = table[1][column]
    response = client.get(f"{reverse('commitments:list')}?{query}&export=xlsx")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    cell = sheet.cell(row=2, column=column + 1)
    assert cell.data_type == "s", cell.data_type
    return from_csv, cell.value


def assert_kept_as_text(client, commitment, note, where):
    for exported in latest_note_in_exports(client, commitment):
        exported = exported or ""
        if note.startswith(FORMULA_PREFIXES):
            assert exported == "'" + note, where
        else:
            assert exported.replace("\r\n", "\n") == note.replace("\r\n", "\n"), where


def test_every_hostile_text_in_a_status_update_is_refused_with_a_reason_or_saved_whole_and_shown_as_text(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:record_update", args=[scene.commitment.pk])
    tried = exported = 0
    for label, value in TEXT:
        cases = [("note", update_fields(scene, note=value))]
        if not too_big_to_repeat(value, 1):
            cases += [
                ("evidence title", update_fields(scene, title=value, url="https://example.org/a")),
                ("evidence link", update_fields(scene, title="Gazette", url=value)),
            ]
        for field, fields in cases:
            before = rows()
            response = post_raw(client, url, fields)
            assert response.status_code in (302, 400), (label, field, response.status_code)
            page = text_of(response)
            shown = as_text(value)
            if "<" in shown and len(shown) < 100_000:
                assert shown not in page, (label, field, "shown unescaped")
            if response.status_code == 400:
                assert "errorlist" in page or "refused" in page.lower(), (label, field)
                assert rows() == before, (label, field)
            else:
                assert rows() == (before[0], before[1] + 1, before[2] + (field != "note")), (label, field)
                update = StatusUpdate.objects.order_by("-pk").first()
                if field == "note":
                    assert update.note == shown.strip(), label
                    assert_kept_as_text(client, scene.commitment, update.note, label)
                    exported += 1
                else:
                    evidence = update.evidence.get()
                    if field == "evidence link":
                        assert evidence.url.startswith(("http://", "https://")), (label, evidence.url)
                    else:
                        assert evidence.title == (shown.strip() or "https://example.org/a"), label
            tried += 1
    page = text_of(client.get(scene.commitment.get_absolute_url()))
    for label, value in TEXT:
        shown = as_text(value)
        if "<" in shown:
            assert shown not in page, (label, "unescaped on the commitment page")
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page
    figures.add(SENT, tried)
    figures.add("accepted hostile notes checked as text in the CSV and Excel exports", exported)


COMMITMENT_ROW = {
    "instrument": "ICCPR",
    "reference": "",
    "title": "Imported commitment",
    "description": "",
    "jurisdiction": "punjab",
    "responsible_body": "",
    "themes": "",
    "due_on": "",
    "contributes_to": "",
}
STATUS_ROW = {
    "instrument": "ICCPR",
    "reference": "P-1",
    "status": "in_progress",
    "effective_on": "2024-06-01",
    "assessor": "dri",
    "note": "Imported note",
}


def csv_bytes(row, hostile_column, value):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(row))
    if isinstance(value, bytes):
        cells = [f"@@{column}@@" if column == hostile_column else row[column] for column in row]
        writer.writerow(cells)
        return out.getvalue().encode().replace(f"@@{hostile_column}@@".encode(), value)
    writer.writerow([value if column == hostile_column else row[column] for column in row])
    return out.getvalue().encode()


def test_every_hostile_text_in_every_import_cell_is_refused_by_row_and_column_or_imported_whole(client):
    scene = build()
    client_for(client, scene, "administrator")
    tried = imported = 0
    for number, (label, value) in enumerate(TEXT):
        for kind, template in (("commitments", COMMITMENT_ROW), ("status", STATUS_ROW)):
            for position, column in enumerate(template):
                if too_big_to_repeat(value, position):
                    continue
                row = dict(template)
                if kind == "commitments":
                    row["reference"] = f"H-{number}-{position}"
                else:
                    row["note"] = f"Imported note {number}-{position}"
                data = csv_bytes(row, column, value)
                before, files_before = rows(), stored_files()
                response = post_multipart(
                    client, reverse("commitments:import"), {"kind": kind}, {"file": ("hostile.csv", data, "text/csv")}
                )
                assert response.status_code in (200, 400), (label, kind, column, response.status_code)
                page = text_of(response)
                shown = as_text(value)
                if "<" in shown and len(shown) < 100_000:
                    assert shown not in page, (label, kind, column, "shown unescaped")
                assert rows() == before, (label, kind, column, "saved by a preview")
                tried += 1
                if response.status_code == 400:
                    assert "errorlist" in page or 'class="errors"' in page, (label, kind, column)
                    assert stored_files() == files_before, (label, kind, column)
                    continue
                token = response.context["confirm"]["token"].value()
                response = client.post(reverse("commitments:import_confirm"), {"kind": kind, "token": token})
                assert response.status_code in (200, 400), (label, kind, column, response.status_code)
                if response.status_code == 200:
                    imported += 1
                    added = tuple(a - b for a, b in zip(rows(), before))
                    if kind == "commitments":
                        assert added[1:] == (0, 0) and added[0] in (0, 1), (label, column, added)
                    else:
                        assert added in ((0, 0, 0), (0, 1, 0)), (label, column, added)
                else:
                    assert rows() == before, (label, kind, column)
    pages = [reverse("commitments:list"), scene.commitment.get_absolute_url()]
    pages += [c.get_absolute_url() for c in Commitment.objects.filter(reference__startswith="H-")[:200]]
    for page_url in pages:
        page = text_of(client.get(page_url))
        for label, value in TEXT:
            shown = as_text(value)
            if "<" in shown:
                assert shown not in page, (page_url, label)
    assert imported > 0
    figures.add(SENT, tried)


def test_an_import_file_over_the_size_limit_is_refused_with_the_limit_named(client, monkeypatch):
    from commitments import imports

    scene = build()
    client_for(client, scene, "administrator")
    monkeypatch.setattr(imports, "IMPORT_MAX_BYTES", 2 * 1024 * 1024)
    data = b"instrument,reference,title,jurisdiction\n" + b"ICCPR,X,Big,punjab\n" * 120_000
    response = post_multipart(
        client, reverse("commitments:import"), {"kind": "commitments"}, {"file": ("big.csv", data, "text/csv")}
    )
    assert response.status_code == 400
    assert "larger than 2 MB" in text_of(response)
    assert not StagedUpload.objects.exists()


def test_a_zip_bomb_is_named_as_one_whatever_size_it_would_reach(client):
    scene = build()
    client_for(client, scene, "editor")
    url = reverse("commitments:record_update", args=[scene.commitment.pk])
    bomb = next(f for f in files() if f[0] == "zip bomb as docx")
    response = post_multipart(client, url, update_fields(scene), {"evidence-0-file": bomb[1:]})
    assert response.status_code == 400
    assert "zip bomb" in text_of(response)


@pytest.mark.parametrize(
    "name,kept",
    [
        ("report\u202efdp.exe", "reportfdp.exe"),
        ("a\u2066b\u2069\u200fc.pdf", "abc.pdf"),
        ("\ufeffminutes.pdf", "minutes.pdf"),
        ("../..\\evil\x00.pdf", "evil.pdf"),
        ("می\u200cخواهم.pdf", "می\u200cخواهم.pdf"),
    ],
)
def test_a_stored_file_name_loses_folders_controls_and_direction_overrides_but_keeps_joiners(name, kept):
    from commitments.files import clean_filename

    assert clean_filename(name) == kept
