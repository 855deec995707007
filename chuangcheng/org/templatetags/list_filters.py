"""The list pages' filter card (``partials/_list_filter.html``)."""

from django import template

register = template.Library()

NOT_FILTERS = {"q", "page", "ordering", "cursor", "state", "page_size"}


@register.filter
def active_filter_count(form):
    """How many of the folded fields narrow the list — each with a value — shown on the folded
    筛选 button of a phone, where those fields are out of sight. The search box, the sort and
    the page are not among them, nor the chosen states: their chips are lit above the list, and
    the unfolded panel would not show what the number counted."""
    data = form.data if getattr(form, "is_bound", False) else {}
    getlist = getattr(data, "getlist", lambda key: [data[key]])
    ignored = set(form.errors) if data else set()  # left out of the list: not one of its filters
    return sum(1 for key in data if key not in NOT_FILTERS | ignored and any(str(v).strip() for v in getlist(key)))


@register.filter
def thousands(value):
    """A count as people read it on a chip or the pager: 49,921 (anything else as it is)."""
    return f"{value:,}" if isinstance(value, int) else value
