"""The task page, its attachments, and one POST per workflow action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.selectors import region_full_names

from .. import selectors, services
from ..forms import ACTION_FORMS
from ..models import Task, TaskAttachment, TaskState
from .common import ROW_RELATED, _card, _precheck, _refused, _rows, _visible_task

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
