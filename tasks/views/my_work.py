"""我的待办: my units' open tasks, with report and submit on each card."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .. import selectors
from .common import PAGE_SIZE, ROW_RELATED, _rows

# --- 我的待办 --------------------------------------------------------------------------------------


@login_required
def my_work(request):
    """My units' open tasks, overdue first, then by deadline; report or submit from each card."""
    user = request.user
    tasks = selectors.my_work(user=user).select_related(*ROW_RELATED)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _rows(page, user=user),
        "counts": selectors.state_counts(selectors.my_work(user=user)),
        "has_units": bool(user.scope.unit_ids),
    }
    return render(request, "tasks/my_work.html", context)
