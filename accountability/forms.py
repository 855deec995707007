"""Forms of the accountability pages: they collect input (grounds as issue/task numbers the
person can see, recent briefings to tick), the services decide."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.models import Unit
from chuangcheng.reports.models import Briefing
from inspections.models import Issue
from tasks.models import Task

from .models import DecisionKind, Interview


def _text(rows=3, placeholder=""):
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", "placeholder": placeholder})


def _input(**attrs):
    return forms.TextInput(attrs={"class": "form-control", **attrs})


class IdsField(forms.CharField):
    """Numbers separated by commas or spaces (问题编号 #123): resolved by the form."""

    def to_python(self, value):
        value = super().to_python(value) or ""
        parts = [p.strip().lstrip("#") for p in value.replace("，", ",").replace(" ", ",").split(",")]
        ids = []
        for part in parts:
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(gettext("请填写编号，用逗号分隔。"))
            ids.append(int(part))
        return ids


class RecordForm(forms.Form):
    """Base: knows the campaign and the person; grounds are resolved among what they may see."""

    def __init__(self, *args, campaign, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign, self.user = campaign, user
        if "unit" in self.fields:
            self.fields["unit"].queryset = (
                Unit.objects.visible_to(user).filter(is_active=True).order_by("level", "name")
            )
            self.fields["unit"].widget.attrs["class"] = "form-select"
        if "briefings" in self.fields:
            recent = Briefing.objects.visible_to(user).filter(campaign=campaign).order_by("-period_end", "kind")
            self.fields["briefings"].queryset = Briefing.objects.filter(
                pk__in=list(recent.values_list("pk", flat=True)[:40])
            ).order_by("-period_end", "kind")
            self.fields["briefings"].widget.attrs.update({"class": "form-select", "size": 6})

    def _resolve(self, name, model):
        ids = self.cleaned_data.get(name) or []
        found = list(model.objects.visible_to(self.user).filter(campaign=self.campaign, pk__in=ids))
        missing = sorted(set(ids) - {o.pk for o in found})
        if missing:
            self.add_error(
                name, gettext("找不到编号 %(ids)s（或不属于本活动）。") % {"ids": "、".join(map(str, missing))}
            )
        return found

    def clean(self):
        cleaned = super().clean()
        for name, model in (("issues", Issue), ("tasks", Task)):
            if name in self.fields:
                cleaned[name] = self._resolve(name, model)
        if "briefings" in self.fields:
            cleaned["briefings"] = list(cleaned.get("briefings") or [])
        return cleaned

    def add_service_error(self, error):
        self.add_error(error.field if error.field in self.fields else None, error.message)


class InterviewForm(RecordForm):
    unit = forms.ModelChoiceField(label=_("被约谈单位"), queryset=Unit.objects.none())
    held_at = forms.DateTimeField(
        label=_("约谈时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"})
    )
    interviewee = forms.CharField(
        label=_("约谈对象"), max_length=100, widget=_input(placeholder=_("如：主要负责人 张某某"))
    )
    interviewers = forms.CharField(
        label=_("约谈人"), max_length=200, widget=_input(placeholder=_("如：市创建办主任 李某某"))
    )
    reason = forms.CharField(label=_("约谈事由"), widget=_text())
    commitment = forms.CharField(label=_("整改承诺"), required=False, widget=_text())
    follow_up_date = forms.DateField(
        label=_("整改时限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text=_("填写后为该单位生成一项跟踪任务。"),
    )
    issues = IdsField(label=_("相关问题编号"), required=False, widget=_input(placeholder="123, 456"))
    tasks = IdsField(label=_("相关任务编号"), required=False, widget=_input())
    briefings = forms.ModelMultipleChoiceField(label=_("相关通报"), queryset=Briefing.objects.none(), required=False)
    suggested_by = forms.CharField(required=False, widget=forms.HiddenInput())


class DecisionForm(RecordForm):
    kind = forms.ChoiceField(
        label=_("问责方式"), choices=DecisionKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    unit = forms.ModelChoiceField(label=_("问责单位"), queryset=Unit.objects.none())
    person_name = forms.CharField(label=_("问责个人"), max_length=100, required=False, widget=_input())
    decided_on = forms.DateField(
        label=_("决定日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    decided_by = forms.CharField(label=_("决定机关"), max_length=100, widget=_input())
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False, widget=_input())
    document = forms.FileField(
        label=_("决定文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,image/*", "class": "form-control"}),
    )
    points = forms.DecimalField(
        label=_("扣分"), required=False, widget=forms.NumberInput(attrs={"step": "0.1", "class": "form-control"})
    )
    amount = forms.DecimalField(
        label=_("扣罚金额（元）"), required=False, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    description = forms.CharField(label=_("问责事由"), widget=_text())
    issues = IdsField(label=_("相关问题编号"), required=False, widget=_input())
    tasks = IdsField(label=_("相关任务编号"), required=False, widget=_input())
    briefings = forms.ModelMultipleChoiceField(label=_("相关通报"), queryset=Briefing.objects.none(), required=False)
    interviews = forms.ModelMultipleChoiceField(label=_("相关约谈"), queryset=Interview.objects.none(), required=False)

    def __init__(self, *args, campaign, user, **kwargs):
        super().__init__(*args, campaign=campaign, user=user, **kwargs)
        recent = Interview.objects.visible_to(user).filter(campaign=campaign).values_list("pk", flat=True)[:40]
        self.fields["interviews"].queryset = Interview.objects.filter(pk__in=list(recent)).select_related("unit")
        self.fields["interviews"].widget.attrs.update({"class": "form-select", "size": 4})

    def clean(self):
        cleaned = super().clean()
        cleaned["interviews"] = list(cleaned.get("interviews") or [])
        return cleaned


class CommendationForm(RecordForm):
    unit = forms.ModelChoiceField(label=_("表扬单位"), queryset=Unit.objects.none(), required=False)
    person_name = forms.CharField(label=_("表扬个人"), max_length=100, required=False, widget=_input())
    reason = forms.CharField(label=_("表扬事由"), widget=_text())
    commended_on = forms.DateField(
        label=_("表扬日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False, widget=_input())
