"""The public portal (no sign-in): dashboard, commitments, instruments, GSP+ conventions, open data,
the feed of public updates, and the submission form. docs/public.md explains what is shown.

Public pages answer anonymous visitors with `Cache-Control: public, max-age`, an ETag and a
Last-Modified from the public data version (a conditional GET answers 304). Signed-in people
may add `?preview=1` to see a page as it would look with their unpublished records published:
the page says so in a banner and is never cached.
"""

import csv
import functools
import hashlib
import json

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .. import access
from ..auth import client_ip_address
from ..filters import PublicCommitmentFilter
from ..forms import SubmissionForm
from ..models import Commitment, Evidence
from ..selectors import public as selectors
from ..services.publishing import public_data_version
from ..services.submissions import submission_send
from .evidence import evidence_file_response

PAGE_SIZE = 50


def preview_user(request):
    """The person previewing unpublished pages (`?preview=1`), or None for the public view."""
    if request.GET.get("preview") == "1" and access.may_preview_public(request.user):
        return request.user
    return None


def _etag(request, version):
    key = f"{version.version}|{request.get_full_path()}|{get_language()}"
    return quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])


def public_page(view):
    """Cache headers for the public: an ETag and Last-Modified from the public data version, 304 when unchanged."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request.public_preview = preview_user(request)
        if request.user.is_authenticated or request.method not in ("GET", "HEAD"):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        version = public_data_version()
        etag = _etag(request, version)
        last_modified = int(version.changed_at.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, public=True, max_age=settings.TRACKER_PUBLIC_MAX_AGE)
            patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response

    return wrapped


def _published_commitment(request, pk):
    commitment = (
        selectors.commitments(request.public_preview).prefetch_related("themes", "sources").filter(pk=pk).first()
    )
    if commitment is None:
        raise Http404
    return commitment


@public_page
def dashboard(request):
    board = selectors.dashboard(request.public_preview)
    return render(request, "commitments/public/dashboard.html", {"board": board})


@public_page
def commitment_list(request):
    filterset = PublicCommitmentFilter(
        request.GET or None,
        queryset=selectors.commitments(request.public_preview).order_by("instrument__code", "reference"),
    )
    status = 200
    if filterset.is_bound and not filterset.is_valid():
        status = 400
        rows = Commitment.objects.none()
    else:
        rows = filterset.qs
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "commitments/public/commitment_list.html",
        {"filterset": filterset, "page": page, "query": query.urlencode()},
        status=status,
    )


@public_page
def commitment_detail(request, pk):
    commitment = _published_commitment(request, pk)
    page = selectors.commitment_page(commitment)
    return render(request, "commitments/public/commitment_detail.html", {"page": page, "commitment": commitment})


def evidence_download(request, pk):
    """A public evidence file, through the same path (checks, safe headers, download log) as staff downloads."""
    queryset = Evidence.objects.published()
    return evidence_file_response(request, pk, user=None, queryset=queryset)


@public_page
def instrument_detail(request, code):
    instrument = selectors.instruments(request.public_preview).filter(code=code).first()
    if instrument is None:
        raise Http404
    rows = selectors.instrument_commitments(instrument, request.public_preview)
    return render(
        request,
        "commitments/public/instrument_detail.html",
        {
            "instrument": instrument,
            "counts": selectors.status_counts(rows),
            "rows": rows,
            "reviews": instrument.reviews.order_by("-reviewed_on"),
        },
    )


@public_page
def gsp(request):
    return render(
        request, "commitments/public/gsp.html", {"requirements": selectors.gsp_conventions(request.public_preview)}
    )


def _open_data_url(request):
    return lambda c: request.build_absolute_uri(reverse("public:detail", args=[c.pk]))


@public_page
def open_data_csv(request):
    rows = selectors.open_data_rows(selectors.commitments(), _open_data_url(request))

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow([f"# {_('Licence')}: {settings.TRACKER_OPEN_DATA_LICENCE}"])
        yield writer.writerow(selectors.OPEN_DATA_FIELDS)
        for row in rows:
            yield writer.writerow([row[field] for field in selectors.OPEN_DATA_FIELDS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="commitments.csv"'
    return response


@public_page
def open_data_json(request):
    rows = list(selectors.open_data_rows(selectors.commitments(), _open_data_url(request)))
    body = {
        "licence": settings.TRACKER_OPEN_DATA_LICENCE,
        "generated": public_data_version().changed_at.isoformat(timespec="seconds"),
        "fields": list(selectors.OPEN_DATA_FIELDS),
        "commitments": rows,
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


class PublicUpdatesFeed(Feed):
    """Public, verified updates of published commitments (Atom)."""

    feed_type = Atom1Feed
    title = gettext_lazy("Commitments tracker: public updates")
    subtitle = gettext_lazy("Verified public status updates on published commitments.")

    def link(self):
        return reverse("public:dashboard")

    def items(self):
        return selectors.updates()[:50]

    def item_title(self, item):
        return f"{item.commitment.instrument.code} {item.commitment.reference}: {item.get_status_display()}"

    def item_description(self, item):
        return _("%(source)s says: %(status)s (%(date)s). %(note)s") % {
            "source": item.assessor,
            "status": item.get_status_display(),
            "date": item.effective_display,
            "note": item.note,
        }

    def item_link(self, item):
        return reverse("public:detail", args=[item.commitment_id]) + f"#update-{item.pk}"

    def item_pubdate(self, item):
        return item.verified_at

    def item_updateddate(self, item):
        return item.verified_at

    def item_author_name(self, item):
        return str(item.assessor)


feed = public_page(PublicUpdatesFeed())


def submit(request, pk):
    """Send evidence or a view about a published commitment; a reviewer of its jurisdiction moderates it."""
    commitment = Commitment.objects.published().select_related("instrument").filter(pk=pk).first()
    if commitment is None:
        raise Http404
    form = SubmissionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                submission_send(
                    commitment=commitment,
                    statement=data["statement"],
                    organisation_name=data["organisation_name"],
                    contact_email=data["contact_email"],
                    links=data["links"],
                    files=data["files"],
                    consent_to_attribution=data["consent_to_attribution"],
                    ip_address=client_ip_address(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 429 if getattr(exc, "code", None) == "rate_limited" else 400
            else:
                return redirect(reverse("public:submitted", args=[commitment.pk]))
        else:
            status = 400
    response = render(
        request, "commitments/public/submit.html", {"form": form, "commitment": commitment}, status=status
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def submitted(request, pk):
    commitment = get_object_or_404(Commitment.objects.published(), pk=pk)
    response = render(request, "commitments/public/submitted.html", {"commitment": commitment})
    patch_cache_control(response, private=True, no_store=True)
    return response
