"""How a figure reads wherever a person reads it: the dashboards, the briefings (page, PDF,
Word, Excel), the dashboard's workbook and the 模拟测评 pages and reports all print a rate
through :func:`figure`, so one rate never reads 87.5% in one place and 87.50% in another. Only
the API keeps the figures' own two decimals."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

ONE_DECIMAL = Decimal("0.1")


@register.filter
def figure(value, unit=""):
    """A figure as it is shown (a template filter, and the same function for Python): a rate
    (``unit`` "%", the value already in percent) with one decimal — 10.54 → 10.5, 38.7 → 38.7, 40 → 40.0 — so a column never mixes 10.54
    and 38.7; anything else, and ``None``, as it is."""
    if unit != "%" or value is None or isinstance(value, bool):
        return value
    try:
        return str(Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return value
