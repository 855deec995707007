"""Reads of campaigns for pages: the home page's countdown (a panel registered with
:mod:`chuangcheng.org.home`, which org cannot import from here)."""

from dataclasses import dataclass

from chuangcheng.officedates import office_today

from .models import Campaign


@dataclass(frozen=True)
class CampaignCountdown:
    campaign: Campaign
    days_left: int  # negative once the target inspection date has passed

    @property
    def days_past(self):
        """Days since the target inspection date (0 until it has passed)."""
        return max(-self.days_left, 0)

    @property
    def title_labels(self):
        return self.campaign.title_labels()


def campaign_countdown_list(*, user, today=None):
    """Active campaigns the user can see, soonest inspection first. "Today" is the date in
    Asia/Shanghai, whatever the request's time zone."""
    today = today or office_today()
    campaigns = Campaign.objects.visible_to(user).active().order_by("target_date", "name")
    return [CampaignCountdown(campaign=c, days_left=c.days_left(today=today)) for c in campaigns]


def countdown_panel(request):
    """The countdown cards at the top of the home page."""
    user = request.user
    return {
        "template": "campaigns/partials/_countdown.html",
        "zone": "top",
        "countdowns": campaign_countdown_list(user=user),
        "has_roles": bool(user.scope.roles),
    }
