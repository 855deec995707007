"""The 实地考察细则 on the import pages (:mod:`chuangcheng.imports`): registered at start-up."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.campaigns.models import Standard
from chuangcheng.campaigns.permissions import can_manage_standards
from chuangcheng.imports.forms import UploadForm
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data

from .imports import import_checklist, plan_checklist


class ChecklistImportForm(UploadForm):
    """Which standard the checklist belongs to (its 指标编号 are looked up there)."""

    accept = ".xlsx,.xlsm,.csv"
    standard = forms.ModelChoiceField(
        label=gettext_lazy("测评体系"),
        queryset=Standard.objects.order_by("name", "version"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    field_order = ["standard", "file"]

    def options(self):
        return {"standard_id": self.cleaned_data["standard"].pk}


def _standard(batch):
    return Standard.objects.get(pk=batch.options["standard_id"])


def preview(batch):
    return plan_checklist(batch_data(batch), standard=_standard(batch), filename=batch.original_name)


def apply(batch, progress):
    plan = import_checklist(batch_data(batch), standard=_standard(batch), filename=batch.original_name)
    progress(len(plan.rows), len(plan.rows))
    url = reverse("admin:evaluations_checkitem_changelist") + f"?standard__id__exact={plan.standard.pk}"
    return plan.summary(), {"url": url, "label": str(_("查看实地考察细则"))}


def register_importer():
    register(
        Importer(
            kind="checklist",
            label=gettext_lazy("实地考察细则"),
            form=ChecklistImportForm,
            may_import=can_manage_standards,
            preview=preview,
            apply=apply,
            preview_template="evaluations/partials/_import_preview.html",
            help_lines=(
                gettext_lazy("表头：点位类型、考察内容、指标编号、扣分，可另有“不合格须拍照”“负面清单”“问题类别”列。"),
                gettext_lazy(
                    "点位类型可写常用叫法（主干道、公厕、菜市场…）；扣分可写 0.5、0.5分 或 扣0.5分；同一点位类型下考察内容相同的行视为同一项，重复导入只更新。"
                ),
            ),
            order=35,
        )
    )
