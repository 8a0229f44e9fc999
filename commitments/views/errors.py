"""The error pages: in the site's layout, saying why and where to go next.

Django calls these for a refused request (400: what could not be read, in words a person can
act on), a refusal by the access rules (403, with the rule's own sentence), a page that does
not exist or that the person may not see (404: a record one may not read is never revealed)
and a server error (500, drawn without the database). refused() is the 400 a view gives for
a crafted parameter, naming what was wrong.
"""

from django.http import HttpResponseServerError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def refused(request, message, status=400):
    """A 400 page naming what was wrong; nothing was changed."""
    return render(request, "commitments/refused.html", {"message": message}, status=status)


def _page(request, status, context=None):
    return render(request, f"{status}.html", {"status": status, **(context or {})}, status=status)


def bad_request(request, exception=None):
    """The site's 400 page (handler400).

    A multipart part's headers hold the file's name; Django refuses headers over 1 KB, which is
    what a very long file name (about 900 characters or more) runs into.
    """
    message = ""
    if isinstance(exception, MultiPartParserError) and "header size" in str(exception):
        message = _(
            "A file's name is too long to be read (about a thousand characters or more). Rename the file "
            "to a shorter name (at most 255 characters) and send it again."
        )
    return _page(request, 400, {"message": message})


def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None else ""
    return _page(request, 403, {"reason": reason})  # the access rule's own words


def page_not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    # No context processors and no database: whatever failed may fail again.
    return HttpResponseServerError(loader.get_template("500.html").render())
