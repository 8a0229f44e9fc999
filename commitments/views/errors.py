"""Refusing a request that cannot be read (a crafted parameter), with a message that says why."""

from django.http import HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def refused(request, message, status=400):
    """A 400 page naming what was wrong; nothing was changed."""
    return render(request, "commitments/refused.html", {"message": message}, status=status)


def bad_request(request, exception=None):
    """The site's 400 page (handler400): what could not be read, in words a person can act on.

    A multipart part's headers hold the file's name; Django refuses headers over 1 KB, which is
    what a very long file name (about 900 characters or more) runs into.
    """
    if isinstance(exception, MultiPartParserError) and "header size" in str(exception):
        message = _(
            "A file's name is too long to be read (about a thousand characters or more). Rename the file "
            "to a shorter name (at most 255 characters) and send it again."
        )
    else:
        message = _(
            "Your request was refused: it was too large or could not be read. Nothing was saved. Go back, "
            "shorten what you entered or attach large files as evidence files, and try again."
        )
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message}))
