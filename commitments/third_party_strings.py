"""Strings that the libraries the pages use (django-tables2, django-filter, Django itself) show
but whose own Urdu catalogues lack. Listed here so that makemessages puts them in the tracker's
catalogue, which Django reads before theirs. Nothing imports this module."""

from django.utils.translation import gettext_noop

THIRD_PARTY_STRINGS = [
    # django-tables2's pagination
    gettext_noop("previous"),
    gettext_noop("next"),
    # django-filter's yes/no/unknown choices
    gettext_noop("Unknown"),
    # Django's forms and the user model
    gettext_noop("Enter a valid email address."),
    gettext_noop("username"),
]
