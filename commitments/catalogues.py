"""The translation catalogues: locale/<language>/LC_MESSAGES/django.po, compiled to the .mo
files Django reads with polib (a requirement), so that no machine needs gettext's msgfmt.

The .mo files are not kept in the repository: they are built from the .po files by `./run`,
by the test set-up and by the deployment (`manage.py compile_catalogues`), so they can never
be older than the catalogue they come from.
"""

import os
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues(locale_dir=LOCALE_DIR):
    """Every .po catalogue under the locale folder."""
    return sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po"))


def compile_catalogues(locale_dir=LOCALE_DIR, force=False):
    """Compile each .po next to itself as .mo when the .mo is missing or older; returns the
    catalogues compiled. Fuzzy entries are left out, as msgfmt does."""
    compiled = []
    for po_path in catalogues(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po_path))
        for entry in [e for e in catalogue if e.fuzzy]:
            catalogue.remove(entry)
        # Written aside, then moved into place: a process reading the catalogue meanwhile
        # (another test worker, a running server) never sees half a file.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        catalogue.save_as_mofile(str(partial))
        os.replace(partial, mo_path)
        compiled.append(po_path)
    return compiled
