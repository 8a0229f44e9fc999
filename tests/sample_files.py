"""Real files of each kind, made in memory, for the evidence and data-entry tests."""

import io
import zipfile

from PIL import Image

from tests.factories import pdf_bytes

GPS_IFD = 0x8825


def png_bytes(color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps_bytes():
    image = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = image.getexif()
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (34.0, 0.0, 0.0)
    gps[3] = "E"
    gps[4] = (71.0, 30.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def exe_bytes():
    """A Windows program header (what a disguised executable starts with)."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 50
        + b"This program cannot be run in DOS mode."
        + b"\x00" * 200
    )


def html_bytes():
    return b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"


def svg_with_script_bytes():
    return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def docx_bytes():
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
        }
    )


def docm_bytes():
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document/>",
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 100,
        }
    )


def odt_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def zip_bomb_bytes(megabytes=30):
    """A 'document' whose parts expand hundreds of times over."""
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": b"\x00" * (megabytes * 1024 * 1024),
        }
    )


def plain_zip_bytes():
    return _zip({"a.txt": "hello", "b.txt": "world"})


__all__ = ["pdf_bytes"]


def pdf_with_javascript_bytes(escaped=False):
    """A real PDF that runs a script when opened (an /OpenAction and a document-level script)."""
    import pypdf
    from pypdf.actions import JavaScript

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_open_action(JavaScript("app.alert('opened');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    if escaped:  # the same names written with #xx escapes, as a filter-dodging file would
        data = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    return data
