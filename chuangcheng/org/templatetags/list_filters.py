"""The list pages' filter card (``partials/_list_filter.html``)."""

from django import template

register = template.Library()

NOT_FILTERS = {"q", "page", "ordering", "cursor", "state", "page_size"}


@register.filter
def active_filter_count(form, states=None):
    """How many filters narrow the list besides the search box — each field with a value, and
    the chosen states as one — shown on the folded 筛选 button of a phone, where the fields
    themselves are out of sight."""
    data = form.data if getattr(form, "is_bound", False) else {}
    getlist = getattr(data, "getlist", lambda key: [data[key]])
    ignored = set(form.errors) if data else set()  # left out of the list: not one of its filters
    count = sum(1 for key in data if key not in NOT_FILTERS | ignored and any(str(v).strip() for v in getlist(key)))
    return count + (1 if states else 0)


@register.filter
def thousands(value):
    """A count as people read it on a chip or the pager: 49,921 (anything else as it is)."""
    return f"{value:,}" if isinstance(value, int) else value
