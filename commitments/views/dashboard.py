from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..forms import ScopeForm
from ..selectors.dashboard import dashboard_context


@login_required
def dashboard(request):
    """Where we stand and what is slipping, for the commitments the user may see, in the scope chosen.

    The scope bar's state is the query string (bookmarkable); a value that names nothing is a 400.
    """
    form = ScopeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "commitments/dashboard.html", {"scope_form": form}, status=400)
    scope = form.scope() if request.GET else None
    context = dashboard_context(request.user, scope=scope)
    context["scope_form"] = form
    return render(request, "commitments/dashboard.html", context)
