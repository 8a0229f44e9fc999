"""The app's URLs plus a bare record-update form, used by the load test only until the app's
own record-update form exists. It calls the same service as the real form."""

import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import escape

from commitments import services
from commitments.models import Commitment, Organisation
from tracker.urls import urlpatterns as app_urlpatterns


@login_required
def record(request, pk):
    commitment = get_object_or_404(Commitment.objects.writable_by(request.user), pk=pk)
    if request.method == "POST":
        items = [
            services.EvidenceItem(title=f.name, file=f, original_filename=f.name, content_type=f.content_type)
            for f in request.FILES.getlist("evidence_file")
        ]
        try:
            services.status_update_record(
                commitment=commitment,
                status=request.POST["status"],
                effective_on=datetime.date.fromisoformat(request.POST["effective_on"]),
                assessor=Organisation.objects.get(pk=request.POST["assessor"]),
                recorded_by=request.user,
                note=request.POST.get("note", ""),
                submission_key=uuid.UUID(request.POST["submission_key"]),
                evidence=items,
            )
        except ValidationError as error:
            return HttpResponse(escape(str(error)), status=400)
        return HttpResponseRedirect(commitment.get_absolute_url())
    return HttpResponse(
        '<form method="post" enctype="multipart/form-data">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
        f'<input type="hidden" name="submission_key" value="{uuid.uuid4()}"></form>'
    )


urlpatterns = [path("reliability-record/<int:pk>/", record), *app_urlpatterns]
