"""任务台账: the filtered ledger and its .xlsx export."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chuangcheng import listpages
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.org.models import Region, RegionLevel, Unit
from chuangcheng.pagination import CappedPaginator as Paginator
from chuangcheng.xlsx import xlsx_response

from .. import counting, exports, permissions, selectors
from ..filters import TaskFilter
from ..models import TaskState
from .common import PAGE_SIZE, _rows, can_view_ledger, message_page

# --- 任务台账 -------------------------------------------------------------------------------------


def _ledger_filter(request):
    """The ledger as filtered: ``(filterset, tasks, states)``.

    :class:`TaskFilter` runs over the selector's scoped list with its choices limited to what
    the person can see (an out-of-scope choice is ignored, never an error page). The state is
    applied last, so the same filtered list also gives the counts per state for the chips."""
    user = request.user
    data, states = listpages.requested_states(request, TaskState.values)
    filterset = TaskFilter(data, queryset=selectors.task_list(user=user))
    fields = filterset.form.fields
    campaigns = Campaign.objects.visible_to(user)
    fields["campaign"].queryset = campaigns.order_by("-start_date")
    fields["unit"].queryset = Unit.objects.visible_to(user).filter(is_active=True).order_by("level", "name")
    regions = Region.objects.visible_to(user).filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN])
    fields["region"].queryset = regions.order_by("path")
    fields["region"].label_from_instance = lambda r: "\u3000" * max(r.depth - 1, 0) + r.name
    fields["indicator"].queryset = (
        Indicator.objects.filter(standard__campaigns__in=campaigns).distinct().order_by("standard_id", "sort_key")
    )
    tasks = filterset.qs.filter(state__in=states) if states else filterset.qs
    return filterset, tasks, states


@login_required
def ledger(request):
    """The filtered ledger: counts per state, 50 rows a page, roll-up of decomposed tasks."""
    if not can_view_ledger(request.user):
        return _ledger_refused(request)
    filterset, tasks, states = _ledger_filter(request)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rollups = selectors.task_rollups([t.pk for t in page])
    counts = selectors.state_counts(filterset.qs)
    # Each select's options, read once: a template loop (or list()) over the choices would
    # COUNT the queryset first, then read it.
    fields = filterset.form.fields
    selects = {
        name: [choice for choice in fields[name].choices] for name in ("campaign", "unit", "region", "indicator")
    }
    context = {
        "filter": filterset,
        "selects": selects,
        "many_campaigns": len(selects["campaign"]) > 2,  # the empty choice and more than one
        "states": states,
        "page": page,
        "rows": _rows(page, rollups=rollups),
        "chips": listpages.state_chips(counts, TaskState.choices, states),
        "overdue_count": counts["overdue"],
        "overdue_active": request.GET.get("overdue") == "true",
        "leader_unlinked_count": counts["leader_unlinked"],
        "leader_unlinked_active": request.GET.get("leader_unlinked") == "true",
        "can_import": permissions.can_create(request.user, None),
    }
    template = "tasks/partials/_ledger_results.html" if request.htmx else "tasks/ledger.html"
    return render(request, template, context)


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
    """The ledger as filtered, all pages, as .xlsx — the same selector and filter as the page."""
    if not can_view_ledger(request.user):
        return _ledger_refused(request)
    _filterset, tasks, _states = _ledger_filter(request)
    data = exports.ledger_workbook(
        counting.annotate(tasks.select_related("responsible_leader")).iterator(chunk_size=2000)
    )
    filename = _("任务台账-%(d)s.xlsx") % {"d": timezone.localdate().strftime("%Y%m%d")}
    return xlsx_response(data, filename)
