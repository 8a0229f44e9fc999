from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from .. import access
from ..auth import client_ip_address
from ..files import ALLOWED_TYPES, IMAGE_TYPES, name_for_type, strip_location
from ..models import DownloadLog, Evidence
from ..storage import evidence_signed_url

# Shown inline; anything else is sent as an attachment so a browser never renders it.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


@login_required
def evidence_download(request, pk):
    return evidence_file_response(request, pk, user=request.user)


def evidence_file_response(request, pk, *, user, queryset=None):
    """Serve an evidence file to `user` if they may see it, and log the download.

    The page and the API (whose user may come from a token) both answer through here, and so
    does the public portal, with user=None and queryset=Evidence.objects.published().
    Images that carried a GPS position are served without it to everyone but administrators.
    """
    if queryset is None:
        queryset = Evidence.objects.visible_to(user)
    evidence = queryset.filter(pk=pk, redacted_at__isnull=True).first()
    if evidence is None:
        raise Http404
    DownloadLog.objects.create(evidence=evidence, user=user, ip_address=client_ip_address(request))
    if not evidence.file:
        return HttpResponseRedirect(evidence.url)
    # The stored type was decided by content when the file arrived; anything else is opaque bytes.
    content_type = evidence.content_type if evidence.content_type in ALLOWED_TYPES else "application/octet-stream"
    inline = content_type in INLINE_TYPES
    # Served under a name that says what the file is, whatever name it arrived with.
    filename = name_for_type(evidence.original_filename or f"evidence-{evidence.pk}", content_type)
    if content_type in IMAGE_TYPES and evidence.location_metadata and not access.may_see_location_metadata(user):
        # Never hand out the original (or a link to it): only administrators see the location.
        with evidence.file.open("rb") as handle:
            data = strip_location(handle.read())
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        signed_url = evidence_signed_url(evidence, content_type=content_type, inline=inline)
        if signed_url:
            return HttpResponseRedirect(signed_url)
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=not inline,
            filename=filename,
            content_type=content_type if inline else "application/octet-stream",
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
