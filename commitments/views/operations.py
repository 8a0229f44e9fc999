import logging

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from ..storage import storage_is_reachable

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """For load balancers: 200 "ok" when the database and evidence storage answer, else 503.

    The body never says what failed; the server log does.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except Exception:
        logger.exception("healthz: database check failed")
        database = False
    storage = storage_is_reachable()
    if not storage:
        logger.error("healthz: evidence storage check failed")
    if database and storage:
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponse("unavailable", status=503, content_type="text/plain")
