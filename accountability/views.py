"""约谈问责 pages: the list (建议约谈 for the office; 约谈, 问责, 表扬 as the person may see them),
a 约谈's and a 问责 decision's page, the office's forms to record each, a decision's document.

Thin: reads from :mod:`accountability.selectors` and the scoped querysets (out of scope: 404),
writes through :mod:`accountability.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from chuangcheng import pages
from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError

from . import permissions, selectors, services
from .forms import CommendationForm, DecisionForm, InterviewForm
from .models import Decision, Interview

TABS = ("suggestions", "interviews", "decisions", "commendations")
SUGGESTIONS_SHOWN = 30  # the most serious first; "全部显示" (?all=1) and the API list them all


def _campaign(user, raw):
    campaigns = Campaign.objects.visible_to(user).order_by("-status", "-start_date", "pk")
    if raw and str(raw).isdigit():
        return get_object_or_404(campaigns, pk=int(raw))
    return campaigns.filter(status="active").first() or campaigns.first()


@login_required
@require_GET
def record_list(request):
    user = request.user
    campaign = _campaign(user, request.GET.get("campaign"))
    office = bool(campaign) and permissions.is_office(user, campaign)
    restricted = permissions.sees_office_records(user)
    default = "suggestions" if office else ("interviews" if restricted else "commendations")
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else default
    if tab == "suggestions" and not office:
        tab = default
    if tab in ("interviews", "decisions") and not restricted:
        tab = "commendations"
    records = selectors.records_for(user, campaign=campaign, limit=100) if campaign else {}
    found = selectors.suggestions(campaign) if office and tab == "suggestions" else []
    shown = found if request.GET.get("all") else found[:SUGGESTIONS_SHOWN]
    context = {
        "campaign": campaign,
        "tab": tab,
        "office": office,
        "restricted": restricted,
        "suggestions": shown,
        "more_suggestions": len(found) - len(shown),
        **records,
    }
    return render(request, "accountability/list.html", context)


@login_required
@require_GET
def interview(request, pk):
    record = get_object_or_404(
        Interview.objects.visible_to(request.user).select_related("unit", "campaign", "follow_up_task", "recorded_by"),
        pk=pk,
    )
    context = {
        "record": record,
        "issues": list(record.issues.select_related("category").order_by("pk")),
        "tasks": list(record.tasks.order_by("pk")),
        "briefings": list(record.briefings.order_by("-period_end")),
        "decisions": list(record.decisions.order_by("-decided_on")),
    }
    return render(request, "accountability/interview.html", context)


@login_required
@require_GET
def decision(request, pk):
    record = get_object_or_404(
        Decision.objects.visible_to(request.user).select_related("unit", "campaign", "recorded_by"), pk=pk
    )
    context = {
        "record": record,
        "issues": list(record.issues.select_related("category").order_by("pk")),
        "tasks": list(record.tasks.order_by("pk")),
        "briefings": list(record.briefings.order_by("-period_end")),
        "interviews": list(record.interviews.select_related("unit").order_by("-held_at")),
    }
    return render(request, "accountability/decision.html", context)


@login_required
@require_GET
def decision_document(request, pk):
    record = get_object_or_404(Decision.objects.visible_to(request.user), pk=pk)
    if not record.document:
        raise Http404
    return FileResponse(
        record.document.open("rb"),
        as_attachment=True,
        filename=record.document_name or "document",
        content_type=record.document_type or "application/octet-stream",
    )


FORMS = {
    "interview": (InterviewForm, services.interview_record, gettext_lazy("约谈"), "accountability:interview"),
    "decision": (DecisionForm, services.decision_record, gettext_lazy("问责决定"), "accountability:decision"),
    "commendation": (CommendationForm, services.commendation_record, gettext_lazy("通报表扬"), None),
}


def _initial(request, kind):
    """A 约谈 started from a 建议约谈 arrives with its unit, rule and grounds."""
    if kind != "interview":
        return {"decided_on": timezone.localdate(), "commended_on": timezone.localdate()}
    get = request.GET
    return {
        "unit": get.get("unit") or None,
        "issues": get.get("issues", ""),
        "briefings": [b for b in get.get("briefings", "").split(",") if b.isdigit()],
        "suggested_by": get.get("rule", ""),
        "reason": get.get("reason", ""),
    }


def _message_page(request, status, title, message):
    alert = {"level": "danger", "title": title, "message": message}
    links = [pages.link(reverse("accountability:list"), _("约谈问责"))]
    return pages.message_page(request, status=status, alert=alert, links=links)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request, kind):
    if kind not in FORMS:
        raise Http404
    form_class, service, label, detail = FORMS[kind]
    user = request.user
    campaign = _campaign(user, request.GET.get("campaign") or request.POST.get("campaign"))
    if campaign is None or not permissions.can_record(user, campaign):
        return _message_page(request, 403, _("无权登记"), _("约谈、问责和表扬由创建办督查员登记。"))
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, campaign=campaign, user=user)
    else:
        form = form_class(initial=_initial(request, kind), campaign=campaign, user=user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "suggested_by" and not v)}
        try:
            record = service(actor=user, campaign=campaign, **data)
        except ApplicationError as error:
            if error.code != "invalid":
                return _message_page(request, error.status_code, _("不能保存"), error.message)
            form.add_service_error(error)
        else:
            messages.success(request, _("已登记%(k)s。") % {"k": label})
            if detail:
                return redirect(detail, pk=record.pk)
            return redirect(f"{reverse('accountability:list')}?tab=commendations&campaign={campaign.pk}")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "campaign": campaign, "kind": kind, "label": label}
    return render(request, "accountability/form.html", context, status=status)
