"""Every string a person reads is translatable, and the Urdu catalogue translates it.

The pseudo-locale test renders the main pages with a catalogue in which every msgid is
wrapped in ⟦ ⟧; any English word left outside the brackets is a string nobody marked for
translation. Content from the database (titles, names, notes: shown with dir="auto") and
the words of stored values are not the interface and are let through.
"""

import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.db import models as db_models
from django.urls import reverse
from django.utils import translation
from lxml import html as lxml_html

from commitments.catalogues import LOCALE_DIR, compile_catalogues
from tests import rich_data

URDU = LOCALE_DIR / "ur" / "LC_MESSAGES" / "django.po"


def test_the_urdu_catalogue_is_at_least_98_percent_translated_and_none_fuzzy():
    catalogue = polib.pofile(str(URDU))
    entries = [e for e in catalogue if not e.obsolete]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert fuzzy == []
    translated = catalogue.percent_translated()
    assert translated >= 98, f"{len(catalogue.translated_entries())} / {len(entries)} translated"


def test_the_urdu_catalogue_keeps_every_placeholder_of_its_english_strings():
    catalogue = polib.pofile(str(URDU))
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    for entry in catalogue.translated_entries():
        wanted = sorted(placeholder.findall(entry.msgid))
        if entry.msgid_plural:
            for text in entry.msgstr_plural.values():
                assert sorted(placeholder.findall(text)) in (wanted, sorted(placeholder.findall(entry.msgid_plural))), (
                    entry.msgid
                )
        else:
            assert sorted(placeholder.findall(entry.msgstr)) == wanted, entry.msgid


def test_the_catalogues_compile_without_gettext(tmp_path):
    folder = tmp_path / "ur" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_bytes(URDU.read_bytes())
    assert compile_catalogues(tmp_path) == [folder / "django.po"]
    mo = polib.mofile(str(folder / "django.mo"))
    assert mo.find("Dashboard").msgstr == polib.pofile(str(URDU)).find("Dashboard").msgstr
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do


@pytest.fixture
def pseudo_locale(settings, tmp_path):
    """Urdu pages whose every translated string reads ⟦English⟧."""
    folder = tmp_path / "ur" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue = polib.pofile(str(URDU))
    for entry in catalogue:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: f"⟦{entry.msgid}⟧", 1: f"⟦{entry.msgid_plural}⟧"}
        else:
            entry.msgstr = f"⟦{entry.msgid}⟧"
    catalogue.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    catalogue.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    yield
    translation.trans_real._translations = {}


def _content_words():
    """Every word stored in the database: names and titles are content, not interface."""
    words = set()
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, (db_models.CharField, db_models.TextField))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                words.update(re.findall(WORD, str(value or "")))
    return words


WORD = r"[A-Za-z][A-Za-z'’-]+"
ALLOWED = {"GSP", "PDF", "CSV", "Excel", "API", "TOTP", "iCalendar", "ICS", "URL", "UN", "SDG", "UPR", "ILO"}


def _drop_translated(text):
    """Text with every ⟦translated⟧ string taken out, innermost first (a translated string may hold
    another one: "⟦⟦Human rights⟧: the conventions' own commitments⟧")."""
    while True:
        shorter = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if shorter == text:
            return text
        text = shorter


def untranslated_words(content, allowed):
    # A translated string may hold markup (a link inside a sentence): drop it whole first.
    tree = lxml_html.fromstring(_drop_translated(content))
    for bad in tree.xpath("//script|//style|//*[@dir='auto']|//*[@lang]|//code|//time|//*[@translate='no']"):
        if bad.tag != "html":
            bad.drop_tree()
    texts = [t for t in tree.xpath("//body//text()")]
    texts += tree.xpath("//body//@title|//body//@placeholder|//body//@aria-label|//body//input[@type='submit']/@value")
    found = []
    for text in texts:
        outside = _drop_translated(str(text))
        for word in re.findall(WORD, outside):
            if word not in allowed and not word.isupper():
                found.append((word, str(text).strip()[:80]))
    return found


PAGES = [
    ("dashboard", lambda d: reverse("commitments:dashboard")),
    ("list", lambda d: reverse("commitments:list")),
    ("detail", lambda d: d.commitments[0].get_absolute_url()),
    ("instrument", lambda d: d.nap.get_absolute_url()),
    ("record", lambda d: reverse("commitments:record_update", args=[d.commitments[0].pk])),
    ("reports", lambda d: reverse("commitments:reports")),
    ("calendar", lambda d: reverse("commitments:calendar")),
    ("gsp", lambda d: reverse("commitments:gsp")),
    ("jobs", lambda d: reverse("commitments:jobs")),
    ("settings", lambda d: reverse("commitments:my_settings")),
    ("import", lambda d: reverse("commitments:import")),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", PAGES, ids=[p[0] for p in PAGES])
def test_a_page_in_the_pseudo_locale_has_no_string_left_unmarked(pseudo_locale, client, name, url):
    data = rich_data.build()
    client.force_login(data.admin)
    client.cookies["django_language"] = "ur"
    response = client.get(url(data), follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'dir="rtl"' in content
    allowed = ALLOWED | _content_words()
    found = untranslated_words(content, allowed)
    assert found == [], "\n".join(f"{word!r} in {text!r}" for word, text in found)


def test_the_pseudo_locale_check_finds_a_string_nobody_marked():
    page = "<html><body><p>⟦Dashboard⟧</p><p>Overdue since</p><p dir='auto'>Some title</p></body></html>"
    assert [w for w, _ in untranslated_words(page, set())] == ["Overdue", "since"]


@pytest.mark.django_db
def test_the_sign_in_page_in_the_pseudo_locale_has_no_string_left_unmarked(pseudo_locale, client):
    client.cookies["django_language"] = "ur"
    content = client.get(reverse("login")).content.decode()
    assert 'dir="rtl"' in content
    assert untranslated_words(content, ALLOWED) == []


def test_run_and_the_deployment_compile_the_catalogues():
    root = Path(__file__).resolve().parents[2]
    assert "python manage.py compile_catalogues" in (root / "run").read_text()
    assert "manage.py compile_catalogues" in (root / "docs" / "deploy.md").read_text()
    assert "*.mo" in (root / ".gitignore").read_text().split()


def test_the_readme_needs_no_gettext():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "msgfmt" not in readme and "gettext" not in readme
