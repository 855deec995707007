"""The 测评体系 on the import pages (:mod:`chuangcheng.imports`): registered at start-up."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.imports.forms import UploadForm
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data

from .imports import import_indicators, plan_indicators
from .models import Standard
from .permissions import can_manage_standards
from .scoring import SCORE_RULE


class StandardImportForm(UploadForm):
    """Which standard the file is: an existing one (re-import updates it) or a new name."""

    accept = ".xlsx,.xlsm,.csv"
    standard = forms.ModelChoiceField(
        label=_("测评体系"),
        queryset=Standard.objects.order_by("name", "version"),
        required=False,
        empty_label=gettext_lazy("（新建，填写下方名称）"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(
        label=gettext_lazy("新测评体系名称"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": gettext_lazy("如：全国文明城市测评体系")}
        ),
    )
    version = forms.CharField(
        label=gettext_lazy("版本"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": gettext_lazy("如：2015年版")}),
    )
    field_order = ["standard", "name", "version", "file"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("standard") and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("请选择已有的测评体系，或填写新测评体系的名称。"))
        return cleaned

    def options(self):
        standard = self.cleaned_data.get("standard")
        if standard is not None:
            return {"standard_name": standard.name, "version": standard.version}
        return {"standard_name": self.cleaned_data["name"].strip(), "version": self.cleaned_data["version"].strip()}


def preview(batch):
    plan = plan_indicators(
        batch_data(batch),
        standard_name=batch.options["standard_name"],
        version=batch.options.get("version", ""),
        filename=batch.original_name,
    )
    plan.score_rule = SCORE_RULE
    return plan


def apply(batch, progress):
    result = import_indicators(
        batch_data(batch),
        standard_name=batch.options["standard_name"],
        version=batch.options.get("version", ""),
        filename=batch.original_name,
    )
    progress(len(result.rows), len(result.rows))
    url = reverse("admin:campaigns_indicator_changelist") + f"?standard__id__exact={result.standard.pk}"
    return result.summary(), {"url": url, "label": str(_("查看测评指标"))}


def register_importer():
    register(
        Importer(
            kind="indicators",
            label=gettext_lazy("测评体系"),
            form=StandardImportForm,
            may_import=can_manage_standards,
            preview=preview,
            apply=apply,
            preview_template="campaigns/partials/_import_preview.html",
            help_lines=(
                gettext_lazy(
                    "表头：编号、上级编号、名称、分值、测评方法（或考察方法）、负面清单、说明（或测评标准），可另有“考察要求”列。"
                ),
                gettext_lazy(
                    "测评方法可写多个（用 /、； 分隔），冒号后或括号内的文字作为考察要求保存，其中提到的点位类型自动识别。"
                ),
                gettext_lazy("编号可用罗马数字（Ⅰ、Ⅱ-1）；上级编号为空时按编号推断，可以直接挂在一级指标下。"),
                SCORE_RULE,
            ),
            background_rows=5000,
            order=30,
        )
    )
