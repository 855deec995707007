"""Forms of the ledger pages: they collect input, the services decide.

A form checks only what HTML can carry (a number is a number, a date is a date); every rule
of the ledger (percent 0–100, a reason for a return, evidence before submitting, file types)
is the service's, and its :class:`~chuangcheng.exceptions.ApplicationError` is put back on the
field it names with :meth:`ActionForm.add_service_error`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from chuangcheng.campaigns.forms import CampaignUploadForm
from chuangcheng.humantime import day
from chuangcheng.org.models import Unit

from . import permissions
from .selectors import decompose_targets

# What the file picker offers (the server checks the bytes, whatever the browser sends).
EVIDENCE_ACCEPT = "image/*,.pdf,.doc,.docx,.xls,.xlsx"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.Field):
    """Any number of uploads, passed on as they are: the service checks type and size."""

    def __init__(self, *, capture=False, **kwargs):
        attrs = {"accept": "image/*" if capture else EVIDENCE_ACCEPT, "class": "form-control"}
        if capture:
            attrs["capture"] = "environment"  # phones open the rear camera directly
        else:
            attrs["multiple"] = True
        kwargs.setdefault("required", False)
        super().__init__(widget=MultipleFileInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        return [f for f in (value or []) if f]


def _textarea(rows=3, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


def _visible_units(user, exclude=None):
    units = Unit.objects.visible_to(user).filter(is_active=True).order_by("level", "name")
    return units.exclude(pk=exclude) if exclude else units


class ActionForm(forms.Form):
    """Base of the workflow action forms: knows its task and person, and puts a service's
    refusal next to the field it is about (``parts`` is the decomposition's unit list)."""

    action = ""
    FIELD_ALIASES = {"parts": "units"}

    def __init__(self, data=None, files=None, *, task, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(data, files, **kwargs)
        self.task = task
        self.user = user

    def add_service_error(self, error):
        field = self.FIELD_ALIASES.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)

    def files_list(self):
        return [*self.cleaned_data.get("files", []), *self.cleaned_data.get("photos", [])]


class ReportForm(ActionForm):
    action = "report"
    progress = forms.IntegerField(
        label=_("完成进度（%）"),
        # 12.5 or "一半": the service's words, not Django's 输入整数
        error_messages={"invalid": _("完成进度应为 0 到 100 之间的整数。")},
        widget=forms.NumberInput(
            attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric", "class": "form-control"}
        ),
    )
    note = forms.CharField(label=_("进展情况"), widget=_textarea(placeholder=_("做了什么、还差什么")))
    files = EvidenceFilesField(label=_("佐证材料（照片、PDF、Word、Excel）"))
    photos = EvidenceFilesField(label=_("拍照上传"), capture=True)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, task=task, **kwargs)
        self.fields["progress"].initial = task.progress
        # The browser asks before sending a lower percent (app.js), so the photos chosen go with it.
        self.fields["progress"].widget.attrs.update(
            {
                "data-current": task.progress,
                "data-lower-confirm": _("比上次报送的 %(old)s%% 低，确认下调进度吗？") % {"old": task.progress},
            }
        )
        if self.is_bound and "confirm_decrease" in self.data:
            self._ask_to_confirm()

    def _ask_to_confirm(self):
        self.fields["confirm_decrease"] = forms.BooleanField(
            label=_("确认下调进度"),
            required=False,
            widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-testid": "confirm-decrease"}),
        )

    def clean(self):
        """A percent below the last one reported (a slip of the thumb, or a correction) is asked
        about before it is written: the field says so and a box to confirm it appears."""
        data = super().clean()
        progress = data.get("progress")
        if progress is not None and progress < self.task.progress and not data.get("confirm_decrease"):
            if "confirm_decrease" not in self.fields:
                self._ask_to_confirm()
            self.add_error(
                "progress",
                _("比上次报送的 %(old)s%% 低。如确需下调（例如更正误报），请勾选下方“确认下调进度”后再报送。")
                % {"old": self.task.progress},
            )
            if data.get("files") or data.get("photos"):  # a browser cannot keep what was chosen
                self.add_error("files", _("所选的照片和文件尚未上传：确认下调后请重新选择。"))
        return data


class SubmitForm(ActionForm):
    action = "submit"
    note = forms.CharField(label=_("完成情况说明"), widget=_textarea(placeholder=_("对照完成标准说明完成情况")))
    files = EvidenceFilesField(label=_("佐证材料（照片、PDF、Word、Excel）"))
    photos = EvidenceFilesField(label=_("拍照上传"), capture=True)


class AcceptForm(ActionForm):
    action = "accept"
    comment = forms.CharField(label=_("验收意见（可不填）"), required=False, widget=_textarea(rows=2))


class ReturnForm(ActionForm):
    action = "return"
    reason = forms.CharField(label=_("退回原因"), widget=_textarea(placeholder=_("哪里不符合完成标准、需要补充什么")))


class ChangeDeadlineForm(ActionForm):
    action = "change_deadline"
    deadline = forms.DateField(
        label=_("新的完成时限"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("调整原因"), widget=_textarea(rows=2))

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, task=task, **kwargs)
        self.fields["deadline"].initial = task.deadline


class ReassignForm(ActionForm):
    action = "reassign"
    owner_unit = forms.ModelChoiceField(
        label=_("新的责任单位"), queryset=Unit.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(label=_("调整原因"), widget=_textarea(rows=2))

    def __init__(self, *args, task, user, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        self.fields["owner_unit"].queryset = _visible_units(user, exclude=task.owner_unit_id)


class InstructForm(ActionForm):
    action = "instruct"
    text = forms.CharField(label=_("批示内容"), widget=_textarea(placeholder=_("对责任单位的要求")))


class DecomposeForm(ActionForm):
    action = "decompose"
    units = forms.ModelMultipleChoiceField(
        label=_("分解到以下责任单位（可多选）"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("请至少选择一个责任单位。"),
            "invalid_choice": _("所选单位不在可分解的范围内，或已有本任务的子任务。"),
        },
    )

    def __init__(self, *args, task, user, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        self.fields["units"].queryset = decompose_targets(user, task)
        if task.is_overdue():
            # The sub-tasks take this task's deadline: split now, each is born overdue and counts
            # so against its unit. Said before the click, with what to do instead.
            hint = _("本任务已超过完成时限（%(d)s）：分解出的子任务沿用这一时限，一经生成即为超期。") % {
                "d": day(task.deadline)
            }
            if permissions.can_manage(user, task):
                hint += _("如需给责任单位留出办理时间，请先“调整时限”。")
            else:
                hint += _("如需给责任单位留出办理时间，请先请督查员调整本任务的完成时限。")
            self.fields["units"].help_text = hint


ACTION_FORMS = {
    form.action: form
    for form in (
        ReportForm,
        SubmitForm,
        AcceptForm,
        ReturnForm,
        ChangeDeadlineForm,
        ReassignForm,
        InstructForm,
        DecomposeForm,
    )
}


class ImportForm(CampaignUploadForm):
    """The 任务分解表 import's options: which campaign; whether an unknown 责任领导 may be kept
    as unlinked text (marked 未关联) instead of stopping the import."""

    accept = ".xlsx,.xlsm,.csv"
    allow_unlinked_leaders = forms.BooleanField(
        label=_("允许未关联的责任领导（保存为文字并标为“未关联”，该领导不会收到提醒）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    field_order = ["campaign", "file", "allow_unlinked_leaders"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["file"].label = _("任务分解表（.xlsx 或 .csv）")

    def options(self):
        return {**super().options(), "allow_unlinked_leaders": bool(self.cleaned_data.get("allow_unlinked_leaders"))}
