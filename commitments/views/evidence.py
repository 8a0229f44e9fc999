import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect

from ..models import DownloadLog, Evidence
from ..storage import evidence_signed_url

# Shown inline; anything else is sent as an attachment so a browser never renders it.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


@login_required
def evidence_download(request, pk):
    """Serve an evidence file to someone who may see it, and log the download."""
    evidence = Evidence.objects.visible_to(request.user).filter(pk=pk, redacted_at__isnull=True).first()
    if evidence is None:
        raise Http404
    DownloadLog.objects.create(evidence=evidence, user=request.user, ip_address=request.META.get("REMOTE_ADDR"))
    if not evidence.file:
        return HttpResponseRedirect(evidence.url)
    content_type = evidence.content_type or mimetypes.guess_type(evidence.original_filename)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    signed_url = evidence_signed_url(evidence, content_type=content_type, inline=inline)
    if signed_url:
        return HttpResponseRedirect(signed_url)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not inline,
        filename=evidence.original_filename or f"evidence-{evidence.pk}",
        content_type=content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
