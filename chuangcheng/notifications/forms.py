"""The 通知设置 form (the channel × kind switches are plain checkboxes named ``on``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class PreferenceForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=_("非紧急通知每日汇总发送"),
        required=False,
        help_text=_("开启后，邮件等渠道的非紧急通知每天合并为一封，在下面的时间发出；站内通知照常即时显示。"),
    )
    digest_hour = forms.TypedChoiceField(label=_("每日汇总时间"), choices=HOURS, coerce=int, initial=8)
    quiet_start = forms.TimeField(
        label=_("免打扰开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("免打扰结束"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("例如 22:00 至 07:00。免打扰期间的通知在结束时发出；紧急事项（负面清单临期）照常即时发送。"),
    )
