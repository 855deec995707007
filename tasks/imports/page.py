"""The 任务分解表 on the import pages (:mod:`chuangcheng.imports`): registered at start-up."""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.campaigns.models import Campaign
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data
from chuangcheng.officedates import DEADLINE_HELP
from chuangcheng.org.matching import GROUP_HELP

from .. import permissions
from ..forms import ImportForm
from .write import import_tasks


def _run(batch, **kwargs):
    campaign = Campaign.objects.get(pk=batch.options["campaign"])
    plan = import_tasks(
        batch_data(batch),
        campaign=campaign,
        actor=batch.created_by,
        filename=batch.original_name,
        allow_unlinked_leaders=batch.options.get("allow_unlinked_leaders", False),
        **kwargs,
    )
    plan.campaign = campaign
    return plan


def preview(batch):
    return _run(batch, dry_run=True)


def apply(batch, progress):
    plan = _run(batch, progress=progress, window=f"batch:{batch.pk}")
    url = f"{reverse('tasks:ledger')}?campaign={plan.campaign.pk}"
    return plan.summary(), {"url": url, "label": str(_("查看任务台账"))}


def register_importer():
    register(
        Importer(
            kind="tasks",
            label=gettext_lazy("任务分解表"),
            form=ImportForm,
            may_import=lambda user: permissions.can_create(user, None),
            preview=preview,
            apply=apply,
            preview_template="tasks/partials/_import_preview.html",
            help_lines=(
                gettext_lazy(
                    "每行一个任务：任务名称、责任单位、完成时限必填；还可填 序号、完成标准、指标编号、牵头单位、配合单位、责任领导、开始日期、周期、区域、联系人、联系电话。"
                ),
                gettext_lazy(
                    "单位按全称、简称或别名匹配；简称（如“住建局”）会推断出全称，确认导入后记为该单位的别名。"
                ),
                GROUP_HELP,
                DEADLINE_HELP,
                gettext_lazy(
                    "责任领导须为系统中的包保领导；区域不填时取责任单位的辖区；已导入过的行（序号和任务名称相同）会跳过。"
                ),
            ),
            template_url=reverse_lazy("tasks:import_template"),
            background_rows=500,
            order=10,
        )
    )
