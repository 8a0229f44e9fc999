"""The rows of the commitment list for a query string: the page's filters and its order, every page.

The list's export and the background job that writes a large export both read their rows
here, so a file made later holds the rows the person saw, in the order they saw them.
"""

from types import SimpleNamespace

from django.utils import timezone
from django_tables2 import RequestConfig

from ..filters import CommitmentFilter
from ..models import Commitment
from ..tables import CommitmentTable


def commitment_list_queryset(*, user, params):
    """The commitments `user` sees for the list's query string `params` (a QueryDict), in the table's order.

    Invalid filters select nothing, as on the page.
    """
    # What the filters and the table read of a request: who is asking, and the query string.
    request = SimpleNamespace(user=user, GET=params)
    filterset = CommitmentFilter(
        params or None, queryset=Commitment.objects.visible_to(user).with_related(), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        rows = filterset.queryset.none()
    else:
        rows = filterset.qs
    table = CommitmentTable(rows, today=timezone.localdate())
    RequestConfig(request, paginate=False).configure(table)
    return table.data.data
