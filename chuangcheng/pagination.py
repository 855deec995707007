"""API pages that cost the same at any depth, and counts that do not scan (issue 18).

**Counts.** Counting every matching row costs what the rows cost: 250 ms for the 50,000 issues
that mention 井盖 among 1,000,000, 30–50 ms for an unfiltered list. The count stops at
``COUNT_CAP``: below it the count is exact; above it the answer says ``"count": 10000,
"count_capped": true`` (the pages show "10,000+"); a text search stops at
``SEARCH_COUNT_CAP``.

**Pages.** ``?page=N`` reads N × page_size rows to skip them (OFFSET), so page numbers stop at the
cap (the page beyond is a 404 that says to narrow the filter). Past that — and for anyone
walking a whole list — ``?cursor=`` pages by *keyset*: the cursor holds the sort values of the
last row sent, and the next page is ``WHERE (sort key) > (those values) … LIMIT n``, which an
index on the sort key serves without reading what it skips. The last page within the cap links
to the first cursor page, so following ``next`` never ends before the rows do.

**Ids first.** A view with ``page_ids_first = True`` reads a page in two steps: the ids of its
rows (the filter and the sort over the narrow columns an index can hold, no joins), then those
rows with their joins and prefetches. Sorting a district's 6,700 submitted issues with five
joined tables before keeping 50 took 24 ms at 1,000,000 issues; sorting their ids from a
covering index takes 5 ms, and the 50 rows are then read by primary key.

**Order.** :class:`StableOrderingFilter` ends every ordering with ``id`` (in the direction of the
last sort key, so one index on ``(key, id)`` serves it): rows with equal keys keep one order, and
none repeats or vanishes between pages.
"""

import base64
import binascii
import json

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .walk import walked_ids

COUNT_CAP = 10_000
# A text search (``?q=``) counts to a thousand: its matches come from the bigram index and are
# rechecked one by one, so counting 10,000 of 井盖's 50,000 cost 80 ms at 1,000,000 issues and
# 1,000 costs 17 ms; past that the pages go on by cursor like any other list.
SEARCH_COUNT_CAP = 1_000
SEARCH_PARAM = "q"


def rows_by_ids(queryset, ids):
    """The rows of ``queryset`` whose ids are ``ids`` (a query of ids), in the order of ``ids``:
    the page's rows read by primary key, with ``queryset``'s joins and prefetches. A row that
    left the filter between the two reads is left out."""
    ids = list(ids)
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class CappedPaginator(Paginator):
    """Django's paginator with the count stopped at :data:`COUNT_CAP` (``capped`` says so);
    pages past the cap do not exist. The list pages use it too. ``ids_first``: a page's rows
    are read by :func:`rows_by_ids` (see the module's "Ids first")."""

    cap = COUNT_CAP
    capped = False
    total = None  # the exact count past the cap, when the caller knows it (a list page's chips)
    ids_first = False

    def _get_page(self, object_list, number, paginator):
        if hasattr(object_list, "query"):
            ids = walked_ids(object_list)
            if ids is not None:
                object_list = rows_by_ids(self.object_list, ids)
            elif self.ids_first:
                object_list = rows_by_ids(self.object_list, object_list.values_list("pk", flat=True))
        return super()._get_page(object_list, number, paginator)

    @property
    def cap_label(self):
        """The cap as the pages write it: 10,000."""
        return f"{self.cap:,}"

    @cached_property
    def count(self):
        rows = self.object_list
        if not hasattr(rows, "query"):
            return super().count
        found = rows.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def get_page(self, number):
        """The list pages' ``?page=``: like Django's, a page that is not a number is the first and
        one past the end the last — and ``0`` or a negative page is the first too (Django's
        ``get_page`` sends those to the last page, so a stray ``?page=0`` jumped to the end)."""
        try:
            if int(number) < 1:
                number = 1
        except (TypeError, ValueError, OverflowError):
            pass  # not a whole number: Django's get_page shows the first page
        return super().get_page(number)


def ordering_with_id(ordering):
    """``ordering`` (names, ``-`` for descending) ending with ``id``, in the last key's direction."""
    ordering = [o for o in ordering or () if isinstance(o, str)]
    if not ordering:
        return ["-id"]
    if ordering[-1].lstrip("-") in ("id", "pk"):
        return ordering
    return [*ordering, "-id" if ordering[-1].startswith("-") else "id"]


class StableOrderingFilter(OrderingFilter):
    """DRF's ``?ordering=``, with ``id`` as the tie-breaker of every ordering.

    A view's ``ordering_columns`` maps a public name to the column it sorts by (the issues'
    ``severity`` → ``severity_rank``: 一般 < 较重 < 严重 < 负面清单, not the codes' alphabet); the
    keyset pages then run over that column and its ``(column, id)`` index."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        columns = getattr(view, "ordering_columns", None) or {}
        ordering = [_column(term, columns) for term in ordering]
        return ordering_with_id(ordering)


def _column(term, columns):
    """``term`` (``-`` for descending) with its public name replaced by its column, if mapped."""
    if not isinstance(term, str):
        return term
    desc, name = term.startswith("-"), term.lstrip("-")
    return ("-" if desc else "") + columns.get(name, name)


# --- keyset ------------------------------------------------------------------------------------


def _field(model, path):
    """The model field at ``path`` (``a__b``), and the attribute path that reads its value."""
    parts, field = path.split("__"), None
    for i, name in enumerate(parts):
        field = model._meta.get_field("id" if name == "pk" else name)
        if field.is_relation and i < len(parts) - 1:
            model = field.related_model
    attrs = [*parts[:-1], field.attname if field.is_relation else field.name]
    return field, attrs


def _exact(value):
    """JSON for a sort value, to the microsecond (Django's encoder drops microseconds, and a
    cursor must name the row exactly)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # Decimal, UUID


def _after(keys, values, using="default"):
    """``Q`` for the rows after ``values`` in the order ``keys`` ((path, descending, field)):
    the lexicographic comparison, with NULLs where the database puts them (PostgreSQL: last
    ascending, first descending; SQLite the other way), and a leading bound on the first key so
    an index range starts at the cursor instead of at the beginning."""
    nulls_largest = connections[using].features.nulls_order_largest
    terms, equal = [], Q()
    for (path, desc, field), value in zip(keys, values, strict=True):
        null_last = nulls_largest != desc
        if value is None:
            beyond = None if null_last else Q(**{f"{path}__isnull": False})
            same = Q(**{f"{path}__isnull": True})
        else:
            beyond = Q(**{f"{path}__lt" if desc else f"{path}__gt": value})
            if field.null and null_last:
                beyond |= Q(**{f"{path}__isnull": True})
            same = Q(**{path: value})
        if beyond is not None:
            terms.append(equal & beyond)
        equal &= same
    if not terms:
        return Q(pk__in=[])
    after = terms[0]
    for term in terms[1:]:
        after |= term
    path, desc, field = keys[0]
    null_last = nulls_largest != desc
    if values[0] is not None:
        bound = Q(**{f"{path}__lte" if desc else f"{path}__gte": values[0]})
        after &= bound | Q(**{f"{path}__isnull": True}) if field.null and null_last else bound
    elif null_last:
        after &= Q(**{f"{path}__isnull": True})
    return after


class StandardPagination(PageNumberPagination):
    """Pages of 50 by default; ``?page_size=`` up to 500; counts capped at ``COUNT_CAP``;
    ``?page=`` up to the cap, ``?cursor=`` at any depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    capped_page_message = _("没有这一页。页码只能翻到前 %(n)s 条：请加筛选条件缩小范围，或沿“下一页”链接继续翻。")
    missing_page_message = _("没有这一页。")

    @property
    def django_paginator_class(self):
        def make(*args, **kwargs):
            self._paginator = CappedPaginator(*args, **kwargs)
            self._paginator.ids_first = self.ids_first
            if getattr(self, "request", None) and self.request.query_params.get(SEARCH_PARAM, "").strip():
                self._paginator.cap = min(self._paginator.cap, SEARCH_COUNT_CAP)
            return self._paginator

        return make

    @property
    def invalid_page_message(self):
        """The cap is named only when it is why the page is missing: a page past it (not
        ``page=0``, a negative page or one that is not a number, which are just 没有这一页)."""
        paginator = getattr(self, "_paginator", None)
        if paginator is None or not paginator.capped:
            return self.missing_page_message
        try:
            past_the_cap = int(self.request.query_params.get(self.page_query_param)) > paginator.num_pages
        except (TypeError, ValueError, AttributeError):
            past_the_cap = False
        return self.capped_page_message % {"n": f"{paginator.cap:,}"} if past_the_cap else self.missing_page_message

    invalid_cursor_message = _("翻页位置（cursor）无效或与排序不符：请从第一页重新开始。")
    invalid_page_size_message = _(
        "每页条数（page_size）应为正整数（最多 %(max)s 条，更大的按 %(max)s 条），收到：%(value)s。"
    )

    def get_page_size(self, request):
        """``?page_size=`` must be a whole number from 1 (more than the maximum is cut to it); a
        value that is not one is a 400 naming the parameter, not silently the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and raw.strip() != "":
            try:
                if int(raw) < 1:
                    raise ValueError
            except ValueError:
                raise ParseError(self.invalid_page_size_message % {"max": self.max_page_size, "value": raw}) from None
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.request, self.keyset, self.next_cursor = request, None, None
        self.ids_first = getattr(view, "page_ids_first", False)
        self.keys = self._keys(queryset)
        if self.cursor_query_param in request.query_params:
            return self._paginate_keyset(queryset, request)
        rows = super().paginate_queryset(queryset, request, view)
        if rows and self.keys and not self.page.has_next() and self.page.paginator.capped:
            self.next_cursor = self._encode(rows[-1])  # past the cap, keyset takes over
        return rows

    # keys of the queryset's order, which the ordering filter made unique

    def _keys(self, queryset):
        ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering or ())
        if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
            return None  # not a unique order (or an expression): page numbers only
        keys = []
        for name in ordering:
            if not isinstance(name, str) or name.lstrip("-").startswith("?"):
                return None
            try:
                field, attrs = _field(queryset.model, name.lstrip("-"))
            except FieldDoesNotExist:
                return None
            keys.append((name.lstrip("-"), name.startswith("-"), field, attrs))
        return keys

    def _encode(self, row):
        values = []
        for _path, _desc, _f, attrs in self.keys:
            value = row
            for attr in attrs:
                value = getattr(value, attr, None) if value is not None else None
            values.append(value)
        order = [("-" if desc else "") + path for path, desc, _f, _a in self.keys]
        raw = json.dumps({"o": order, "v": values}, default=_exact, ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, cursor):
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            order = [("-" if desc else "") + path for path, desc, _f, _a in self.keys]
            if not isinstance(data, dict) or data.get("o") != order or len(data.get("v") or ()) != len(order):
                raise ValueError
            return [
                None if v is None else (field.output_field if field.generated else field).to_python(v)
                for (_p, _d, field, _a), v in zip(self.keys, data["v"], strict=True)
            ]
        except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError) as exc:
            raise ParseError(self.invalid_cursor_message) from exc

    def _paginate_keyset(self, queryset, request):
        if not self.keys:
            raise ParseError(self.invalid_cursor_message)
        values = self._decode(request.query_params[self.cursor_query_param])
        size = self.get_page_size(request)
        after = _after([(path, desc, field) for path, desc, field, _a in self.keys], values, queryset.db)
        window = queryset.filter(after)[: size + 1]
        ids = walked_ids(window)
        if ids is not None or self.ids_first:  # whether there is more is the ids' to say
            if ids is None:
                ids = list(window.values_list("pk", flat=True))
            rows, more = rows_by_ids(queryset, ids[:size]), len(ids) > size
        else:
            rows = list(window)
            rows, more = rows[:size], len(rows) > size
        self.keyset = rows
        if more and rows:
            self.next_cursor = self._encode(rows[-1])
        return self.keyset

    def _count(self):
        if self.keyset is None:
            return self.page.paginator.count, self.page.paginator.capped
        return None, None  # a keyset page does not count (the first page did)

    def get_next_link(self):
        if self.next_cursor is not None:
            url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
            return replace_query_param(url, self.cursor_query_param, self.next_cursor)
        if self.keyset is not None:
            return None
        return super().get_next_link()

    def get_previous_link(self):
        return None if self.keyset is not None else super().get_previous_link()

    def get_paginated_response(self, data):
        count, capped = self._count()
        return Response(
            {
                "count": count,
                "count_capped": capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["nullable"] = True
        out["properties"]["count_capped"] = {
            "type": "boolean",
            "nullable": True,
            "description": _("true：匹配的行比 `count` 说的多（计数到 10,000 为止）；`cursor` 页不计数，为 null"),
        }
        return out

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("翻页位置，取自 `next` 链接（任意深度都能翻；`page` 只能翻到前 10,000 条）。"),
                "schema": {"type": "string"},
            },
        ]
