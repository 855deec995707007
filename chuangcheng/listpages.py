"""What the filtered list pages share (任务台账, 问题清单): the states asked for, the counts per
state in one query, and the chips above the table — 全部 and one per state, each with its count
(``templates/partials/_state_chips.html`` draws them with the page's overdue chip).

The state is applied last: the filter runs over every state, so the same filtered list gives
the count of each chip.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters
from django.db.models import Count, Q
from django.forms import NullBooleanSelect
from django.http import QueryDict
from django.utils.translation import gettext as _

from chuangcheng.wording import join_list


class _ChoicesField(django_filters.fields.MultipleChoiceField):
    """A multiple choice whose blank values mean nothing chosen: a list page's form sends
    ``severity=`` for an untouched select, and a link may carry ``?source=&source=citizen``."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v]


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """django-filter's, but ``?severity=`` is no choice rather than an invalid one (which made
    the whole filter invalid: a 400 from the API, and on the page the other fields' checks off)."""

    field_class = _ChoicesField


def drop_empty(request, defaults=None):
    """The filter card sends every field, most of them empty (``?q=井盖&campaign=&region=&…``),
    and its sort select sends the default sort too: the list reads its query without them, so
    the address, the chips', the pager's and the export's links carry only what narrows or
    orders the list. ``defaults``: {field: the value that means nothing chosen}."""
    defaults = defaults or {}
    pairs = [(key, value) for key, values in request.GET.lists() for value in values]
    kept = [(key, value) for key, value in pairs if value != "" and defaults.get(key) != value]
    if len(kept) < len(pairs):
        request.GET = QueryDict(urlencode(kept))


def ignored_filters(form):
    """The labels, listed as the language lists them, of the fields a list left out because
    their value is not one the person may choose (a region or unit out of scope, a class since
    removed): the list says so, and the 筛选 button does not count them."""
    if not getattr(form, "is_bound", False):
        return ""
    return join_list(form.fields[name].label or name for name in form.errors if name in form.fields)


def search_everywhere(request, keyword, *, found, filtered, orderings=()):
    """No rows for a keyword within other conditions (a state chip, 超期未改…): the query string
    of the same keyword over everything the person may see — the sort kept when it is one of
    ``orderings`` — for a link one tap away; "" when there is nothing to widen, or when the
    keyword finds nothing there either (``filtered(query)`` is the list as ``query`` filters it:
    one EXISTS, asked only when the page came back empty)."""
    if not keyword or found or not any(key not in ("q", "page", "ordering") for key in request.GET):
        return ""
    ordering = request.GET.get("ordering")
    query = urlencode({"q": keyword, **({"ordering": ordering} if ordering in orderings else {})})
    if not filtered(QueryDict(query)).exists():
        return ""
    return "?" + query


def pushed_address(request, response):
    """An htmx answer to the filter card: the address the browser keeps (``HX-Push-Url``), as
    :func:`drop_empty` left it — ``?q=井盖``, as the chips and the pager write it. Another
    request's response is returned as it is."""
    if request.htmx:
        from django_htmx.http import push_url

        query = request.GET.urlencode()
        push_url(response, request.path + (f"?{query}" if query else ""))
    return response


def requested_states(request, values):
    """``(data, states)``: the query string without ``page`` and ``state`` (what the filter
    runs on) and the states asked for among ``values`` (unknown ones dropped)."""
    return query_states(request.GET, values)


def query_states(query, values):
    """:func:`requested_states` of a query string (a QueryDict) — the export job's, kept from
    the request that asked for it."""
    data = query.copy()
    states = [s for s in data.getlist("state") if s in values]
    for key in ("page", "state"):
        data.pop(key, None)
    return data, states


def state_counts(queryset, values, *, limit=None, overdue_q=None, **figures):
    """``{state: count}`` for every state in ``values``, plus ``total`` and each of ``figures``
    (name → aggregate) — and with ``overdue_q`` (the list's 超期 figure as a filter) ``overdue``
    and ``overdue_<state>`` for each state (what the overdue chip counts when states are asked
    for: :meth:`OverdueChip.count`) — in one query, over at most ``limit`` rows."""
    queryset = queryset.order_by()
    if limit is not None:
        queryset = queryset[:limit]
    if overdue_q is not None:
        figures["overdue"] = Count("id", filter=overdue_q)
        figures.update({f"overdue_{state}": Count("id", filter=overdue_q & Q(state=state)) for state in values})
    return queryset.aggregate(
        total=Count("id"),
        **figures,
        **{state: Count("id", filter=Q(state=state)) for state in values},
    )


def state_chips(counts, choices, states, *, capped=False, overdue=None):
    """全部, then one chip per state of ``choices``: value, label, count, and whether the list
    holds it — every state asked for is lit (a dashboard's 未销号 link asks for four), so a
    list of several states does not look like 全部 or like none. ``capped``: the counts were
    stopped at ``counts["total"]`` — 全部 says "1,000+", a state's count is None (no badge).

    ``overdue``: the :class:`OverdueChip` when the list has one. A state in which nothing is
    overdue (已完成, 已销号…) cannot be asked for together with it: its chip ``clears_overdue``
    (the page's link turns the overdue chip off) and, while that chip is on, shows no count (the
    counts are the overdue ones — 0 — and the link leads to all of that state)."""
    total = f"{counts['total']:,}+" if capped else counts["total"]
    chips = [{"value": None, "label": _("全部"), "count": total, "active": not states}]
    for value, label in choices:
        clears = overdue is not None and value not in overdue.states
        count = None if clears and overdue.active else counts[value]
        chips.append(
            {"value": value, "label": label, "count": count, "active": value in states, "clears_overdue": clears}
        )
    return chips


@dataclass(frozen=True)
class OverdueChip:
    """A list's 超期未完成 / 超期未改 chip: ``states`` are those in which an item can be overdue
    (the figure's), ``active`` whether the list is filtered by it, ``keeps`` the states asked for
    that its link keeps (a state in which nothing is overdue is dropped: together they find nothing).

    ``excluded``: the panel's 否 — the list leaves out what is overdue, so the chip's own count
    would be 0 by definition while its link (是 replaces 否) lists them all: it shows no count,
    and the page says the state counts leave them out."""

    states: tuple
    active: bool
    chosen: tuple = ()
    excluded: bool = False

    @classmethod
    def of(cls, request, states, chosen):
        # Read as the list's filter reads it (true/True/2 and false/False/3; anything else: off).
        asked = NullBooleanSelect().value_from_datadict(request.GET, None, "overdue")
        return cls(states=tuple(states), active=asked is True, chosen=tuple(chosen), excluded=asked is False)

    @property
    def keeps(self):
        return [state for state in self.chosen if state in self.states]

    def count(self, counts):
        """The chip's badge: with states asked for, the overdue items of those it keeps — its
        link lists those (推进中 lit: 17, not the 27 of every state) — else all of them; none
        under 否 (``excluded``)."""
        if self.excluded:
            return None
        if self.keeps and counts.get(f"overdue_{self.keeps[0]}") is not None:
            return sum(counts[f"overdue_{state}"] for state in self.keeps)
        return counts["overdue"]

    @property
    def contradicts(self):
        """On, with only states in which nothing is overdue (the panel's checkbox beside a lit
        已完成): the list is empty by definition, and says so."""
        return self.active and bool(self.chosen) and not self.keeps


def select_choices(form, names):
    """Each named select's ``(value, label)`` options, read once (a template loop over a
    ModelChoiceField would COUNT the queryset first, then read it). A field whose options are
    rows labelled by their ``name`` (units — some 500 for a city) is read as ``(pk, name)``
    pairs, without a model instance per option."""
    out = {}
    for name in names:
        field = form.fields[name]
        queryset = getattr(field, "queryset", None)
        if queryset is not None and _labelled_by_name(field, queryset.model):
            out[name] = list(queryset.values_list("pk", "name"))
        else:  # not list(): it would take the iterator's len() first, a COUNT of the queryset
            out[name] = [choice for choice in field.choices]
    return out


def _labelled_by_name(field, model):
    from django.forms import ModelChoiceField

    from chuangcheng.org.models import Region, Unit

    # Not when the field's label is its own (the region filters indent each level with a
    # lambda set on the field): the instance's, not the class's, decides.
    label = getattr(field.label_from_instance, "__func__", None)
    return model in (Region, Unit) and label is ModelChoiceField.label_from_instance
