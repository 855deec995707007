"""我的待办: what waits for my decision (supervisors: tasks 待验收 and, from inspections, issues to
verify and requests to decide) and my units' open tasks, with the actions on each card."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .. import selectors
from .common import PAGE_SIZE, ROW_RELATED, _rows

REVIEW_COMPACT = 6  # tasks 待验收 shown on 我的待办; the rest in the ledger

# --- 我的待办 --------------------------------------------------------------------------------------


@login_required
def my_work(request):
    """My units' open tasks, overdue first, then by deadline; report or submit from each card."""
    user = request.user
    tasks = selectors.my_work(user=user).select_related(*ROW_RELATED)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    review = selectors.review_queue(user=user)
    reviewer = selectors.is_reviewer(user)
    context = {
        "page": page,
        "rows": _rows(page, user=user),
        "counts": selectors.state_counts(selectors.my_work(user=user)),
        "has_units": bool(user.scope.unit_ids),
        # Supervisors (and lead units): what waits for their decision, above their own units' work.
        "reviewer": reviewer,
        "review_rows": _rows(review[:REVIEW_COMPACT], user=user) if reviewer else [],
        "review_total": review.count() if reviewer else 0,
    }
    return render(request, "tasks/my_work.html", context)
