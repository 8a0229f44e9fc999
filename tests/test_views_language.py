"""The language of the pages: a switcher on every page, remembered per person and by cookie,
the browser's language by default; Urdu titles where given, English otherwise."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from commitments import access
from commitments.models import Profile
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _lang(response):
    return response.content.decode().split("<html lang=", 1)[1][:20]


def test_the_browsers_language_is_the_default():
    client = Client(HTTP_ACCEPT_LANGUAGE="ur-PK,ur;q=0.9,en;q=0.5")
    response = client.get(reverse("login"))
    assert _lang(response).startswith('"ur" dir="rtl"')
    assert "لاگ اِن" in response.content.decode()  # "Log in", from the catalogue
    assert _lang(Client(HTTP_ACCEPT_LANGUAGE="en-GB").get(reverse("login"))).startswith('"en" dir="ltr"')


def test_every_page_offers_the_language_switcher_even_before_signing_in():
    user = UserFactory(username="switcher-user")
    anonymous = Client()
    assert 'action="/language/"' in anonymous.get(reverse("login")).content.decode()
    signed_in = Client()
    signed_in.force_login(user)
    for name in ("commitments:dashboard", "commitments:list", "commitments:calendar", "commitments:reports"):
        page = signed_in.get(reverse(name)).content.decode()
        assert 'action="/language/"' in page and 'value="ur"' in page, name


def test_an_anonymous_visitors_choice_is_kept_by_cookie():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("set_language"), {"language": "ur", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    assert _lang(client.get("/login/")).startswith('"ur"')


def test_a_persons_choice_is_kept_on_their_profile_and_follows_them_to_another_browser():
    user = UserFactory(username="urdu-reader")
    first = Client(HTTP_ACCEPT_LANGUAGE="en")
    first.force_login(user)
    first.post(reverse("set_language"), {"language": "ur", "next": "/"})
    assert Profile.objects.get(user=user).language == "ur"

    other_browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = other_browser.post(reverse("login"), {"username": "urdu-reader", "password": PASSWORD})
    assert response.status_code == 302
    assert other_browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    assert _lang(other_browser.get(reverse("commitments:dashboard"))).startswith('"ur" dir="rtl"')


def test_an_unknown_language_changes_nothing():
    user = UserFactory(username="odd-language")
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not Profile.objects.filter(user=user, language="xx").exists()
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_a_commitment_shows_its_urdu_title_on_an_urdu_page_and_its_english_one_otherwise(client):
    user = UserFactory(username="title-reader", role=access.ADMINISTRATOR)
    with_urdu = CommitmentFactory(title="Synthetic English title", title_ur="آزمائشی اردو عنوان")
    without = CommitmentFactory(title="Synthetic title with no Urdu")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    page = client.get(with_urdu.get_absolute_url()).content.decode()
    assert "آزمائشی اردو عنوان" in page and "Synthetic English title" not in page.split("<main", 1)[1]
    assert "Synthetic title with no Urdu" in client.get(without.get_absolute_url()).content.decode()
    listing = client.get(reverse("commitments:list")).content.decode()
    assert "آزمائشی اردو عنوان" in listing and "Synthetic title with no Urdu" in listing
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Synthetic English title" in client.get(with_urdu.get_absolute_url()).content.decode()


def test_urdu_dates_are_day_first_with_urdu_month_names_and_numbers_group_in_lakhs():
    with translation.override("ur"):
        assert formats.date_format(datetime.date(2025, 1, 5)) == "5 جنوری 2025"
        assert formats.date_format(datetime.date(2025, 1, 5), "SHORT_DATE_FORMAT") == "05/01/2025"
        assert formats.number_format(1234567, force_grouping=True) == "12,34,567"
    with translation.override("en"):
        assert formats.date_format(datetime.date(2025, 1, 5)) == "5 January 2025"
