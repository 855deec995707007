"""The Django admin for campaigns, evaluation standards and their indicators."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Campaign, CampaignStatus, CityTitle, Indicator, Standard


class CampaignForm(forms.ModelForm):
    # ``titles`` is a JSON list of CityTitle values: tick boxes instead of raw JSON.
    titles = forms.MultipleChoiceField(
        label=_("创建称号"), choices=CityTitle.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "titles",
            "region",
            "office_unit",
            "start_date",
            "target_date",
            "status",
            "standards",
            "description",
        ]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
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
    class Meta:
        model = Indicator
        fields = ["standard", "code", "parent", "name", "max_score", "method", "negative_list", "description"]

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
    list_display = ["code", "name", "standard", "max_score", "method", "negative_list"]
    list_display_links = ["code", "name"]
    list_filter = ["standard", "negative_list", "method"]
    list_select_related = ["standard"]
    search_fields = ["code", "name"]
    ordering = ["standard", "sort_key"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["sort_key"]
    list_per_page = 100

    def save_model(self, request, obj, form, change):
        obj.sort_key = Indicator.sort_key_for(obj.code)
        super().save_model(request, obj, form, change)
