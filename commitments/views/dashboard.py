from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from ..models import Commitment


@login_required
def dashboard(request):
    visible = Commitment.objects.visible_to(request.user)
    context = {
        "total": visible.count(),
        "by_status": visible.values("status").annotate(count=Count("pk")).order_by("status"),
    }
    return render(request, "commitments/dashboard.html", context)
