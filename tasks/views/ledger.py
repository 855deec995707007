"""任务台账: the filtered ledger and its .xlsx export."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng import listpages
from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.imports.export_views import export_response
from chuangcheng.pagination import CappedPaginator as Paginator

from .. import counting, exports, permissions, selectors
from ..models import TaskState
from .common import PAGE_SIZE, _rows, can_view_ledger, message_page

# --- 任务台账 -------------------------------------------------------------------------------------


def _ledger_filter(request):
    """The ledger as filtered: ``(filterset, tasks, states)`` (:func:`selectors.filtered_ledger`,
    which the export job applies too)."""
    return selectors.filtered_ledger(user=request.user, query=request.GET)


@login_required
def ledger(request):
    """The filtered ledger: counts per state, 50 rows a page, roll-up of decomposed tasks."""
    if not can_view_ledger(request.user):
        return _ledger_refused(request)
    listpages.drop_empty(request)
    filterset, tasks, states = _ledger_filter(request)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rollups = selectors.task_rollups([t.pk for t in page])
    rows = _rows(page, rollups=rollups)
    filterset.form.is_valid()  # cleaned_data holds every valid field, even if another is not
    keyword = filterset.form.cleaned_data.get("q")
    counts = selectors.state_counts(filterset.qs)
    overdue = listpages.OverdueChip.of(request, counting.CAN_BE_OVERDUE, states)
    selects = listpages.select_choices(filterset.form, ("campaign", "unit", "region", "indicator"))
    context = {
        "filter": filterset,
        "selects": selects,
        "many_campaigns": len(selects["campaign"]) > 2,  # the empty choice and more than one
        "states": states,
        "page": page,
        "rows": rows,
        "chips": listpages.state_chips(counts, TaskState.choices, states, overdue=overdue),
        "ignored_filters": listpages.ignored_filters(filterset.form),
        "search_everywhere": listpages.search_everywhere(
            request,
            keyword,
            found=bool(rows),
            filtered=lambda query: selectors.filtered_ledger(user=request.user, query=query)[1],
        ),
        "keyword": keyword,
        "overdue_count": overdue.count(counts),
        "overdue": overdue,
        "leader_unlinked_count": counts["leader_unlinked"],
        "leader_unlinked_active": request.GET.get("leader_unlinked") == "true",
        "can_import": permissions.can_create(request.user, None),
    }
    template = "tasks/partials/_ledger_results.html" if request.htmx else "tasks/ledger.html"
    return listpages.pushed_address(request, render(request, template, context))


def _ledger_refused(request):
    alert = {
        "level": "danger",
        "title": _("无权查看任务台账"),
        "message": _("任务台账供单位负责人、督查员和包保领导使用；本单位的任务请在“我的待办”中查看。"),
    }
    return message_page(request, status=403, alert=alert)


@login_required
@require_GET
@reads_from_replica
def export(request):
    """The ledger as filtered, all pages, as .xlsx — the same selector and filter as the page
    (:func:`exports.export_rows`): at once when small, else a background export and its page."""
    if not can_view_ledger(request.user):
        return _ledger_refused(request)
    return export_response(request, exports.KIND)
