"""Background jobs: a job's page (progress, then its file or what went wrong), its download, the list of one's jobs."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import access
from ..auth import client_ip_address
from ..forms import ImportConfirmForm
from ..models import Job, JobDownload, StagedUpload
from ..services.jobs import job_description, job_summary

# A page still waiting on its job reloads itself this often (seconds): no script needed.
REFRESH_SECONDS = 3
JOBS_LISTED = 50


def _job_for(user, pk):
    job = Job.objects.filter(pk=pk).select_related("requested_by").first()
    if job is None or not access.may_see_job(user, job):
        raise Http404
    return job


@login_required
@require_GET
def job_detail(request, pk):
    """Where a job stands: a progress bar while it runs (the page reloads itself), then the file or the reason it failed."""
    job = _job_for(request.user, pk)
    data = job.result_data if isinstance(job.result_data, dict) else {}
    context = {
        "job": job,
        # What the page lists of result_data, checked: a stored value of another shape shows nothing.
        "preview": bool(data.get("preview")) and job.state == Job.State.DONE,
        "errors": _listed(data, "errors"),
        "error_count": data.get("error_count") if isinstance(data.get("error_count"), int) else 0,
        "changes": _listed(data, "changes"),
        "description": job_description(job),
        "refresh": None if job.is_finished else REFRESH_SECONDS,
        "may_download": access.may_download_job_result(request.user, job) and job.has_result_file,
        "summary": job_summary(job),
        "confirm_import": _import_confirmation(request.user, job),
    }
    return render(request, "commitments/job_detail.html", context)


def _listed(data, key):
    value = data.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _import_confirmation(user, job):
    """For a valid import preview whose file is still kept: the form that imports it."""
    data = job.result_data if isinstance(job.result_data, dict) else {}
    if not (job.kind == Job.Kind.IMPORT and job.state == Job.State.DONE and data.get("preview") and data.get("valid")):
        return None
    if job.requested_by_id != user.pk or not access.may_import(user):
        return None
    if not StagedUpload.objects.filter(token=job.parameters.get("token"), user=user).exists():
        return None
    return ImportConfirmForm(initial={"kind": job.parameters["kind"], "token": job.parameters["token"]})


@login_required
@require_GET
def job_download(request, pk):
    """The job's file, to its requester only; every download is logged."""
    job = _job_for(request.user, pk)
    if not (access.may_download_job_result(request.user, job) and job.has_result_file):
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404
    JobDownload.objects.create(job=job, user=request.user, ip_address=client_ip_address(request))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.result_name or f"job-{job.pk}",
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def job_list(request):
    """One's own jobs, newest first; administrators also see the scheduled work."""
    mine = Q(requested_by=request.user)
    if access.is_administrator(request.user):
        mine |= Q(requested_by__isnull=True)
    jobs = list(Job.objects.filter(mine)[:JOBS_LISTED])
    rows = [(job, job_description(job)) for job in jobs]
    refresh = REFRESH_SECONDS if any(not job.is_finished for job in jobs) else None
    return render(request, "commitments/job_list.html", {"rows": rows, "refresh": refresh})
