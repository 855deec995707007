"""我的待办: what waits for my decision (supervisors: tasks 待验收 and, from inspections, issues to
verify and requests to decide) and my units' open tasks, with the actions on each card."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from chuangcheng.pagination import CappedPaginator as Paginator

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
    red = selectors.leader_red_tasks(user=user)
    leader = "leader" in user.scope.roles and not reviewer
    context = {
        # Leaders: the red items of what they answer for, and the issues' (loaded in place).
        "leader": leader,
        "leader_rows": _rows(red[:REVIEW_COMPACT], user=user) if leader else [],
        "leader_total": red.count() if leader else 0,
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
