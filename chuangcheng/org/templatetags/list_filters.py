"""The list pages' filter card (``partials/_list_filter.html``)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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
    # A value the field reads as nothing (?overdue=abc: a yes/no filter not set) narrows nothing.
    cleaned = getattr(form, "cleaned_data", None) or {}
    ignored |= {key for key, value in cleaned.items() if value is None or value == ""}
    return sum(1 for key in data if key not in NOT_FILTERS | ignored and any(str(v).strip() for v in getlist(key)))


@register.filter
def thousands(value):
    """A count as people read it on a chip or the pager: 49,921 (anything else as it is)."""
    return f"{value:,}" if isinstance(value, int) else value


def _chosen(value):
    """A bound field's value as its options' values compare: one string, or a set of them."""
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {"" if value is None else str(value)}


def _options(choices, chosen):
    return "".join(
        f'<option value="{conditional_escape(value)}"{" selected" if str(value) in chosen else ""}>'
        f"{conditional_escape(label)}</option>"
        for value, label in choices
        if value != ""
    )


@register.simple_tag
def select_options(choices, value):
    """A select's ``<option>``s (an empty 全部 or 请选择 one left to the template), the field's
    ``value`` selected. Built here, not with a loop in the template: the city's issue list offers
    some 1,000 (units, regions, categories), and a template loop asked the field its value for
    each (the page 129 – 132 ms before, 97 – 104 ms after at 10,000 issues: docs/performance.md,
    twenty-sixth pass). ``choices`` may hold groups — ``(label, [(value, label)…])`` pairs,
    rendered as ``<optgroup>``s."""
    chosen = _chosen(value)
    out, flat = [], []
    for value_, label in choices:
        if isinstance(label, list | tuple):
            out.append(_options(flat, chosen))
            flat = []
            out.append(f'<optgroup label="{conditional_escape(value_)}">{_options(label, chosen)}</optgroup>')
        else:
            flat.append((value_, label))
    out.append(_options(flat, chosen))
    return mark_safe("".join(out))  # every value and label escaped above
