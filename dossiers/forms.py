"""Forms of the dossier pages: they collect input, the services decide (file types by content,
sizes, who may, which state); a service's refusal is put back on the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from chuangcheng.campaigns.models import Indicator
from chuangcheng.org.models import Unit

from .rules import needs_dossier_q

# What the file picker offers (the server checks the bytes, whatever the browser sends).
DOSSIER_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.zip,image/*"


def _text(rows=2, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


def _input(**attrs):
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def _date():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"})


class ServiceForm(forms.Form):
    """Puts a service's :class:`~chuangcheng.exceptions.ApplicationError` next to its field."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        if self.prefix_name:
            kwargs.setdefault("auto_id", f"id_{self.prefix_name}_%s")
        super().__init__(*args, **kwargs)

    def add_service_error(self, error):
        self.add_error(error.field if error.field in self.fields else None, error.message)


class UploadForm(ServiceForm):
    """上传材料: a new material of the requirement (its first version)."""

    prefix_name = "upload"
    file = forms.FileField(
        label=_("文件"), widget=forms.ClearableFileInput(attrs={"accept": DOSSIER_ACCEPT, "class": "form-control"})
    )
    title = forms.CharField(
        label=_("材料标题"), max_length=200, widget=_input(placeholder=_("如：2025年爱卫会全体会议纪要"))
    )
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False, widget=_input())
    document_date = forms.DateField(label=_("成文日期"), required=False, widget=_date())
    note = forms.CharField(label=_("说明"), required=False, widget=_text())
    unit = forms.ModelChoiceField(label=_("报送单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        units = list(units)
        if len(units) > 1:
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("name")
            self.fields["unit"].required = True
            self.fields["unit"].widget.attrs["class"] = "form-select"
        else:
            del self.fields["unit"]


class NewVersionForm(ServiceForm):
    """上传新版本: replaces a pending or returned material; the texts default to the last version's."""

    prefix_name = "version"
    file = forms.FileField(
        label=_("新版本文件"),
        widget=forms.ClearableFileInput(attrs={"accept": DOSSIER_ACCEPT, "class": "form-control"}),
    )
    title = forms.CharField(label=_("材料标题"), max_length=200, required=False, widget=_input())
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False, widget=_input())
    document_date = forms.DateField(label=_("成文日期"), required=False, widget=_date())
    note = forms.CharField(label=_("修改说明"), required=False, widget=_text())


class ApproveForm(ServiceForm):
    prefix_name = "approve"
    comment = forms.CharField(label=_("审核意见"), required=False, widget=_text())


class ReturnForm(ServiceForm):
    prefix_name = "return"
    reason = forms.CharField(label=_("退回原因"), widget=_text(placeholder=_("缺什么、要怎么改")))


class RequirementForm(ServiceForm):
    """新建材料要求 (the office): only indicators of the campaign's standards evaluated on documents."""

    prefix_name = "requirement"
    indicator = forms.ModelChoiceField(label=_("测评指标"), queryset=Indicator.objects.none())
    name = forms.CharField(label=_("材料名称"), max_length=200, widget=_input(placeholder=_("如：爱卫会会议纪要")))
    description = forms.CharField(label=_("材料要求"), required=False, widget=_text(3))
    year_from = forms.IntegerField(
        label=_("起始年度"), required=False, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    year_to = forms.IntegerField(
        label=_("截止年度"), required=False, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    deadline = forms.DateField(label=_("报送时限"), required=False, widget=_date())
    units = forms.ModelMultipleChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, campaign, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(standard__in=campaign.standards.all())
            .filter(needs_dossier_q())
            .order_by("sort_key")
        )
        self.fields["indicator"].widget.attrs["class"] = "form-select"
        self.fields["units"].queryset = (
            Unit.objects.visible_to(user).filter(is_active=True).select_related("parent").order_by("level", "name")
        )
