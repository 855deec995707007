"""The 上级反馈 list on the import pages (:mod:`chuangcheng.imports`): registered at start-up."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.campaigns.forms import CampaignUploadForm
from chuangcheng.campaigns.models import Campaign
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data

from . import permissions
from .feedback import feedback_import, plan_feedback


class FeedbackImportForm(CampaignUploadForm):
    """Which campaign, a line for the inspection, and whether to dispatch at once."""

    accept = ".xlsx,.xlsm,.docx"
    summary = forms.CharField(
        label=gettext_lazy("检查说明"),
        required=False,
        max_length=500,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": gettext_lazy("如：省创建办第3批暗访反馈")}
        ),
    )
    dispatch = forms.BooleanField(
        label=gettext_lazy("确认后直接交办到各责任单位（按清单中的整改时限）"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    field_order = ["campaign", "file", "summary", "dispatch"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["file"].label = _("问题清单（.xlsx 或 .docx）")

    def options(self):
        return {
            **super().options(),
            "summary": self.cleaned_data.get("summary", ""),
            "dispatch": bool(self.cleaned_data.get("dispatch")),
        }


def _campaign(batch):
    return Campaign.objects.get(pk=batch.options["campaign"])


def preview(batch):
    plan = plan_feedback(batch_data(batch), campaign=_campaign(batch), filename=batch.original_name)
    plan.dispatch = batch.options.get("dispatch", True)
    return plan


def apply(batch, progress):
    data = batch_data(batch)
    plan, inspection = feedback_import(
        data,
        data=data,
        actor=batch.created_by,
        campaign=_campaign(batch),
        filename=batch.original_name,
        summary=batch.options.get("summary", ""),
        dispatch=batch.options.get("dispatch", True),
        progress=progress,
    )
    summary = _("已建立上级反馈检查，登记问题 %(n)s 个、照片 %(p)s 张%(dispatched)s。") % {
        "n": len(plan.rows),
        "p": plan.photo_count,
        "dispatched": _("，并已交办") if batch.options.get("dispatch", True) else "",
    }
    url = reverse("inspections:inspection_detail", args=[inspection.pk])
    return summary, {"url": url, "label": str(_("查看这次检查")), "inspection": inspection.pk}


def register_importer():
    register(
        Importer(
            kind="feedback",
            label=gettext_lazy("上级反馈问题清单"),
            form=FeedbackImportForm,
            may_import=permissions.can_import_feedback,
            preview=preview,
            apply=apply,
            preview_template="inspections/partials/_feedback_preview.html",
            help_lines=(
                gettext_lazy(
                    "省、国家暗访组反馈的问题清单（.xlsx 或 Word 表格），照片嵌在表格中即可，按所在行对应到问题。"
                ),
                gettext_lazy(
                    "表头：序号、问题描述、点位/地址、所属区域、问题类别、反馈日期、整改时限，可另有责任单位。"
                ),
                gettext_lazy("未填责任单位时，按点位、问题类别和属地推荐；整改时限可写日期、“3个工作日”或“立行立改”。"),
                gettext_lazy("导入后建立一次“上级反馈”检查并保存原始清单；整改后可在检查页面导出整改情况报告。"),
            ),
            background_rows=200,
            order=20,
        )
    )
