"""The 生成通报 form: it collects input; :func:`~chuangcheng.reports.briefings.briefing_build`
decides (period ended, within the campaign, who may)."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.models import Region, RegionLevel

from . import periods
from .models import BriefingKind


class BriefingBuildForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("创建活动"), queryset=Campaign.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("通报类型"), choices=BriefingKind.choices, initial=BriefingKind.WEEKLY)
    date = forms.DateField(
        label=_("统计期内的任一天"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("日通报为当日；周通报为该日所在的周一至周日；月考评为该日所在的自然月。"),
    )
    region = forms.ModelChoiceField(label=_("通报范围"), queryset=Region.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The last day of the last finished week: the default 周通报 of that day can be built
        # (yesterday is in the running week six days out of seven, and refused).
        self.fields["date"].initial = periods.last_finished_period(BriefingKind.WEEKLY, timezone.localdate())[1]
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).select_related("region")
        scope = user.scope
        regions = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        if not scope.sees_all:
            regions = regions.filter(scope.region_q("path"))
        self.fields["region"].queryset = regions.filter(Q(level=RegionLevel.CITY) | Q(parent__level=RegionLevel.CITY))


class BriefingDraftForm(forms.Form):
    """The office's paragraphs of a draft: 下步工作要求 (required to publish), 点名 and 表扬."""

    requirements = forms.CharField(
        label=_("下步工作要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("发布前必须填写。例如：各责任单位要对超期未改问题逐一销号，下周一前报送整改情况。"),
    )
    criticism = forms.CharField(label=_("点名批评（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    commendation = forms.CharField(
        label=_("通报表扬（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
