"""Forms the apps above campaigns share."""

from django import forms
from django.utils.translation import gettext_lazy as _

from chuangcheng.imports.forms import UploadForm

from .models import Campaign, CampaignStatus


class CampaignUploadForm(UploadForm):
    """An import into one campaign (任务分解表, 上级反馈): the person's campaigns that are not
    closed, newest first, the only one chosen already. ``options()`` carries its id."""

    campaign = forms.ModelChoiceField(
        label=_("创建活动"), queryset=Campaign.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        campaigns = Campaign.objects.visible_to(user).exclude(status=CampaignStatus.CLOSED).order_by("-start_date")
        self.fields["campaign"].queryset = campaigns
        if len(campaigns) == 1:
            self.fields["campaign"].initial = campaigns[0].pk

    def options(self):
        return {"campaign": self.cleaned_data["campaign"].pk}
