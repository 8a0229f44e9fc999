from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors.dashboard import dashboard_context


@login_required
def dashboard(request):
    """Where we stand and what is slipping, for the commitments the user may see."""
    return render(request, "commitments/dashboard.html", dashboard_context(request.user))
