"""Template helpers of the dashboards: how a figure reads on the page (the API and the files
keep the figures' own two decimals)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

ONE_DECIMAL = Decimal("0.1")


@register.filter
def figure(value, unit=""):
    """A figure as the dashboard shows it: a rate (``unit`` "%", the value already in percent)
    with one decimal — 10.54 → 10.5, 38.7 → 38.7, 40 → 40.0 — so a column never mixes 10.54
    and 38.7; anything else, and ``None``, as it is."""
    if unit != "%" or value is None or isinstance(value, bool):
        return value
    try:
        return str(Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return value
