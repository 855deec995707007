"""The Django admin for campaigns, evaluation standards and their indicators."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.adminkit import checked_by_service
from chuangcheng.org.sitetypes import recognise_site_types

from . import services
from .models import Campaign, CampaignStatus, CityTitle, EvaluationMethod, Indicator, Standard
from .scoring import SCORE_RULE, standard_recompute_scores

TAG_STYLE = "display:inline-block;margin:0 4px 2px 0;padding:1px 6px;border-radius:8px;background:#e7f0fb;color:#1d4f91;white-space:nowrap"


class CampaignForm(forms.ModelForm):
    # ``titles`` is a JSON list of CityTitle values: tick boxes instead of raw JSON.
    titles = forms.MultipleChoiceField(
        label=_("创建称号"), choices=CityTitle.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Campaign
        fields = list(services.CAMPAIGN_FIELDS)

    actor = None  # the person saving (set by CampaignAdmin.get_form)

    def clean(self):
        """The service's rules, not the model's alone: a closed campaign stays closed, status
        only moves forward, titles and an active office unit are required (dry run)."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.instance.pk:
            data = {f: cleaned.get(f) for f in self.changed_data if f in self.Meta.fields}
            checked_by_service(
                self, lambda: services.campaign_update(actor=self.actor, campaign=self.instance, data=data)
            )
        else:
            values = {f: cleaned.get(f) for f in self.Meta.fields}
            values["standards"] = list(values["standards"] or [])
            values["description"] = values["description"] or ""
            checked_by_service(self, lambda: services.campaign_create(actor=self.actor, **values))
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)  # checked by the dry run of campaign_create
            return
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in form.Meta.fields and f != "standards"}
        services.campaign_update(actor=request.user, campaign=obj, data=data)  # standards: save_related

    list_display = ["name", "title_list", "region", "office_unit", "status", "start_date", "target_date", "days_left"]
    list_filter = ["status"]
    list_select_related = ["region", "office_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "office_unit", "standards"]
    date_hierarchy = "target_date"

    @admin.display(description=_("创建称号"))
    def title_list(self, campaign):
        return "、".join(str(label) for label in campaign.title_labels()) or "—"

    @admin.display(description=_("剩余天数"), ordering="target_date")
    def days_left(self, campaign):
        if campaign.status == CampaignStatus.CLOSED:
            return "—"
        days = campaign.days_left(timezone.localdate())
        if days < 0:
            return gettext("已过 %(n)s 天") % {"n": -days}
        return days


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "title", "indicator_count", "campaign_count", "created_at"]
    list_filter = ["title"]
    search_fields = ["name", "version"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                indicator_total=Count("indicators", distinct=True),
                campaign_total=Count("campaigns", distinct=True),
            )
        )

    @admin.display(description=_("指标数"), ordering="indicator_total")
    def indicator_count(self, standard):
        url = reverse("admin:campaigns_indicator_changelist") + f"?standard__id__exact={standard.pk}"
        return format_html('<a href="{}">{}</a>', url, standard.indicator_total)

    @admin.display(description=_("使用的创建活动"), ordering="campaign_total")
    def campaign_count(self, standard):
        return standard.campaign_total


class IndicatorForm(forms.ModelForm):
    # ``methods`` is stored comma-separated: tick boxes instead of the raw text.
    methods = forms.MultipleChoiceField(
        label=_("测评方法"), choices=EvaluationMethod.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Indicator
        fields = [
            "standard",
            "code",
            "parent",
            "name",
            "max_score",
            "methods",
            "requirements",
            "negative_list",
            "description",
        ]
        help_texts = {
            "requirements": _(
                "实地考察等的具体要求，如“主次干道、商业大街，行走300米可看到5处公益广告”；其中提到的点位类型会自动识别。"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["methods"] = self.instance.method_list

    def clean_methods(self):
        return ",".join(self.cleaned_data.get("methods") or [])

    def clean(self):
        cleaned = super().clean()
        parent, standard = cleaned.get("parent"), cleaned.get("standard")
        if parent is not None and standard is not None and parent.standard_id != standard.pk:
            self.add_error("parent", gettext("上级指标必须属于同一测评体系。"))
        elif parent is not None and self.instance.pk and self._is_own_descendant(parent):
            self.add_error("parent", gettext("不能把指标挂到它自己或它的下级之下（会形成循环）。"))
        return cleaned

    def _is_own_descendant(self, parent):
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if node.pk == self.instance.pk:
                return True
            seen.add(node.pk)
            node = node.parent
        return False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Listed in code order within a standard (``sort_key``: 1.10 after 1.9)."""

    form = IndicatorForm
    list_display = ["code", "name", "standard", "score", "method_tags", "site_type_tags", "negative_list"]
    list_display_links = ["code", "name"]
    list_filter = ["standard", "negative_list", "method"]
    list_select_related = ["standard"]
    search_fields = ["code", "name", "requirements"]
    ordering = ["standard", "sort_key"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["sort_key", "site_type_tags", "score_rule"]
    list_per_page = 100

    @admin.display(description=_("测评方法"))
    def method_tags(self, indicator):
        return (
            format_html_join(
                "",
                '<span class="app-tag" style="{}">{}</span>',
                ((TAG_STYLE, label) for label in indicator.method_labels),
            )
            or "—"
        )

    @admin.display(description=_("考察点位类型"))
    def site_type_tags(self, indicator):
        return (
            format_html_join(
                "",
                '<span class="app-tag" style="{}">{}</span>',
                ((TAG_STYLE, label) for label in indicator.site_type_labels),
            )
            or "—"
        )

    @admin.display(description=_("分值"), ordering="effective_score")
    def score(self, indicator):
        if indicator.effective_score is None:
            return "—"
        value = f"{indicator.effective_score.normalize():f}"
        return (
            format_html('{} <span title="{}">（{}）</span>', value, SCORE_RULE, gettext("推算"))
            if indicator.score_is_derived
            else value
        )

    @admin.display(description=_("计分规则"))
    def score_rule(self, indicator):
        score = self.score(indicator)
        return format_html("{}<br><small>{}</small>", score, SCORE_RULE)

    def save_model(self, request, obj, form, change):
        obj.sort_key = Indicator.sort_key_for(obj.code)
        methods = obj.method_list
        obj.method = methods[0] if methods else ""
        obj.site_types = ",".join(recognise_site_types(obj.requirements))
        super().save_model(request, obj, form, change)
        standard_recompute_scores(obj.standard_id)

    def delete_model(self, request, obj):
        standard_id = obj.standard_id
        super().delete_model(request, obj)
        standard_recompute_scores(standard_id)
