"""Ledger pages: 我的待办, 任务台账 (+ .xlsx export), the task page, its actions, the import.

Thin: reads come from :mod:`tasks.selectors` (everything starts from ``visible_to(user)``),
writes go through :mod:`tasks.services`. Every action view is POST only, finds the task among
the tasks the person may see (out of scope: 404, as for a task that does not exist) and calls
one service; its refusal is shown next to the field it names (400), as a message (403), or as
"the task has changed" (409). Nothing here saves a model.

With htmx (the cards of 我的待办) an action answers with the task's card; without, with the page.
"""

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Region, RegionLevel, Unit
from chuangcheng.org.selectors import region_full_names
from chuangcheng.tabular import ImportErrors

from . import exports, permissions, selectors, services
from .filters import TaskFilter
from .forms import ACTION_FORMS, ImportForm
from .imports import import_tasks
from .models import Task, TaskAttachment, TaskState
from .workflow import TRANSITIONS, allowed_actions

PAGE_SIZE = 50
LEDGER_ROLES = ("unit_head", "supervisor", "leader", "admin")
ROW_RELATED = ("campaign", "owner_unit__region", "lead_unit", "region", "parent")
DETAIL_RELATED = (*ROW_RELATED, "responsible_leader")
LIGHT_COLORS = {"green": "green", "yellow": "yellow", "red": "red", "done": "secondary"}
STATE_COLORS = {
    TaskState.PENDING: "secondary",
    TaskState.IN_PROGRESS: "blue",
    TaskState.SUBMITTED: "orange",
    TaskState.DONE: "green",
}


def can_view_ledger(user):
    """The ledger is for unit heads, supervisors, leaders and admins (staff use 我的待办)."""
    return user.scope.has_role(*LEDGER_ROLES)


LIGHT_LABELS = {
    "green": gettext_lazy("正常"),
    "yellow": gettext_lazy("预警"),
    "red": gettext_lazy("超期"),
    "done": gettext_lazy("已完成"),
}


@dataclass
class TaskRow:
    """A task with the figures shown wherever it is (all computed for one "today")."""

    task: Task
    today: object
    actions: tuple = ()
    rollup: selectors.Rollup | None = None

    def __post_init__(self):
        t, today = self.task, self.today
        self.light = t.traffic_light(today)
        self.days_left = t.days_left(today)
        self.expected = t.expected_progress(today)
        self.lag = t.lag(today)
        self.overdue = t.is_overdue(today)

    @property
    def light_color(self):
        return LIGHT_COLORS[self.light]

    @cached_property
    def light_label(self):
        return str(LIGHT_LABELS[self.light])

    @cached_property
    def state_label(self):
        return str(services.STATE_LABELS[self.task.state])

    @cached_property
    def detail_url(self):
        return reverse("tasks:detail", args=[self.task.pk])

    @property
    def state_color(self):
        return STATE_COLORS[self.task.state]

    @property
    def overdue_days(self):
        return max(-self.days_left, 0) if self.overdue else 0

    @cached_property
    def deadline_text(self):
        if self.task.state == TaskState.DONE:
            return _("已完成")
        if self.overdue:
            n = -self.days_left
            return ngettext("超期 %(n)s 天", "超期 %(n)s 天", n) % {"n": n}
        if self.days_left == 0:
            return _("今天到期")
        return ngettext("剩余 %(n)s 天", "剩余 %(n)s 天", self.days_left) % {"n": self.days_left}

    @cached_property
    def lag_text(self):
        return ngettext("滞后 %(n)s 个百分点", "滞后 %(n)s 个百分点", self.lag) % {"n": self.lag}


def _rows(tasks, *, user=None, rollups=None):
    today = timezone.localdate()
    rollups = rollups or {}
    return [
        TaskRow(task=t, today=today, actions=allowed_actions(user, t) if user else (), rollup=rollups.get(t.pk))
        for t in tasks
    ]


def _visible_task(user, pk, related=DETAIL_RELATED):
    return get_object_or_404(Task.objects.visible_to(user).select_related(*related), pk=pk)


# --- refusals ------------------------------------------------------------------------------------


def _precheck(user, task, action):
    """The refusal a person gets for an action the workflow table does not allow them now
    (``None`` when allowed). The service checks again under the row lock."""
    if action in allowed_actions(user, task):
        return None
    label = services.ACTION_LABELS[action]
    if task.state not in TRANSITIONS[action].sources:
        return ApplicationError(
            _("任务当前状态为“%(state)s”，不能%(action)s。")
            % {"state": services.STATE_LABELS[task.state], "action": label},
            code="conflict",
        )
    return ApplicationError(_("您没有权限对该任务执行“%(action)s”。") % {"action": label}, code="forbidden")


def _alert(error):
    """What a refusal looks like on a page: a heading and the service's words."""
    if error.code == "conflict":
        return {"level": "warning", "title": _("任务状态已变化，请刷新"), "message": error.message}
    return {"level": "danger", "title": _("无法执行该操作"), "message": error.message}


def message_page(request, *, status, alert, task=None):
    """A refusal as a page of its own (403, 409), with the way back."""
    return render(request, "tasks/message.html", {"alert": alert, "task": task}, status=status)


def _refused(request, task, error, *, partial="card"):
    if error.code == "not_found":
        raise Http404(error.message)
    if not request.htmx:
        return message_page(request, status=error.status_code, alert=_alert(error), task=task)
    if partial == "card":
        return _card(request, task.pk, alert=_alert(error), status=error.status_code)
    return render(request, "tasks/partials/_alert.html", {"alert": _alert(error)}, status=error.status_code)


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


def _card(request, pk, *, form=None, alert=None, notice="", status=200):
    """The 我的待办 card of a task, read afresh (after a change, or to show a refusal), with
    the page's summary line swapped out of band."""
    task = _visible_task(request.user, pk, related=ROW_RELATED)
    context = {
        "row": _rows([task], user=request.user)[0],
        "form": form,
        "alert": alert,
        "notice": notice,
        "counts": selectors.state_counts(selectors.my_work(user=request.user)),
    }
    return render(request, "tasks/partials/_card_response.html", context, status=status)


# --- 任务台账 -------------------------------------------------------------------------------------


def _ledger_filter(request):
    """The ledger as filtered: ``(filterset, tasks, states)``.

    :class:`TaskFilter` runs over the selector's scoped list with its choices limited to what
    the person can see (an out-of-scope choice is ignored, never an error page). The state is
    applied last, so the same filtered list also gives the counts per state for the chips."""
    user = request.user
    data = request.GET.copy()
    states = [s for s in data.getlist("state") if s in TaskState.values]
    for key in ("page", "state"):
        data.pop(key, None)
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
    chips = [{"value": None, "label": _("全部"), "count": counts["total"], "active": not states}]
    chips += [
        {"value": value, "label": label, "count": counts[value], "active": states == [value]}
        for value, label in TaskState.choices
    ]
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
        "chips": chips,
        "overdue_count": counts["overdue"],
        "overdue_active": request.GET.get("overdue") == "true",
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
def export(request):
    """The ledger as filtered, all pages, as .xlsx — the same selector and filter as the page."""
    if not can_view_ledger(request.user):
        return _ledger_refused(request)
    _filterset, tasks, _states = _ledger_filter(request)
    data = exports.ledger_workbook(tasks.iterator(chunk_size=2000))
    response = HttpResponse(data, content_type=exports.XLSX_CONTENT_TYPE)
    filename = _("任务台账-%(d)s.xlsx") % {"d": timezone.localdate().strftime("%Y%m%d")}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- the task page ---------------------------------------------------------------------------------


@login_required
def detail(request, pk):
    return _detail_page(request, _visible_task(request.user, pk))


def _detail_page(request, task, *, bound=None, status=200):
    user = request.user
    rollups = selectors.task_rollups([task.pk])
    row = _rows([task], user=user, rollups=rollups)[0]
    forms = [
        bound if bound is not None and bound.action == name else ACTION_FORMS[name](task=task, user=user)
        for name in row.actions
    ]
    timeline = selectors.task_timeline(task)
    attachments = list(task.attachments.all())
    children = Task.objects.visible_to(user).filter(parent=task).select_related("owner_unit").order_by("deadline", "id")
    context = {
        "task": task,
        "row": row,
        "indicators": list(task.indicators.order_by("sort_key")),
        "cooperating_units": list(task.cooperating_units.all()),
        "region_name": region_full_names([task.region])[task.region_id] if task.region_id else "",
        "children": _rows(children),
        "images": [a for a in attachments if a.is_image],
        "documents": [a for a in attachments if not a.is_image],
        "timeline": timeline,
        "last_return": _standing_return(task, timeline),
        "forms": forms,
        "open_action": bound.action if bound is not None else request.GET.get("action", ""),
    }
    return render(request, "tasks/detail.html", context, status=status)


def _standing_return(task, timeline):
    """The return (退回) the owner unit still has to answer: the latest event, if it is one."""
    if task.state != TaskState.IN_PROGRESS:
        return None
    for entry in reversed(timeline):
        if entry.event and entry.event.action in ("return", "submit"):
            return entry if entry.event.action == "return" else None
    return None


@login_required
@require_GET
def attachment(request, pk, attachment_pk):
    """A piece of evidence, served only to people who can see its task (never a public URL)."""
    task = _visible_task(request.user, pk, related=())
    item = get_object_or_404(TaskAttachment, task=task, pk=attachment_pk)
    inline = item.is_image or item.content_type == "application/pdf"
    return FileResponse(
        item.file.open("rb"), as_attachment=not inline, filename=item.original_name, content_type=item.content_type
    )


# --- actions ---------------------------------------------------------------------------------------


def _run(action, user, task, data, files):
    """Call the service for ``action``; return the success message."""
    pk = task.pk
    if action == "report":
        services.task_report(actor=user, task_id=pk, progress=data["progress"], note=data["note"], files=files)
        return _("已报送进度：%(p)s%%。") % {"p": data["progress"]}
    if action == "submit":
        services.task_submit(actor=user, task_id=pk, note=data["note"], files=files)
        return _("已提交验收，等待牵头单位或督查员验收。")
    if action == "accept":
        services.task_accept(actor=user, task_id=pk, comment=data["comment"])
        return _("已验收通过，任务完成。")
    if action == "return":
        services.task_return(actor=user, task_id=pk, reason=data["reason"])
        return _("已退回，责任单位会收到退回原因。")
    if action == "change_deadline":
        services.task_change_deadline(actor=user, task_id=pk, deadline=data["deadline"], reason=data["reason"])
        return _("完成时限已调整为 %(d)s。") % {"d": data["deadline"]}
    if action == "reassign":
        services.task_reassign(actor=user, task_id=pk, owner_unit=data["owner_unit"], reason=data["reason"])
        return _("责任单位已调整为 %(u)s。") % {"u": data["owner_unit"].name}
    if action == "instruct":
        services.task_instruct(actor=user, task_id=pk, text=data["text"])
        return _("批示已发送给责任单位。")
    if action == "decompose":
        children = services.task_decompose(
            actor=user, task_id=pk, parts=[{"owner_unit": unit} for unit in data["units"]]
        )
        return ngettext("已分解为 %(n)s 个子任务。", "已分解为 %(n)s 个子任务。", len(children)) % {"n": len(children)}
    raise Http404


@login_required
@require_POST
def task_action(request, pk, action):
    """POST an action's form: 404 out of scope, 403/409 when not allowed now, 400 with the
    message next to its field on bad input; on success the card (htmx) or the task page."""
    user = request.user
    task = _visible_task(user, pk)
    refusal = _precheck(user, task, action)
    if refusal is not None:
        return _refused(request, task, refusal)
    form = ACTION_FORMS[action](request.POST, request.FILES, task=task, user=user)
    if form.is_valid():
        try:
            done = _run(action, user, task, form.cleaned_data, form.files_list())
        except ApplicationError as error:
            if error.code != "invalid":
                return _refused(request, task, error)
            form.add_service_error(error)
        else:
            if request.htmx:
                return _card(request, pk, notice=done)
            messages.success(request, done)
            return redirect("tasks:detail", pk=pk)
    if request.htmx:
        return _card(request, pk, form=form, status=400)
    return _detail_page(request, task, bound=form, status=400)


@login_required
@require_GET
def action_form(request, pk, action):
    """The empty form of an action, for the panel of a 我的待办 card (htmx); without htmx,
    the task page with that form open."""
    user = request.user
    task = _visible_task(user, pk, related=ROW_RELATED)
    if not request.htmx:
        return redirect(f"{reverse('tasks:detail', args=[pk])}?action={action}#action-{action}")
    refusal = _precheck(user, task, action)
    if refusal is not None:
        return _refused(request, task, refusal, partial="alert")
    form = ACTION_FORMS[action](task=task, user=user)
    return render(request, "tasks/partials/_action_form.html", {"form": form, "task": task, "in_card": True})


# --- 任务分解表 import -------------------------------------------------------------------------------

IMPORT_SALT = "tasks.import"
IMPORT_MAX_AGE = 60 * 60  # a preview can be confirmed within the hour
IMPORT_KEEP_SECONDS = 24 * 60 * 60  # stashed uploads older than a day are swept


def _import_dir():
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stash(data):
    """Keep the uploaded bytes between the preview and the confirmation, so nobody has to pick
    the file again: a server-side file under MEDIA_ROOT/imports/ named by a random id. The
    browser holds only a signed token with that id (never a path), bound to the person."""
    folder = _import_dir()
    cutoff = time.time() - IMPORT_KEEP_SECONDS
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    key = uuid.uuid4().hex
    (folder / key).write_bytes(data)
    return key


def _import_refused(request):
    alert = {
        "level": "danger",
        "title": _("无权导入任务"),
        "message": _("只有督查员和系统管理员可以导入任务分解表。"),
    }
    return message_page(request, status=403, alert=alert)


@login_required
def import_page(request):
    """Upload a 任务分解表 and pick the campaign → a dry-run preview (or the bad rows, by line)
    → confirm, and the same bytes are imported in one transaction."""
    user = request.user
    if not permissions.can_create(user, None):
        return _import_refused(request)
    if request.method == "POST" and "token" in request.POST:
        return _import_confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    context, status = {"form": form}, 200
    if request.method == "POST" and form.is_valid():
        upload, campaign = form.cleaned_data["file"], form.cleaned_data["campaign"]
        data = upload.read()
        try:
            result = import_tasks(data, campaign=campaign, actor=user, filename=upload.name, dry_run=True)
        except ImportErrors as exc:
            context["errors"], status = exc.errors, 400
        else:
            ticket = {"key": _stash(data), "name": upload.name, "campaign": campaign.pk, "user": user.pk}
            token = signing.dumps(ticket, salt=IMPORT_SALT)
            context.update(result=result, token=token, campaign=campaign, filename=upload.name)
    elif request.method == "POST":
        status = 400
    return render(request, "tasks/import.html", context, status=status)


def _import_confirm(request):
    user = request.user
    expired = [(None, _("预览已过期或已导入，请重新上传文件。"))]
    form = ImportForm(user=user)
    try:
        ticket = signing.loads(request.POST["token"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        ticket = None
    path = _import_dir() / ticket["key"] if ticket and ticket.get("user") == user.pk else None
    if path is None or not path.is_file():
        return render(request, "tasks/import.html", {"form": form, "errors": expired}, status=400)
    campaign = get_object_or_404(Campaign.objects.visible_to(user), pk=ticket["campaign"])
    try:
        result = import_tasks(path.read_bytes(), campaign=campaign, actor=user, filename=ticket["name"])
    except ImportErrors as exc:
        return render(request, "tasks/import.html", {"form": form, "errors": exc.errors}, status=400)
    path.unlink(missing_ok=True)
    messages.success(request, _("导入完成。%(summary)s") % {"summary": result.summary()})
    return redirect(f"{reverse('tasks:ledger')}?campaign={campaign.pk}")


@login_required
@require_GET
def import_template(request):
    """The 任务分解表 template (.xlsx) with the headers the import reads."""
    if not permissions.can_create(request.user, None):
        return _import_refused(request)
    response = HttpResponse(exports.import_template_workbook(), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _("任务分解表模板.xlsx"))
    return response
