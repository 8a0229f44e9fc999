"""Cursor pagination: each page starts where the last one ended (WHERE id > last ORDER BY id),
so the first page and the thousandth cost the same, and rows added meanwhile are not skipped.

A cursor is opaque to clients: follow `next`. A crafted cursor answers 404, never an error.
"""

import datetime
from base64 import b64decode, b64encode

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..querysets import HISTORY_ORDER_DESC

MAX_PAGE_SIZE = 200
LARGEST_ID = 2**63 - 1


class IdCursorPagination(CursorPagination):
    """Oldest first by id: new records appear on the last page, so a client can sync by following `next`."""

    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        return cursor._replace(position=self.checked_position(cursor.position))

    def checked_position(self, position):
        """The cursor's position as a value of the first ordering field (404 when it is not one)."""
        if not position.isdecimal() or int(position) > LARGEST_ID:
            raise NotFound(self.invalid_cursor_message)
        return position

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["required"] = ["next", "previous", "results"]
        return schema


class HistoryCursorPagination(IdCursorPagination):
    """A commitment's history in history order, latest first (querysets.HISTORY_ORDER)."""

    ordering = HISTORY_ORDER_DESC

    def checked_position(self, position):
        # The position is an effective date (ties are resolved by the cursor's offset).
        try:
            return datetime.date.fromisoformat(position).isoformat()
        except ValueError:
            raise NotFound(self.invalid_cursor_message)


def cursor_after(path, last_id):
    """The address of the page after the row with id `last_id` (a deep page, for the benchmark)."""
    paginator = IdCursorPagination()
    paginator.base_url = path
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(last_id)))


class DeadlineCursorPagination(BasePagination):
    """Commitment and report deadlines merged by date (reports first on a shared day, as on the
    calendar), a page at a time: each kind is read from where the last page ended, so every page
    costs two bounded queries. A cursor is (date, kind, id) of the last row shown."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    cursor_query_description = CursorPagination.cursor_query_description
    page_size_query_description = CursorPagination.page_size_query_description
    REPORT, COMMITMENT = 0, 1  # the order of the two kinds on one day

    def paginate_deadlines(self, request, *, commitments, reports):
        """[(kind rank, record)] of this page, from the two querysets (either may be None)."""
        self.request = request
        self.page_size = IdCursorPagination.get_page_size(self, request)
        after = self._decode(request.query_params.get(self.cursor_query_param))
        rows = []
        for rank, queryset, date_field in (
            (self.REPORT, reports, "next_report_due_on"),
            (self.COMMITMENT, commitments, "due_on"),
        ):
            if queryset is None:
                continue
            queryset = queryset.order_by(date_field, "pk")
            if after is not None:
                queryset = queryset.filter(self._after_q(after, rank, date_field))
            rows += [(getattr(obj, date_field), rank, obj.pk, obj) for obj in queryset[: self.page_size + 1]]
        rows.sort(key=lambda row: row[:3])
        self.has_next = len(rows) > self.page_size
        page = rows[: self.page_size]
        self.last = page[-1][:3] if page else None
        return [(rank, obj) for _date, rank, _pk, obj in page]

    @staticmethod
    def _after_q(after, rank, date_field):
        day, after_rank, after_pk = after
        later = Q(**{f"{date_field}__gt": day})
        if rank > after_rank:
            return later | Q(**{date_field: day})
        if rank == after_rank:
            return later | Q(**{date_field: day, "pk__gt": after_pk})
        return later

    def _decode(self, encoded):
        if not encoded:
            return None
        try:
            day, rank, pk = b64decode(encoded.encode("ascii"), validate=True).decode("ascii").split("|")
            after = (datetime.date.fromisoformat(day), int(rank), int(pk))
        except (ValueError, UnicodeError):
            raise NotFound(IdCursorPagination.invalid_cursor_message)
        if after[1] not in (self.REPORT, self.COMMITMENT) or not 0 <= after[2] <= LARGEST_ID:
            raise NotFound(IdCursorPagination.invalid_cursor_message)
        return after

    def get_next_link(self):
        if not self.has_next:
            return None
        day, rank, pk = self.last
        cursor = b64encode(f"{day.isoformat()}|{rank}|{pk}".encode("ascii")).decode("ascii")
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {"next": {"type": "string", "nullable": True, "format": "uri"}, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return IdCursorPagination.get_schema_operation_parameters(self, view)
