"""The error pages: in the site's layout, saying why and where to go next.

Django calls these for a refused request (400), a refusal by the access rules (403, with the
rule's own sentence), a page that does not exist or that the person may not see (404: a record
one may not read is never revealed) and a server error (500, drawn without the database).
"""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _page(request, status, exception=None):
    reason = ""
    if status == 403 and exception is not None and str(exception):
        reason = str(exception)  # the access rule's own words, e.g. "You may read this commitment but not change it."
    return render(request, f"{status}.html", {"reason": reason, "status": status}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, exception)


def permission_denied(request, exception=None):
    return _page(request, 403, exception)


def page_not_found(request, exception=None):
    return _page(request, 404, exception)


def server_error(request):
    # No context processors and no database: whatever failed may fail again.
    return HttpResponseServerError(loader.get_template("500.html").render())
