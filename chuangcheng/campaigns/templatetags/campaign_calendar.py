"""The holiday-calendar banner for administrators (admin pages and the home page)."""

from django import template

from ..checks import calendar_gaps

register = template.Library()


@register.inclusion_tag("campaigns/partials/_calendar_banner.html", takes_context=True)
def calendar_banner(context, in_admin=False):
    """Shown to administrators only: the open campaigns whose dates reach a year the working
    calendar can only estimate. ``in_admin``: drawn in the Django admin's own style."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_superuser or user.scope.sees_all):
        return {"gaps": []}
    return {"gaps": calendar_gaps(), "in_admin": in_admin}
