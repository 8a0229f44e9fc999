from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def whoami(request):
    """The smallest logged-in page: the benchmark's yardstick for what the stack itself costs."""
    return HttpResponse(request.user.get_username(), content_type="text/plain; charset=utf-8")
