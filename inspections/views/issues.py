"""The issue list (+ .xlsx export), the issue page, its actions, and photo files.

Every action view is POST only, finds the issue among those the person may see (out of scope:
404, as for an issue that does not exist) and calls one service; its refusal is shown next to
the field it names (400), as a message (403), or as "已被他人处理" with the current state (409).
"""

import uuid
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from chuangcheng import listpages
from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.exceptions import ApplicationError
from chuangcheng.imports.export_views import export_response
from chuangcheng.notifications.services import page_notices_read
from chuangcheng.org.selectors import region_full_names
from chuangcheng.org.workcalendar import WorkingCalendar
from chuangcheng.pagination import SEARCH_COUNT_CAP
from chuangcheng.pagination import CappedPaginator as Paginator

from .. import counting, exports, permissions, search, selectors, services
from ..deadlines import rectification_limit
from ..forms import (
    ACTION_LABELS,
    UNDO_OR_REFUSE,
    IssueActionForm,
    category_group,
)
from ..links import issue_links
from ..models import (
    Inspection,
    Issue,
    IssueAction,
    IssueCategory,
    IssueState,
    Photo,
    PhotoKind,
)
from ..photos import jpeg_response
from ..services.citizen import tracking_code_display
from ..workflow import TRANSITIONS, allowed_actions, pending_allows
from .common import (
    PAGE_SIZE,
    can_capture,
    change_lines,
    first_before_photos,
    issue_rows,
)

DETAIL_RELATED = (*selectors.LIST_RELATED, "assigned_by", "closed_by", "created_by", "merged_into")
# The order of the issue page's buttons: what moves the issue on first, requests and
# corrections next, photos last.
ACTION_ORDER = [
    "sign",
    "submit",
    "verify",
    "accept",
    "approve_extension",
    "reassign",
    "long_term_progress",
    "reject",
    "insist",
    "refuse_extension",
    "request_extension",
    "request_reassignment",
    "assign",
    "move_long_term",
    "merge",
    "dismiss",
    "reopen",
    "add_photo",
]
# The issue's source when recorded on an inspection of this kind.


def _visible_issue(user, pk, related=DETAIL_RELATED):
    return get_object_or_404(Issue.objects.visible_to(user).select_related(*related), pk=pk)


# --- the issue list ------------------------------------------------------------------------------


def _list_filter(request):
    """The list as filtered: ``(filterset, issues, states)`` (:func:`selectors.filtered_issues`,
    which the export job applies too)."""
    return selectors.filtered_issues(user=request.user, query=request.GET)


def _filter_choices(filterset, user):
    """Each select's options, read once (a template loop over a ModelChoiceField would COUNT
    the queryset first, then read it). Categories come grouped; inspections: the latest 50."""
    fields = filterset.form.fields
    selects = listpages.select_choices(filterset.form, ("campaign", "responsible_unit", "region"))
    kinds = dict(IssueCategory._meta.get_field("kind").choices)
    rows = list(
        fields["category"].queryset.order_by("kind", "major", "code").values_list("pk", "kind", "major", "name", "code")
    )
    # Two code lists name the same class (上水井盖 100101 and BJ0101, once even within one major
    # class): such a name says its major class and its code, so the closed select tells them apart.
    named = Counter(name for _pk, _kind, _major, name, _code in rows)
    groups = {}
    for pk, kind, major, name, code in rows:
        label = name if named[name] == 1 else f"{major} / {name}（{code}）"
        groups.setdefault(category_group(kinds, kind, major), []).append((pk, label))
    selects["category"] = list(groups.items())
    inspections = list(Inspection.objects.visible_to(user).select_related("region").order_by("-date", "-id")[:50])
    chosen = filterset.form.cleaned_data.get("inspection") if filterset.form.is_valid() else None
    if chosen is not None and chosen not in inspections:
        inspections.insert(0, chosen)
    selects["inspection"] = [(i.pk, str(i)) for i in inspections]
    return selects


@login_required
@require_GET
def issue_list(request):
    """问题清单: filters, counts per state, 50 rows a page; every row one the person may open."""
    user = request.user
    listpages.drop_empty(request, defaults={"ordering": selectors.DEFAULT_ISSUE_ORDERING})
    filterset, issues, states = _list_filter(request)
    paginator = Paginator(issues, PAGE_SIZE)
    filterset.form.is_valid()  # cleaned_data holds every valid field, even if another is not
    keyword = filterset.form.cleaned_data.get("q")
    if keyword:
        # A keyword's matches are counted to SEARCH_COUNT_CAP, as in the API: past it the chips
        # say 1,000+ (and, when states are chosen, the pager counts their rows to that cap).
        paginator.cap = SEARCH_COUNT_CAP
        counts, capped = counting.capped_counts(filterset.qs, cap=paginator.cap)
    else:
        # The chips' counts (from the tallies when the filter allows) are exact.
        counts, capped = counting.list_counts(filterset, user=user, within=request.GET.get("region")), False
    # The pager's total is the chips', not a second COUNT over the rows — except for chosen
    # states past a keyword's cap (no state was counted): the paginator counts them to its cap.
    if capped and not states:
        paginator.count, paginator.capped = paginator.cap, True
    elif not capped:
        total = sum(counts[s] for s in set(states)) if states else counts["total"]
        paginator.count, paginator.capped, paginator.total = min(total, paginator.cap), total > paginator.cap, total
    page = paginator.get_page(request.GET.get("page"))
    page_issues = list(page)
    overdue = listpages.OverdueChip.of(request, counting.CAN_BE_OVERDUE, states)
    thumbs = first_before_photos([i.pk for i in page_issues])
    names = region_full_names([i.region for i in page_issues])
    context = {
        "filter": filterset,
        "selects": _filter_choices(filterset, user),
        "states": states,
        "page": page,
        "rows": issue_rows(page_issues, thumbs=thumbs, region_names=names),
        "chips": listpages.state_chips(counts, IssueState.choices, states, capped=capped, overdue=overdue),
        # The issue a typed number or 查询码 names, whatever the other filters: offered first.
        "named_issues": search.named_issues(Issue.objects.visible_to(user).select_related("category"), keyword)
        if keyword and page.number == 1
        else [],
        # No rows for a keyword within other conditions (a state chip, 超期未改…): the same
        # keyword over everything the person may see is one tap away.
        "search_everywhere": listpages.search_everywhere(
            request,
            keyword,
            found=bool(page_issues),
            filtered=lambda query: selectors.filtered_issues(user=user, query=query)[1],
            orderings=selectors.ISSUE_ORDERINGS,
        ),
        # A filter the person may not use (a region or unit out of their scope, one since
        # removed) is left out of the list, never an error page: the list says which.
        "ignored_filters": listpages.ignored_filters(filterset.form),
        # Words past the fifth are not looked for: the list says which.
        "search_unused": " ".join(search.unused_words(keyword)) if keyword else "",
        "search_max_words": search.MAX_WORDS,
        "overdue_count": overdue.count(counts),
        "overdue": overdue,
        "can_capture": can_capture(user),
        "orderings": [(key, label) for key, (label, _columns) in selectors.ISSUE_ORDERINGS.items()],
        "ordering": selectors.issue_ordering(request.GET),
    }
    template = "inspections/partials/_issue_results.html" if request.htmx else "inspections/issue_list.html"
    return listpages.pushed_address(request, render(request, template, context))


@login_required
@require_GET
@reads_from_replica
def issue_export(request):
    """The list as filtered, all pages, as .xlsx — the same selector and filter as the page
    (:func:`exports.export_rows`): at once when small, else a background export and its page."""
    return export_response(request, exports.KIND)


# --- the issue page --------------------------------------------------------------------------------


@login_required
@require_GET
def issue_detail(request, pk):
    issue = _visible_issue(request.user, pk)
    # Its notices (新交办问题：#N …) are read once the person has the issue open, however they
    # came to it (我的待办, the list, a link) — not only when they open them from the bell.
    page_notices_read(request, kind="issue")
    return _detail_page(request, issue)


def _detail_page(request, issue, *, bound=None, alert=None, status=200):
    user = request.user
    photos = list(issue.photos.all())
    by_event = {}
    for photo in photos:
        by_event.setdefault(photo.event_id, []).append(photo)
    events = list(issue.events.select_related("actor"))
    for event in events:
        event.photo_list = by_event.get(event.pk, [])
        event.change_lines = change_lines(event)
    actions = sorted(allowed_actions(user, issue), key=ACTION_ORDER.index)
    forms = [
        bound if bound is not None and bound.action == name else IssueActionForm(action=name, issue=issue, user=user)
        for name in actions
    ]
    may_verify = permissions.can_verify(user, issue)
    computed_end = issue.rectification_deadline if not issue.deadline_set_by_supervisor else None
    context = {
        # Years the working calendar could only estimate (no holiday data) between the
        # assignment and the computed deadlines: the page says 按常规工作日估算.
        "estimated_years": WorkingCalendar().estimated_years(
            issue.assigned_at, max(d for d in (computed_end, issue.sign_deadline, issue.assigned_at) if d)
        )
        if issue.assigned_at
        else [],
        "issue": issue,
        # 随手拍's 查询码 as the citizen was shown it (ABCDE-FGHJK): the office can find the issue
        # the citizen calls about, and search for it.
        "tracking_code": tracking_code_display(issue.tracking_code) if issue.tracking_code else "",
        # The time limit that applies (category, area class, severity: 负面清单 is 立行立改).
        "limit": rectification_limit(issue),
        "row": issue_rows([issue])[0],
        "region_name": region_full_names([issue.region])[issue.region_id],
        "before": [p for p in photos if p.kind == PhotoKind.BEFORE],
        "after": [p for p in photos if p.kind == PhotoKind.AFTER],
        "evidence": [p for p in photos if p.kind == PhotoKind.EVIDENCE],
        "events": events,
        "flags": selectors.integrity_flags(issue) if may_verify else [],
        "forms": forms,
        "near": selectors.near_duplicates(issue)[:5] if "merge" in actions else [],
        "open_action": _open_action(request, actions, bound),
        "alert": alert,
        "next_to_verify": _next_to_verify(user, issue) if request.GET.get("after") == "verify" else None,
        "now": timezone.now(),  # 签收超时 of an issue still waiting to be signed
        "links": issue_links(user, issue),  # what other apps offer about this issue (举一反三)
        # 提交核查 from a phone on a bad signal (static/inspections/offline.js): a key per
        # submission, and the keys this person's submissions arrived with (a kept draft or a
        # queued copy of one that already arrived is dropped, never sent again).
        # (the unit's people keep the panel after the state moved on: it says what was sent late)
        "offline": "submit" in actions or permissions.is_responsible(user, issue),
        "client_key": bound.data.get("client_key", "") if bound is not None else uuid.uuid4().hex,
        "based_on": bound.data.get("based_on", "") if bound is not None else last_state_change(events),
        "received_keys": [
            e.changes.get("client_key")
            for e in events
            if e.action == IssueAction.SUBMIT and e.actor_id == user.pk and e.changes.get("client_key")
        ],
    }
    return render(request, "inspections/issue_detail.html", context, status=status)


def _next_to_verify(user, issue):
    """(the next issue waiting for this person's 核查 — the oldest submitted first, as in 我的待办 —
    and how many wait), or ``None`` when none does."""
    for section in selectors.review_queue(user=user):
        if section.key == "verify":
            waiting = section.queryset.exclude(pk=issue.pk)
            first = waiting.values_list("pk", flat=True).first()
            return (first, waiting.count()) if first is not None else None
    return None


def _open_action(request, actions, bound):
    """The action whose form the page opens: the one just sent back with errors, the one the
    address asks for (?action=), else the only one there is — unless it undoes or refuses, or
    is 补充照片 (a unit waiting for 核查 has nothing left to do: an open photo form with its
    required 照片类型 read as more work)."""
    if bound is not None:
        return bound.action
    if request.GET.get("action"):
        return request.GET["action"]
    if len(actions) == 1 and actions[0] not in UNDO_OR_REFUSE and actions[0] != "add_photo":
        return actions[0]
    return ""


@login_required
@require_GET
def photo_file(request, pk, thumbnail=False):
    """A photo (or its thumbnail), served only to people who can see its issue: media is not
    public in production."""
    photo = get_object_or_404(Photo.objects.visible_to(request.user), pk=pk)
    return jpeg_response(photo.thumbnail if thumbnail else photo.file)


# --- actions ---------------------------------------------------------------------------------------


def _precheck(user, issue, action):
    """The refusal for an action the workflow table does not allow this person now (None when
    allowed). The service checks again under the row lock."""
    if action in allowed_actions(user, issue):
        return None
    transition = TRANSITIONS[action]
    if issue.state not in transition.sources or not pending_allows(transition, issue):
        return ApplicationError(
            _("该问题现在不能“%(action)s”，请查看下面的最新情况。") % {"action": ACTION_LABELS[action]},
            code="conflict",
        )
    return ApplicationError(permissions.forbidden_text(user, issue, action, ACTION_LABELS[action]), code="forbidden")


def _alert(error, issue=None):
    if error.code == "conflict":
        state = issue.get_state_display() if issue is not None else ""
        return {
            "level": "warning",
            "title": _("已被他人处理"),
            "message": error.message,
            "state": state,
        }
    return {"level": "danger", "title": _("无法执行该操作"), "message": error.message}


def _run(action, user, issue, data):
    """Call the service for ``action``; return the success message."""
    pk = issue.pk
    if action == "accept":
        done = services.issue_accept(actor=user, issue_id=pk, responsible_unit=data["responsible_unit"])
        return _("已立案并交办给 %(u)s。") % {"u": done.responsible_unit.name}
    if action == "merge":
        services.issue_merge(actor=user, issue_id=pk, target_id=data["target"])
        return _("已合并到问题 #%(t)s。") % {"t": data["target"]}
    if action == "dismiss":
        services.issue_dismiss(actor=user, issue_id=pk, reason=data["reason"])
        return _("已不予立案。")
    if action == "assign":
        services.issue_assign(
            actor=user,
            issue_id=pk,
            reason=data["reason"],
            responsible_unit=data.get("responsible_unit"),
            deadline=data.get("deadline"),
        )
        return _("已改派。")
    if action == "sign":
        services.issue_sign(actor=user, issue_id=pk)
        return _("已签收，整改时限开始计算。")
    if action == "request_reassignment":
        services.issue_request_reassignment(actor=user, issue_id=pk, reason=data["reason"], comment=data["comment"])
        return _("退回申请已提交，等待督查员处理。")
    if action == "reassign":
        done = services.issue_reassign(actor=user, issue_id=pk, responsible_unit=data["responsible_unit"])
        return _("已同意退回，改派给 %(u)s。") % {"u": done.responsible_unit.name}
    if action == "insist":
        services.issue_insist(actor=user, issue_id=pk, reason=data["reason"])
        return _("已驳回退回申请。")
    if action == "request_extension":
        services.issue_request_extension(actor=user, issue_id=pk, reason=data["reason"], deadline=data["deadline"])
        return _("延期申请已提交，等待督查员审批。")
    if action == "approve_extension":
        services.issue_approve_extension(actor=user, issue_id=pk, deadline=data["deadline"])
        return _("已同意延期。")
    if action == "refuse_extension":
        services.issue_refuse_extension(actor=user, issue_id=pk, reason=data["reason"])
        return _("已不同意延期，原整改时限不变。")
    if action == "submit":
        services.issue_submit(
            actor=user,
            issue_id=pk,
            measures=data["measures"],
            photos=data["photos"],
            client_key=data.get("client_key", ""),
            based_on=data.get("based_on"),
        )
        return _("已提交核查。")
    if action == "verify":
        services.issue_verify(actor=user, issue_id=pk)
        return _("已核查销号。")
    if action == "reject":
        services.issue_reject(actor=user, issue_id=pk, reason=data["reason"], deadline=data.get("deadline"))
        return _("已退回返工。")
    if action == "move_long_term":
        services.issue_move_long_term(actor=user, issue_id=pk, plan=data["plan"], target_date=data["target_date"])
        return _("已转为长期整改。")
    if action == "long_term_progress":
        services.issue_long_term_progress(actor=user, issue_id=pk, note=data["note"])
        return _("已报送整改进展。")
    if action == "reopen":
        services.issue_reopen(actor=user, issue_id=pk, reason=data["reason"])
        return _("已反弹重办，问题回到整改中。")
    if action == "add_photo":
        photos = services.photo_add(actor=user, issue_id=pk, kind=data["kind"], photos=data["photos"])
        return ngettext("已上传 %(n)s 张照片。", "已上传 %(n)s 张照片。", len(photos)) % {"n": len(photos)}
    raise Http404


def _based_on(request):
    raw = request.POST.get("based_on", "")
    return int(raw) if raw.isdigit() else None


def last_state_change(events):
    """The id of the last event that changed the issue's state (what a form was filled against)."""
    return max((e.pk for e in events if e.to_state and e.to_state != e.from_state), default=0)


@login_required
@require_POST
def issue_action(request, pk, action):
    """POST an action's form: 404 out of scope, 403 not allowed, 409 already handled (with the
    current state), 400 with the message next to its field; on success the issue page."""
    if action not in TRANSITIONS:
        raise Http404
    user = request.user
    issue = _visible_issue(user, pk)
    key = request.POST.get("client_key", "")
    if action == "submit" and key and selectors.submission_received(issue, user, key):
        # The same submission again (a resend from the phone's outbox): it arrived before.
        messages.success(request, _("已提交核查。"))
        return redirect("inspections:issue_detail", pk=pk)
    refusal = _precheck(user, issue, action)
    if refusal is not None:
        return _detail_page(request, issue, alert=_alert(refusal, issue), status=refusal.status_code)
    form = IssueActionForm(request.POST, request.FILES, action=action, issue=issue, user=user)
    if form.is_valid():
        try:
            done = _run(action, user, issue, {**form.cleaned_data, "client_key": key, "based_on": _based_on(request)})
        except ApplicationError as error:
            if error.code == "not_found":
                raise Http404(error.message) from None
            if error.code != "invalid":
                fresh = _visible_issue(user, pk)
                return _detail_page(request, fresh, alert=_alert(error, fresh), status=error.status_code)
            form.add_service_error(error)
        else:
            messages.success(request, done)
            if action in ("verify", "reject"):  # a verifier works down a queue: offer the next one
                return redirect(f"{reverse('inspections:issue_detail', args=[pk])}?after=verify")
            return redirect("inspections:issue_detail", pk=pk)
    return _detail_page(request, issue, bound=form, status=400)
