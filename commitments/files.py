"""Checking evidence files: what a file is is decided by its content, never by its name.

check_upload() accepts PDF, images, Word/Excel/PowerPoint and OpenDocument files and plain
text, and rejects everything else with a message a user can act on: programs, HTML, SVG,
archives, macro-enabled Office files and ZIP bombs. strip_location() makes the copy of an
image without its GPS position that non-administrators download.
"""

import dataclasses
import hashlib
import io
import re
import unicodedata
import zipfile

import filetype
import pypdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PDF = "application/pdf"
TEXT = "text/plain"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"}
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
OLE_TYPES = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"}
ALLOWED_TYPES = {PDF, TEXT, *IMAGE_TYPES, *OOXML.values(), *OPENDOCUMENT, *OLE_TYPES}

EXECUTABLE_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
    "application/x-shockwave-flash",
    "application/java-archive",
    "application/x-dosexec",
}
ARCHIVE_TYPES = {
    "application/zip",
    "application/x-tar",
    "application/x-rar-compressed",
    "application/gzip",
    "application/x-bzip2",
    "application/x-7z-compressed",
    "application/x-xz",
}

# ZIP-based files (Office, OpenDocument, XLSX imports): limits against zip bombs.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100

# The names a file of each type is stored and served under (the first is added when a name has none of them).
EXTENSIONS = {
    PDF: (".pdf",),
    TEXT: (".txt", ".csv", ".tsv", ".md", ".text"),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/tiff": (".tif", ".tiff"),
    OOXML["word/"]: (".docx",),
    OOXML["xl/"]: (".xlsx",),
    OOXML["ppt/"]: (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    # A 97-2003 Office file's kind is only guessed: any of the three names is kept.
    "application/msword": (".doc", ".xls", ".ppt"),
    "application/vnd.ms-excel": (".xls", ".doc", ".ppt"),
    "application/vnd.ms-powerpoint": (".ppt", ".doc", ".xls"),
}
# Longer names are refused, not cut short: the name is how people find the file again.
FILENAME_MAX_CHARS = 255
PDF_MAX_OBJECTS = 200_000

GPS_IFD = 0x8825
_HEAD = 8192
# Control characters, and the direction marks, embeddings, overrides and isolates that make
# "report\u202efdp.exe" read as "reportexe.pdf" (joiners, which Urdu and Persian names need, stay).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclasses.dataclass
class CheckedFile:
    """A file that passed check_upload(): what it is, and what we know of it."""

    file: object
    original_filename: str
    content_type: str
    size: int
    sha256: str
    location_metadata: bool = False


class ZipTooLarge(ValueError):
    pass


def clean_filename(name):
    """The original name kept as data: no folders, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").split("/")[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".").strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name or "file"


def name_for_type(name, content_type):
    """`name` with an extension that says what the file really is: a PDF named "report.html" is "report.pdf"."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and f".{ext.lower()}" in extensions:
        return name
    stem = stem if dot and stem else name
    return f"{stem[: FILENAME_MAX_CHARS - len(extensions[0])]}{extensions[0]}"


class _NameLengthKept:
    """Django cuts an uploaded file's name to 255 characters; keep the length that was sent, so
    that check_upload() can refuse a longer name with a message instead of storing it cut."""

    def file_complete(self, file_size):
        upload = super().file_complete(file_size)
        if upload is not None:
            upload.sent_name_length = len(self.file_name or "")
        return upload


class MemoryUploadHandler(_NameLengthKept, MemoryFileUploadHandler):
    pass


class TemporaryUploadHandler(_NameLengthKept, TemporaryFileUploadHandler):
    pass


def _size_text(size):
    """A size as people read it ("20 MB", not "20.0 MB")."""
    return filesizeformat(size).replace(".0\xa0", "\xa0")


def _over_limit(size, limit):
    shown = _size_text(size)
    if shown == _size_text(limit):  # 20 MB and one byte still reads "20 MB": say it exactly
        shown = _("%(bytes)s bytes") % {"bytes": f"{size:,}"}
    return ValidationError(
        _("The file is %(size)s, over the limit of %(limit)s.") % {"size": shown, "limit": _size_text(limit)},
        code="too_large",
    )


def _pdf_has_javascript(data):
    """True if the PDF holds JavaScript anywhere (an action, a name tree, a form field), compressed or not."""
    # Names may be written with #xx escapes (/J#61vaScript): decode them before looking.
    plain = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), data)
    if re.search(rb"/(JavaScript|JS)\b", plain):
        return True
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        pending = [reader.trailer]
        seen = set()
        while pending and len(seen) < PDF_MAX_OBJECTS:
            item = pending.pop()
            if isinstance(item, pypdf.generic.IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            if isinstance(item, pypdf.generic.DictionaryObject):
                if "/JS" in item or "/JavaScript" in item or item.get("/S") == "/JavaScript":
                    return True
                pending.extend(item.values())
            elif isinstance(item, pypdf.generic.ArrayObject):
                pending.extend(item)
            elif isinstance(item, pypdf.generic.StreamObject):
                pending.extend(item.values())
    except Exception:
        # A PDF pypdf cannot read was scanned as bytes above: nothing more to find.
        return False
    return False


def check_zip_limits(zf, *, max_uncompressed=ZIP_MAX_UNCOMPRESSED):
    """Refuse an archive that would expand far beyond its size (declared sizes, read before anything is inflated)."""
    infos = zf.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise ZipTooLarge(_("it holds too many parts (%(count)d).") % {"count": len(infos)})
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    # The ratio first: a zip bomb is named as one, whatever size it would reach.
    if total / compressed > ZIP_MAX_RATIO:
        raise ZipTooLarge(_("it is compressed suspiciously tightly (a “zip bomb”)."))
    if total > max_uncompressed:
        raise ZipTooLarge(
            _("it expands to %(size)s, more than the %(limit)s allowed.")
            % {"size": filesizeformat(total), "limit": filesizeformat(max_uncompressed)}
        )
    return total


def _read_zip_member(zf, name, limit=1024 * 1024):
    with zf.open(name) as member:
        return member.read(limit)


def _zip_document_type(data):
    """The type of a ZIP-based Office or OpenDocument file, or raise ValidationError."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationError(_("The file is a damaged or unreadable archive."), code="bad_zip")
    with zf:
        try:
            check_zip_limits(zf)
        except ZipTooLarge as exc:
            raise ValidationError(_("The file is refused: %(reason)s") % {"reason": exc}, code="zip_bomb")
        names = zf.namelist()
        lowered = [n.lower() for n in names]
        macro_parts = ("vbaproject.bin", "vbadata.xml", "basic/", "scripts/")
        if any(part in n for n in lowered for part in macro_parts):
            raise ValidationError(
                _(
                    "The file contains macros, which can run code. Save it without macros (for example as .docx or .xlsx) and try again."
                ),
                code="macros",
            )
        if "mimetype" in names:
            mime = _read_zip_member(zf, "mimetype", 200).decode("ascii", "replace").strip()
            if mime in OPENDOCUMENT:
                return mime
        if "[Content_Types].xml" in names:
            content_types = _read_zip_member(zf, "[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in content_types:
                raise ValidationError(
                    _(
                        "The file is a macro-enabled Office document. Save it without macros (for example as .docx or .xlsx) and try again."
                    ),
                    code="macros",
                )
            for prefix, mime in OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return mime
    raise ValidationError(
        _("Archives (ZIP and the like) are not accepted: upload the documents themselves."), code="archive"
    )


def _looks_like_markup(text):
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if head.startswith("<?xml") and "<svg" in text[:65536].lower():
        return "svg"
    if head.startswith("<svg"):
        return "svg"
    markers = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<object", "<meta ")
    if any(marker in head for marker in markers):
        return "html"
    return None


def _text_type(data):
    """Plain text (UTF-8, or UTF-16 with a byte-order mark), or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, None
    else:
        if b"\x00" in data:
            return None, None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, None
    return TEXT, text


def _image_has_location(data):
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif


def _read_all(upload, limit):
    upload.seek(0)
    chunks = []
    total = 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    upload.seek(0)
    return b"".join(chunks)


def sniff(data):
    """The content type of `data` if it is an accepted kind of evidence; raise ValidationError otherwise."""
    kind = filetype.guess(data[:_HEAD])
    mime = kind.mime if kind else None
    if (
        data[:2] == b"MZ"
        or data[:4] in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
        or mime in EXECUTABLE_TYPES
    ):
        raise ValidationError(
            _("The file is a program (an executable), not a document, whatever its name says. It is not accepted."),
            code="executable",
        )
    if data[:4] == b"PK\x03\x04":
        return _zip_document_type(data)
    if data[:5] == b"%PDF-":
        if _pdf_has_javascript(data):
            raise ValidationError(
                _(
                    "The PDF contains JavaScript, which can run when it is opened. Print it to a new PDF "
                    "(or save it as PDF/A) and upload that."
                ),
                code="pdf_javascript",
            )
        return PDF
    if mime in IMAGE_TYPES:
        return mime
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # An OLE compound file: a Word/Excel/PowerPoint 97-2003 document. Its VBA storage names are UTF-16.
        if "_VBA_PROJECT".encode("utf-16-le") in data or "Macros".encode("utf-16-le") in data:
            raise ValidationError(
                _("The file contains macros, which can run code. Save it without macros and try again."), code="macros"
            )
        return mime if mime in OLE_TYPES else "application/msword"
    if mime in ARCHIVE_TYPES:
        raise ValidationError(
            _("Archives (ZIP and the like) are not accepted: upload the documents themselves."), code="archive"
        )
    text_type, text = _text_type(data)
    if text_type:
        markup = _looks_like_markup(text)
        if markup == "svg":
            raise ValidationError(
                _("SVG drawings can carry scripts and are not accepted. Save the drawing as PNG or PDF."), code="svg"
            )
        if markup == "html":
            raise ValidationError(
                _("Web pages (HTML) are not accepted as files: add the page's address as a link, or save it as PDF."),
                code="html",
            )
        return TEXT
    raise ValidationError(
        _(
            "This kind of file is not accepted. Upload a PDF, an image, a Word, Excel or OpenDocument file, or plain text."
        ),
        code="type",
    )


def check_upload(upload, *, max_bytes=None):
    """Check an uploaded file and return a CheckedFile; raise ValidationError with a message a user can act on."""
    max_bytes = max_bytes or settings.TRACKER_EVIDENCE_MAX_BYTES
    sent_length = getattr(upload, "sent_name_length", len(str(getattr(upload, "name", "") or "")))
    if sent_length > FILENAME_MAX_CHARS:
        raise ValidationError(
            _(
                "The file name is %(length)s characters long; at most %(max)d are accepted. Rename the file and choose it again."
            )
            % {"length": f"{sent_length:,}", "max": FILENAME_MAX_CHARS},
            code="name_too_long",
        )
    name = clean_filename(getattr(upload, "name", ""))
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _over_limit(size, max_bytes)
    data = _read_all(upload, max_bytes)
    if data is None:
        raise _over_limit(max_bytes + 1, max_bytes)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    content_type = sniff(data)
    name = name_for_type(name, content_type)
    location = False
    if content_type in IMAGE_TYPES:
        try:
            location = _image_has_location(data)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ValidationError(_("The image is damaged or too large to open."), code="bad_image")
    return CheckedFile(
        file=ContentFile(data, name=name),
        original_filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        location_metadata=location,
    )


def strip_location(data):
    """The image without its GPS position (other metadata kept); the bytes unchanged when there is none."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        if GPS_IFD not in exif:
            return data
        del exif[GPS_IFD]
        out = io.BytesIO()
        fmt = image.format
        params = {"exif": exif.tobytes()}
        if fmt == "JPEG":
            params["quality"] = "keep"
            if image.info.get("icc_profile"):
                params["icc_profile"] = image.info["icc_profile"]
        image.save(out, format=fmt, **params)
        return out.getvalue()
